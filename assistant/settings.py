"""Settings: flags first, then the environment, then defaults."""
from __future__ import annotations

import os
from pathlib import Path


def default_index_dir() -> Path:
    """`NEWSDESK_INDEX`, else `index/` in the user's data directory."""
    env = os.environ.get("NEWSDESK_INDEX")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsdesk", appauthor=False)) / "index"


def model_setting() -> str | None:
    """`NEWSDESK_MODEL`: a sentence-transformers model path or name for new indexes."""
    return os.environ.get("NEWSDESK_MODEL") or None
