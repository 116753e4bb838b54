"""The generation backends by name, each with the factory that makes it from `Settings`
(their `llm_*` values). `ask --backend` offers these names.

A new backend is one new module in this package, with a class that has what `Backend`
names and a factory taking the settings, plus one line here. The factories are imported on
first use, so that reading the names costs nothing.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..settings import Settings
    from .backends import Backend

BackendFactory = Callable[["Settings"], "Backend"]


def _lazy(module: str, name: str) -> BackendFactory:
    """The factory `name` in `module` (relative to this package), imported when called."""

    def factory(settings: "Settings") -> Backend:
        return getattr(importlib.import_module(module, __package__), name)(settings)

    factory.__qualname__ = factory.__name__ = name
    return factory


BACKENDS: dict[str, BackendFactory] = {
    "openai": _lazy(".backends", "openai_from_settings"),
    "llama-cpp": _lazy(".backends", "llama_cpp_from_settings"),
}
