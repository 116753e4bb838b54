"""Prompt templates as plain text files, shipped inside the wheel.

A user folder (the `dir` argument: `Settings.prompts`, from `NEWSDESK_PROMPTS`) overrides
any template by holding a file of the same name.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

NAMES = ("system", "source", "question", "condense")


def load(name: str, dir: str | os.PathLike | None = None) -> str:
    """The text of `<name>.txt`: from the user folder when it has one, else the package's."""
    if name not in NAMES:
        raise ValueError(f"unknown prompt {name!r}; the prompts are {', '.join(NAMES)}")
    if dir:
        override = Path(dir).expanduser() / f"{name}.txt"
        if override.is_file():
            return override.read_text(encoding="utf-8")
    return resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
