"""newsdesk's answering layer: evidence selection, quotes and the surfaces on top of it.

Its names load on first use (PEP 562), so that a command under `assistant.cli` can start
work, such as loading the model, before the engine's imports."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .answer import Answer, Quote, Source
    from .assistant import Assistant, EmptyQuestionError

_WHERE = {"Answer": ".answer", "Quote": ".answer", "Source": ".answer",
          "Assistant": ".assistant", "EmptyQuestionError": ".assistant"}
__all__ = ["Assistant", "Answer", "Quote", "Source", "EmptyQuestionError"]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value
