"""The Textual chat: a thin surface over `Assistant`, `Conversation` and `History`."""
from __future__ import annotations


def run_chat(settings=None) -> None:
    """Open the chat with `settings` (`assistant.settings.Settings`; default: the
    environment's): the same index, filters and answerer options as `ask`."""
    from .app import NewsdeskApp

    NewsdeskApp(settings).run()
