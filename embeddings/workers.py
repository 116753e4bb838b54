"""Named pools of worker threads, started on first use and forgotten in a forked child.

A search runs its native parts (ONNX Runtime, FAISS), which leave the GIL, on workers
beside the calling thread. Each use has a pool of its own, so that a task never waits for
a worker that is itself waiting for it (a vector search on a "vector-search" worker hands
half of its scan to a "vector-scan" worker). `concurrent.futures` is imported on first use:
it is not on a one-shot command's way to its first search.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")
_POOLS: dict[str, "ThreadPoolExecutor"] = {}
_LOCK = threading.Lock()


def beside(pool: str, workers: int, fn: Callable[..., T], *args) -> "Future[T]":
    """`fn(*args)` started on a worker of the pool `pool` (made with `workers` threads on
    its first use); its future."""
    with _LOCK:
        executor = _POOLS.get(pool)
        if executor is None:
            from concurrent.futures import ThreadPoolExecutor

            executor = _POOLS[pool] = ThreadPoolExecutor(max_workers=workers,
                                                         thread_name_prefix=pool)
    return executor.submit(fn, *args)


def _forget_pools() -> None:
    """In a forked child: the parent's worker threads do not exist there."""
    global _LOCK
    _POOLS.clear()
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)
