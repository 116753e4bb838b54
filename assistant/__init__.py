"""newsdesk's answering layer: evidence selection, quotes and the surfaces on top of it.

Its names load on first use (PEP 562), so that a command under `assistant.cli` can start
work, such as loading the model, before the engine's imports."""
from __future__ import annotations

from typing import TYPE_CHECKING

from embeddings.lazy import lazy_names

if TYPE_CHECKING:
    from .answer import Answer, Quote, Source
    from .assistant import Assistant, EmptyQuestionError

_WHERE = {"Answer": ".answer", "Quote": ".answer", "Source": ".answer",
          "Assistant": ".assistant", "EmptyQuestionError": ".assistant"}
__all__ = ["Assistant", "Answer", "Quote", "Source", "EmptyQuestionError"]

__getattr__ = lazy_names(__name__, _WHERE)
