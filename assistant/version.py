"""The installed newsdesk's version, for `--version` and the servers."""
from __future__ import annotations

DISTRIBUTION = "newsdesk"  # [project] name in pyproject.toml


def installed_version() -> str:
    """The version of the installed newsdesk package, as its metadata says."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown (not installed)"
