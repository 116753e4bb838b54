"""The data model of the retrieval engine: articles, their chunks, and search hits."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date


def article_id_for(url: str | None, body: str) -> str:
    """Stable id: a hash of the canonical URL, or of the body where there is no URL."""
    key = ("url:" + url.strip()) if url and url.strip() else ("body:" + body)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def source_text(file: str | None, line: int | None = None,
                record: int | None = None) -> str | None:
    """Where something was read, as shown: "path", "path:line" (a JSON Lines line, or
    where a file went wrong) or "path#record" (a record of a JSON document)."""
    if file is None:
        return None
    if line is not None:
        return f"{file}:{line}"
    if record is not None:
        return f"{file}#{record}"
    return file


def one_line(value: str | None) -> str | None:
    """`value` with every run of whitespace (line and paragraph separators, NEL, tabs
    included) made one space, and trimmed; None when nothing is left."""
    if value is None:
        return None
    return " ".join(str(value).split()) or None


@dataclass(frozen=True)
class Article:
    """One news article. `body` is the clean text that every quote is cut from."""

    title: str
    body: str
    url: str | None = None
    outlet: str | None = None
    authors: tuple[str, ...] = ()
    published: date | None = None
    source_file: str | None = None  # the file it was read from (None: not from a file)
    source_line: int | None = None  # its line, in a JSON Lines file
    source_record: int | None = None  # its place (from 1), in a JSON document's records
    id: str = ""

    def __post_init__(self) -> None:
        # title, outlet, authors and URL are one-line fields: a line break inside one would
        # print as a line of its own (a forged "[2] ..." under Sources)
        set_ = object.__setattr__
        set_(self, "title", one_line(self.title) or "")
        set_(self, "outlet", one_line(self.outlet))
        set_(self, "url", one_line(self.url))
        set_(self, "authors", tuple(a for a in map(one_line, self.authors) if a))
        if not self.id:  # a new article (one read back from the index has its id)
            if self.url:
                from .urls import canonical_url

                set_(self, "url", canonical_url(self.url))
            set_(self, "id", article_id_for(self.url, self.body))

    @property
    def source(self) -> str | None:
        """Where it was read from, as shown: "path", "path:line" or "path#record"."""
        return source_text(self.source_file, self.source_line, self.source_record)

    def meta_dict(self) -> dict:
        """Everything but the body, as JSON-ready values."""
        return {"article_id": self.id, "title": self.title, "url": self.url, "outlet": self.outlet,
                "authors": list(self.authors),
                "published": self.published.isoformat() if self.published else None}

    @property
    def content_hash(self) -> str:
        """Hash of everything stored about the article (not where it was read from)."""
        payload = json.dumps(
            [self.title, self.body, self.url, self.outlet, list(self.authors),
             self.published.isoformat() if self.published else None],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: `body[start:end]`, within the embedding token budget."""

    article_id: str
    ordinal: int
    start: int
    end: int
    tokens: int
    text: str


@dataclass(frozen=True)
class Copy:
    """Another outlet's copy of an article (one story cluster): who else ran it, and where."""

    article_id: str
    title: str
    outlet: str | None
    url: str | None
    published: date | None

    def to_dict(self) -> dict:
        return {"article_id": self.article_id, "title": self.title, "outlet": self.outlet,
                "url": self.url,
                "published": self.published.isoformat() if self.published else None}


@dataclass
class Hit:
    """A chunk found by a search, with its article and the scores that ranked it, and
    the article's other copies (wire copies) where search showed it for them all."""

    chunk_id: int
    article: Article
    start: int
    end: int
    text: str
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    copies: tuple[Copy, ...] = ()

    def passage_dict(self) -> dict:
        """The passage alone: where it is in the body, its text and scores."""
        return {"chunk_id": self.chunk_id, "start": self.start, "end": self.end,
                "text": self.text, "score": self.score, "scores": self.scores}

    def to_dict(self) -> dict:
        a = self.article
        return {"chunk_id": self.chunk_id, "article_id": a.id, "title": a.title, "url": a.url,
                "outlet": a.outlet, "published": a.published.isoformat() if a.published else None,
                **self.passage_dict(), "copies": [c.to_dict() for c in self.copies]}
