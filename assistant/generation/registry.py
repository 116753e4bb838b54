"""The generation backends by name, for the CLI's choices and `backend_from_settings`.
Importing this module imports no backend."""
from __future__ import annotations

BACKENDS: dict[str, str] = {  # name -> "module:factory", the factory taking `Settings`
    "openai": "assistant.generation.backends:openai_from_settings",
    "llama-cpp": "assistant.generation.backends:llama_cpp_from_settings",
}
