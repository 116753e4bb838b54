"""The files of an index directory (besides `vectors.CACHE_FILE`, the vector cache)."""
from __future__ import annotations

META_FILE = "meta.sqlite"  # articles, chunks, their vectors, the keyword table, the manifest
KEYWORDS_FILE = "keywords.cache"  # the keyword postings of a warm index
