"""The installed newsdesk's version, for `--version` and the servers."""
from __future__ import annotations

from embeddings.version import installed_version as _installed


def installed_version() -> str:
    """The version of the installed newsdesk package, as its metadata says."""
    return _installed("unknown (not installed)")
