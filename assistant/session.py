"""One session assembly: the open index, the history and the answerer, built from
`Settings` in this one place for every surface (`ask`, `newsdesk chat`, the Textual app, and
any later one such as a server)."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .settings import Settings, open_index

if TYPE_CHECKING:
    from embeddings import Index

    from .answer import Answer
    from .history import History


@runtime_checkable
class Answerer(Protocol):
    """What a surface asks: `Assistant` (quotes) and `GenerativeAssistant` (a model writes,
    every quote checked) both are one. `on_text` receives generated text as it streams. A
    conversation's follow-up also passes `story` (article ids to search first) and
    `search_for` (the query to search, where the sentences are read against the question):
    see `Assistant.ask`."""

    def ask(self, question: str, as_of: date | None = None, k: int | None = None,
            on_text: Callable[[str], None] | None = None, **filters) -> "Answer": ...


@dataclass
class Session:
    settings: Settings
    index: "Index"
    answerer: Answerer
    history: "History | None" = None

    def close(self) -> None:
        if self.history is not None:
            self.history.close()
        self.index.close()


def answerer_for(index: "Index", settings: Settings, backend=None) -> Answerer:
    """The answerer the settings ask for over `index`: quotes, or with `generate` (or a
    `backend` object a library user or a test made) a model writing from the same
    sources, its backend made here from the settings."""
    from .assistant import Assistant

    assistant = Assistant(index, entities=settings.entities, reader=settings.reader,
                          **({"k": settings.k} if settings.k else {}))
    if not settings.generate and backend is None:
        return assistant
    from .generation import GenerativeAssistant, backend_from_settings

    return GenerativeAssistant(assistant, backend or backend_from_settings(settings),
                               strict=settings.strict, prompt_dir=settings.prompts)


def start_session(settings: Settings, history: bool = False, warm: bool = False,
                  backend=None) -> Session:
    """Open what the settings name. `warm` readies the index for many questions (the
    chat, a server), and the entity recogniser and the reader where the settings use them
    (so the first question does not wait for them); `history` opens the saved
    conversations; `backend`: as `answerer_for` takes it. Raises `NewsdeskError`s."""
    index = open_index(settings)
    try:
        if warm:
            index.warm()
            if settings.entities:
                from .entities import available

                available()
            if settings.reader:
                from .reader import load

                load()
        answerer = answerer_for(index, settings, backend)
        saved = None
        if history:
            from .history import History

            saved = History(settings.history_file)
        return Session(settings, index, answerer, saved)
    except BaseException:
        index.close()
        raise


@contextlib.contextmanager
def open_session(settings: Settings, history: bool = False,
                 warm: bool = False) -> Iterator[Session]:
    """`start_session` as a context manager: everything is closed on the way out."""
    session = start_session(settings, history=history, warm=warm)
    try:
        yield session
    finally:
        session.close()
