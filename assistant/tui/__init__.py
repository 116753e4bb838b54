"""The Textual chat: a thin surface over `Assistant`, `Conversation` and `History`."""
from __future__ import annotations


def run_chat(index_path=None, as_of=None, backend=None, strict: bool = False) -> None:
    """Open the chat; with a generation `backend`, a model writes the answers."""
    from .app import NewsdeskApp

    NewsdeskApp(index_path=index_path, as_of=as_of, backend=backend, strict=strict).run()
