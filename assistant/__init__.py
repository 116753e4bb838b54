"""newsdesk's answering layer: evidence selection, quotes and the surfaces on top of it."""
from __future__ import annotations

from .answer import Answer, Quote, Source
from .assistant import Assistant, EmptyQuestionError

__all__ = ["Assistant", "Answer", "Quote", "Source", "EmptyQuestionError"]
