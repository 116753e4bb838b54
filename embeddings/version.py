"""The installed newsdesk's version, as its package metadata says (read on each call; the
import is deferred: no command's start-up reads package metadata it does not print)."""
from __future__ import annotations

DISTRIBUTION = "newsdesk"  # [project] name in pyproject.toml


def installed_version(missing: str = "0") -> str:
    """The installed version, or `missing` where newsdesk is not installed (run from a
    source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return missing
