"""Generated answers: a language model writes, every quotation it makes is checked.

Its names load on first use (PEP 562): the CLI reads `registry` for its choices without
importing a backend."""
from __future__ import annotations

from typing import TYPE_CHECKING

from embeddings.lazy import lazy_names

if TYPE_CHECKING:
    from .backends import GenerationError, LlamaCppBackend, OpenAIBackend, backend_from_settings
    from .generative import GenerativeAssistant
    from .verify import Verification, verify

_WHERE = {"GenerationError": ".backends", "LlamaCppBackend": ".backends",
          "OpenAIBackend": ".backends", "backend_from_settings": ".backends",
          "GenerativeAssistant": ".generative", "verify": ".verify", "Verification": ".verify"}
__all__ = ["GenerationError", "LlamaCppBackend", "OpenAIBackend", "backend_from_settings",
           "GenerativeAssistant", "verify", "Verification"]

__getattr__ = lazy_names(__name__, _WHERE)
