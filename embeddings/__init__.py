"""newsdesk's retrieval engine: articles in, ranked passages out. Knows no UI and no LLM.

Its names load on first use (PEP 562): `embeddings.encoder` alone can start loading the
model before the rest of the engine is imported."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .chunking import ChunkerSettings, chunk_article
    from .index import AddReport, Index, IndexMismatchError
    from .query import Filters, Query
    from .readers import Skipped, read_paths
    from .records import Article, Chunk, Hit

_WHERE = {"ChunkerSettings": ".chunking", "chunk_article": ".chunking",
          "AddReport": ".index", "Index": ".index", "IndexMismatchError": ".index",
          "Filters": ".query", "Query": ".query", "Skipped": ".readers", "read_paths": ".readers",
          "Article": ".records", "Chunk": ".records", "Hit": ".records"}
__all__ = ["Index", "IndexMismatchError", "AddReport", "Article", "Chunk", "Hit", "Skipped",
           "ChunkerSettings", "chunk_article", "read_paths", "Query", "Filters"]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value
