"""The structured answer every surface renders: quotes, numbered sources, found or not."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from embeddings.records import Copy

if TYPE_CHECKING:
    from .generation.verify import Verification


@dataclass(frozen=True)
class Source:
    """A numbered source; everything here comes from the index, never from model text.
    `copies`: the same story as other outlets ran it (one story cluster), earliest first."""

    n: int
    article_id: str
    title: str
    url: str | None
    outlet: str | None
    published: date | None
    copies: tuple[Copy, ...] = ()

    @classmethod
    def of(cls, n: int, article, copies: tuple[Copy, ...] = ()) -> "Source":
        """Source number `n` for a stored `embeddings.Article` (and its copies)."""
        return cls(n, article.id, article.title, article.url, article.outlet, article.published,
                   tuple(copies))

    @classmethod
    def from_dict(cls, d: dict) -> "Source":
        return cls(d["n"], d["article_id"], d["title"], d.get("url"), d.get("outlet"),
                   _day(d.get("published")),
                   tuple(Copy(c["article_id"], c.get("title", ""), c.get("outlet"), c.get("url"),
                              _day(c.get("published"))) for c in d.get("copies", ())))

    def to_dict(self) -> dict:
        return {"n": self.n, "article_id": self.article_id, "title": self.title, "url": self.url,
                "outlet": self.outlet,
                "published": self.published.isoformat() if self.published else None,
                **({"copies": [c.to_dict() for c in self.copies]} if self.copies else {})}

    def also_published_by(self) -> list[str]:
        """The other outlets that ran this story, once each, earliest first (a copy without
        an outlet counts by its web host; one with neither is not named)."""
        from embeddings.readers.common import outlet_from_url

        own = (self.outlet or "").casefold()
        names: dict[str, str] = {}
        for copy in self.copies:
            name = copy.outlet or outlet_from_url(copy.url)
            if name and name.casefold() != own:
                names.setdefault(name.casefold(), name)
        return list(names.values())


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Quote:
    """`text == article.body[start:end]` of the article behind `source`."""

    text: str
    start: int
    end: int
    source: int  # the Source's n
    article_id: str
    also_in: tuple[int, ...] = ()  # other sources carrying the same sentence (wire copies)
    scores: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "Quote":
        return cls(d["text"], d["start"], d["end"], d["source"], d["article_id"],
                   tuple(d.get("also_in", ())), dict(d.get("scores", {})))

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "source": self.source,
                "article_id": self.article_id, "also_in": list(self.also_in),
                "scores": {k: round(v, 4) for k, v in self.scores.items()}}


@dataclass(frozen=True)
class Generation:
    """What a language model made of the sources: its text as written (`raw`) and as
    checked (`text`, citations corrected, unverified quotes marked), the verifier's report
    and the prompt's size; or, where the model could not answer, only `error`.
    `replaced_by_extractive`: --strict put the extractive answer in its place."""

    backend: str
    text: str | None = None
    raw: str | None = None
    verification: "Verification | None" = None
    prompt_tokens: int | None = None
    error: str | None = None
    replaced_by_extractive: bool = False

    @classmethod
    def failed(cls, backend: str, error: str) -> "Generation":
        return cls(backend, error=error)

    @classmethod
    def from_dict(cls, d: dict) -> "Generation":
        verification = None
        if d.get("verification") is not None:
            from .generation.verify import Verification

            verification = Verification.from_dict(d["verification"], d.get("text") or "")
        return cls(d["backend"], d.get("text"), d.get("raw"), verification,
                   d.get("prompt_tokens"), d.get("error"),
                   bool(d.get("replaced_by_extractive", False)))

    def to_dict(self) -> dict:
        """The JSON `ask --json` prints: only the keys that apply, as ever."""
        if self.error is not None:
            return {"backend": self.backend, "error": self.error}
        out = {"backend": self.backend, "raw": self.raw, "text": self.text,
               "verification": self.verification.to_dict() if self.verification else None,
               "prompt_tokens": self.prompt_tokens}
        if self.replaced_by_extractive:
            out["replaced_by_extractive"] = True
        return out


@dataclass
class Answer:
    question: str
    query: str  # what was actually searched
    found: bool
    quotes: list[Quote] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    see_also: list[Source] = field(default_factory=list)  # closest articles when not found
    as_of: date | None = None
    strength: float = 0.0  # score of the best evidence sentence; found needs a threshold
    generation: Generation | None = None  # a generated answer: text, backend, verification
    evidence: dict | None = None  # how strong the evidence was (what `found` was decided on)
    # a follow-up's search: "story" (the previous answer's articles and all articles) or
    # "new topic" (all articles, nothing carried along); None for a first question
    thread: str | None = None

    NOT_FOUND = "The indexed articles don't answer this."

    @property
    def text(self) -> str:
        """The answer as plain text: each quote followed by its [n] markers."""
        if self.generation and self.generation.text and \
                not self.generation.replaced_by_extractive:
            return self.generation.text
        if not self.found:
            return self.NOT_FOUND
        return "\n".join(f"{q.text} " + "".join(f"[{n}]" for n in (q.source, *q.also_in))
                         for q in self.quotes)

    def quote_spans(self, n: int, article_id: str, body: str) -> list[tuple[int, int]]:
        """Where this answer's quotes stand in source n's article body (as it is now)."""
        spans = set()
        for quote in self.quotes:
            if quote.article_id != article_id and n not in quote.also_in:
                continue
            if body[quote.start:quote.end] == quote.text:
                spans.add((quote.start, quote.end))
            elif (at := body.find(quote.text)) >= 0:  # a wire copy, or re-indexed since
                spans.add((at, at + len(quote.text)))
        return sorted(spans)

    def source(self, n: int) -> Source:
        return next(s for s in self.sources if s.n == n)

    @classmethod
    def from_dict(cls, d: dict) -> "Answer":
        return cls(question=d["question"], query=d.get("query", d["question"]), found=d["found"],
                   quotes=[Quote.from_dict(q) for q in d.get("quotes", [])],
                   sources=[Source.from_dict(s) for s in d.get("sources", [])],
                   see_also=[Source.from_dict(s) for s in d.get("see_also", [])],
                   as_of=date.fromisoformat(d["as_of"]) if d.get("as_of") else None,
                   strength=d.get("strength", 0.0),
                   generation=Generation.from_dict(d["generation"]) if d.get("generation") else None,
                   evidence=d.get("evidence") or None, thread=d.get("thread"))

    def to_dict(self) -> dict:
        return {"question": self.question, "query": self.query, "answer": self.text,
                "found": self.found, "as_of": self.as_of.isoformat() if self.as_of else None,
                "strength": round(self.strength, 4),
                "evidence": {k: round(v, 4) for k, v in (self.evidence or {}).items()},
                "quotes": [q.to_dict() for q in self.quotes],
                "sources": [s.to_dict() for s in self.sources],
                "see_also": [s.to_dict() for s in self.see_also],
                **({"thread": self.thread} if self.thread else {}),
                **({"generation": self.generation.to_dict()} if self.generation else {})}
