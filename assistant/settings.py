"""Settings: one frozen object, read once from flags, then the environment, then defaults.

`Settings.load` is the only reader of `NEWSDESK_*` variables (`ENVIRONMENT` lists them, and
a test checks the README's table against it). The engine reads none: `configure_engine`
hands it the encoder backend and the cache folder.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from embeddings.errors import BadInputError, IndexUnavailableError, NewsdeskError

# setting -> environment variable
ENVIRONMENT: dict[str, str] = {
    "index": "NEWSDESK_INDEX",
    "history": "NEWSDESK_HISTORY",
    "model": "NEWSDESK_MODEL",
    "encoder": "NEWSDESK_ENCODER",
    "cache": "NEWSDESK_CACHE",
    "prompts": "NEWSDESK_PROMPTS",
    "llm_backend": "NEWSDESK_LLM_BACKEND",
    "llm_base_url": "NEWSDESK_LLM_BASE_URL",
    "llm_model": "NEWSDESK_LLM_MODEL",
    "llm_api_key": "NEWSDESK_LLM_API_KEY",
    "llm_timeout": "NEWSDESK_LLM_TIMEOUT",
    "llm_context": "NEWSDESK_LLM_CONTEXT",
    "llm_gguf": "NEWSDESK_LLM_GGUF",
    "rewrite": "NEWSDESK_REWRITE",
    "entities": "NEWSDESK_ENTITIES",
    "reader": "NEWSDESK_READER",
}
# flags that narrow every search (and --all-copies, that shows each wire copy)
FILTERS = ("outlet", "author", "since", "until", "all_copies")


@dataclass(frozen=True)
class Settings:
    """Everything a surface needs to open a session: where things are, which model and
    backends, and what the user asked for on the command line."""

    index: Path
    history: Path | None = None  # None: the default, found when first asked (`history_file`)
    model: str | None = None  # a sentence-transformers model for new indexes
    encoder: str | None = None  # onnx, onnx-int8 or torch (None: the engine's default)
    cache: Path | None = None  # the exported ONNX graphs
    prompts: Path | None = None  # a folder whose templates override the packaged ones
    llm_backend: str = "openai"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float | None = None
    llm_context: int | None = None
    llm_gguf: str | None = None
    # how the chat rewrites a follow-up: "rules" (measured the better, with generation on
    # too: bench/conversations.py --model) or "model" (prompts/condense.txt, with --generate)
    rewrite: str = "rules"
    # read the kind of name a sentence holds with the entity recogniser (better quotes for
    # "who", "where", "which company"); off, a one-shot `ask` of such a question skips
    # loading it (about 0.85 s)
    entities: bool = True
    # order the best sentences with the reader, a cross-encoder that reads the question and
    # each sentence together (assistant/reader.py); off, quotes are chosen by the other
    # features alone (about 0.2 s faster an answer)
    reader: bool = True
    # the command line's question options: the same on every surface
    k: int | None = None
    as_of: date | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)
    generate: bool = False
    strict: bool = False

    @classmethod
    def load(cls, flags: Mapping[str, Any] | Any = None,
             environ: Mapping[str, str] | None = None) -> "Settings":
        """Flags (a mapping, or an argparse namespace; None values are unset) over the
        environment over the defaults. A bad value is a `BadInputError` naming it."""
        environ = os.environ if environ is None else environ
        flags = vars(flags) if flags is not None and not isinstance(flags, Mapping) else (flags or {})
        values: dict[str, Any] = {}
        for name, variable in ENVIRONMENT.items():
            raw = environ.get(variable)
            if raw:
                values[name] = _parse(name, variable, raw)
        if flags.get("backend"):
            values["llm_backend"] = flags["backend"]
        for name in ("index", "k", "as_of", "generate", "strict"):
            if flags.get(name) not in (None, False):
                values[name] = flags[name]
        values["filters"] = {n: flags[n] for n in FILTERS if flags.get(n) not in (None, False)}
        if "llm_api_key" not in values and environ.get("OPENAI_API_KEY"):
            values["llm_api_key"] = environ["OPENAI_API_KEY"]  # the client library's own
        values.setdefault("index", _user_data("index"))
        return cls(**values)

    @property
    def history_file(self) -> Path:
        """The saved conversations (the user data dir's unless set): found only when a
        surface that saves them asks, so a one-shot `ask --index DIR` imports nothing
        for it."""
        return self.history or _user_data("conversations.sqlite")

    def replace(self, **changes: Any) -> "Settings":
        from dataclasses import replace

        return replace(self, **changes)

    def configure_engine(self) -> "Settings":
        """Hand the engine its settings (encoder backend, cache folder) for this process."""
        from embeddings.encoder import configure

        configure(backend=self.encoder, cache=self.cache)
        return self


_NUMBERS = {"llm_timeout": float, "llm_context": int}
_PATHS = ("index", "history", "cache", "prompts")
_SWITCH = {"on": True, "1": True, "true": True, "yes": True,
           "off": False, "0": False, "false": False, "no": False}


def _parse(name: str, variable: str, raw: str) -> Any:
    if name in _PATHS:
        return Path(raw).expanduser()
    if name in _NUMBERS:
        import math

        try:
            value = _NUMBERS[name](raw)
        except ValueError:
            raise BadInputError(f"{variable} must be a number, not {raw!r}") from None
        if not (math.isfinite(value) and value > 0):
            raise BadInputError(f"{variable} must be a number above 0, not {raw!r}")
        return value
    if name == "rewrite":
        from .conversation import REWRITERS

        value = raw.strip().lower()
        if value not in REWRITERS:
            raise BadInputError(f"{variable}={value!r}: choose one of {', '.join(REWRITERS)}")
        return value
    if name in ("entities", "reader"):
        value = raw.strip().lower()
        if value not in _SWITCH:
            raise BadInputError(f"{variable}={value!r}: choose on or off")
        return _SWITCH[value]
    if name == "encoder":
        from embeddings.encoder import BACKENDS

        value = raw.strip().lower()
        if value not in BACKENDS:
            raise BadInputError(f"{variable}={value!r}: choose one of {', '.join(BACKENDS)}")
        return value
    return raw


def _user_data(name: str) -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsdesk", appauthor=False)) / name


assert set(ENVIRONMENT) <= {f.name for f in fields(Settings)}


class IndexUnavailable(IndexUnavailableError):
    """The index at `path` could not be opened: `missing` (none there), `mismatch` (built
    with another model or chunker), or another error, kept as `cause`."""

    def __init__(self, path: Path, cause: Exception):
        super().__init__(str(cause))
        from embeddings import IndexMismatchError

        self.path, self.cause = path, cause
        self.missing = isinstance(cause, FileNotFoundError)  # IndexMissingError is one
        self.mismatch = isinstance(cause, IndexMismatchError)

    def advice(self) -> str:
        """What a surface tells the user: how to build a missing index, else the cause
        (lower-case, as after the CLI's "newsdesk: ")."""
        if self.missing:
            return (f"no index at {self.path}. Build one first:\n"
                    f"  newsdesk index PATH... --index {self.path}")
        if self.mismatch:
            return str(self.cause)
        return f"cannot open the index at {self.path}: {self.cause}"


def open_index(settings: Settings, create: bool = False):
    """The `embeddings.Index` the settings name, with their model; any failure is an
    `IndexUnavailable`."""
    import sqlite3

    from embeddings import Index

    try:
        return Index.open(settings.index, model=settings.model, create=create)
    except (NewsdeskError, OSError, sqlite3.Error) as exc:
        raise IndexUnavailable(settings.index, exc) from exc


def preload(settings: Settings) -> None:
    """For a command about to search the index the settings name: start, in the background,
    reading its vector cache (`embeddings.vectors.prefetch`) and loading the bundled
    embedding model (`Encoder.preload`), before the engine's imports. Only where there
    is an index (so an error exits without waiting), and the model only where it is the
    one to expect: the settings name no other. An index built with another model loads
    that one when it opens, and this load was wasted."""
    from embeddings.encoder import DEFAULT_MODEL, Encoder, model_id
    from embeddings.vectors import prefetch

    if not settings.index.is_dir():
        return
    prefetch(settings.index)
    if model_id(settings.model) != DEFAULT_MODEL:
        return
    Encoder().preload()
