"""Settings: flags first, then the environment, then defaults."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def data_path(variable: str, name: str) -> Path:
    """The path in environment `variable`, else `name` in the user's data directory."""
    env = os.environ.get(variable)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsdesk", appauthor=False)) / name


def default_index_dir() -> Path:
    """`NEWSDESK_INDEX`, else `index/` in the user's data directory."""
    return data_path("NEWSDESK_INDEX", "index")


def model_setting() -> str | None:
    """`NEWSDESK_MODEL`: a sentence-transformers model path or name for new indexes."""
    return os.environ.get("NEWSDESK_MODEL") or None


class IndexUnavailable(Exception):
    """The index at `path` could not be opened: `missing` (none there), `mismatch` (built
    with another model or chunker), or another error, kept as `cause`."""

    def __init__(self, path: Path, cause: Exception):
        super().__init__(str(cause))
        from embeddings import IndexMismatchError

        self.path, self.cause = path, cause
        self.missing = isinstance(cause, FileNotFoundError)
        self.mismatch = isinstance(cause, IndexMismatchError)


def open_index(path: Path | None = None, create: bool = False):
    """The `embeddings.Index` at `path` (default: `default_index_dir()`), with the model
    that `NEWSDESK_MODEL` names; any failure is an `IndexUnavailable`."""
    from embeddings import Index, IndexMismatchError

    path = path or default_index_dir()
    try:
        return Index.open(path, model=model_setting(), create=create)
    except (IndexMismatchError, OSError, ValueError, RuntimeError, sqlite3.Error) as exc:
        raise IndexUnavailable(path, exc) from exc


def preload(path: Path | None) -> None:
    """For a command about to search the index at `path`: start, in the background,
    reading its vector cache (`embeddings.vectors.prefetch`) and loading the bundled
    embedding model (`Encoder.preload`), before the engine's imports. Only where there
    is an index (so an error exits without waiting), and the model only where it is the
    one to expect: the settings name no other. An index built with another model loads
    that one when it opens, and this load was wasted."""
    from embeddings.encoder import DEFAULT_MODEL, Encoder, model_id
    from embeddings.vectors import prefetch

    path = path or default_index_dir()
    if not path.is_dir():
        return
    prefetch(path)
    if model_id(model_setting()) != DEFAULT_MODEL:
        return
    try:
        encoder = Encoder()
    except ValueError:  # a bad NEWSDESK_ENCODER: opening the index says so
        return
    encoder.preload()
