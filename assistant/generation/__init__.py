"""Generated answers: a language model writes, every quotation it makes is checked."""
from __future__ import annotations

from .backends import GenerationError, LlamaCppBackend, OpenAIBackend, backend_from_settings
from .generative import GenerativeAssistant
from .verify import Verification, verify

__all__ = ["GenerativeAssistant", "GenerationError", "OpenAIBackend", "LlamaCppBackend",
           "backend_from_settings", "verify", "Verification"]
