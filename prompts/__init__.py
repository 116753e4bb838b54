"""Prompt templates as plain text files, shipped inside the wheel."""
from __future__ import annotations

from importlib import resources


def load(name: str) -> str:
    """The text of `prompts/<name>.txt` from the installed package."""
    return resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
