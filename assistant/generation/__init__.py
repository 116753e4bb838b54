"""Generated answers: a language model writes, every quotation it makes is checked.

Its names load on first use (PEP 562): the CLI reads the backend registry without the
engine's imports."""
from __future__ import annotations

from typing import TYPE_CHECKING

from embeddings.lazy import lazy_names

from .verify import Verification, verify  # light; eager, as its name is also a module's

if TYPE_CHECKING:
    from .backends import (Backend, GenerationError, LlamaCppBackend, OpenAIBackend,
                           backend_from_settings)
    from .generative import GenerativeAssistant
    from .registry import BACKENDS

_WHERE = {"GenerativeAssistant": ".generative", "GenerationError": ".backends",
          "OpenAIBackend": ".backends", "LlamaCppBackend": ".backends", "Backend": ".backends",
          "backend_from_settings": ".backends", "BACKENDS": ".registry"}
__all__ = ["GenerativeAssistant", "GenerationError", "OpenAIBackend", "LlamaCppBackend",
           "Backend", "BACKENDS", "backend_from_settings", "verify", "Verification"]

__getattr__ = lazy_names(__name__, _WHERE)
