"""`meta.sqlite`, the one home of the index's SQL: its schema and migrations (`schema`),
typed access for storage (`meta.MetaStore`, with the story clusters' `clusters`) and the read-only queries of search
(`search.SearchQueries`)."""
from .meta import MetaStore, quick_check, read_only_uri
from .schema import FTS_TOKENIZE, SCHEMA_VERSION, MigrationContext, article_reader, split_source
from .search import SearchQueries

__all__ = ["FTS_TOKENIZE", "MetaStore", "MigrationContext", "SCHEMA_VERSION", "SearchQueries",
           "article_reader", "quick_check", "read_only_uri", "split_source"]
