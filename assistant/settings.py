"""Settings: flags first, then the environment, then defaults."""
from __future__ import annotations

import os
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
