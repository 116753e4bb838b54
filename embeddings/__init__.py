"""newsdesk's retrieval engine: articles in, ranked passages out. Knows no UI and no LLM."""
from __future__ import annotations

from .chunking import ChunkerSettings, chunk_article
from .index import AddReport, Index, IndexMismatchError
from .query import Filters, Query
from .readers import Skipped, read_paths
from .records import Article, Chunk, Hit

__all__ = ["Index", "IndexMismatchError", "AddReport", "Article", "Chunk", "Hit", "Skipped",
           "ChunkerSettings", "chunk_article", "read_paths", "Query", "Filters"]
