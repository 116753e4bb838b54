"""`Desk`: what newsdesk offers other programs (the MCP server, the HTTP API), over one warm
session: search, ask, an article (or a span of it), the index's facts.

Both servers are thin: they turn their requests into these calls and return the results
as they are. Every result is JSON-ready and made by the library's own `to_dict` (the same
objects `ask --json` and `search --json` print). Every bad request is a `DeskError` with a
plain message and a kind (`bad_input`, `not_found`, `unavailable`); nothing an article
holds is interpreted. Calls are serialised: one SQLite connection serves them all.
"""
from __future__ import annotations

import threading
from datetime import date
from typing import TYPE_CHECKING

from .settings import Settings

if TYPE_CHECKING:
    from .session import Session

MAX_QUERY_CHARS = 10_000  # a longer query or question is refused, not cut
MAX_K = 100  # results or passages one call may ask for
FIRST_DAY, LAST_DAY = date(1000, 1, 1), date(9000, 12, 31)  # "this week" of a date outside
# these would count past the calendar's ends


class DeskError(Exception):
    """A request that cannot be answered, said plainly; `kind` is `bad_input`,
    `not_found` or `unavailable` (no index: the message says how to build one)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message

    def to_dict(self) -> dict:
        return {"error": self.message, "kind": self.kind}


def _text(value: str | None, what: str) -> str:
    from embeddings.readers.common import valid_text

    text = valid_text(value or "").strip()
    if not any(ch.isalnum() for ch in text):
        raise DeskError("bad_input", f"the {what} is empty: give some words to look for")
    if len(text) > MAX_QUERY_CHARS:
        raise DeskError("bad_input", f"the {what} is {len(text):,} characters long; the limit "
                                     f"is {MAX_QUERY_CHARS:,}")
    return text


def _day(value: str | date | None, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        raise DeskError("bad_input", f"{what} is not a date (YYYY-MM-DD): "
                                     f"{str(value)[:40]!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DeskError("bad_input", f"{what} must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


def _count(value: int | None, default: int | None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_K:
        raise DeskError("bad_input", f"k must be a whole number from 1 to {MAX_K}, not {value!r}")
    return value


class Desk:
    """One warm session behind a lock. Opened at once where the index is there; where it
    is not, each call says how to build it, and the first call after it is built opens it
    (a server never needs a restart for that)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._session: Session | None = None
        self._lock = threading.Lock()

    def open(self) -> "Desk":
        """Open the index now, if it is there (errors wait for the first call)."""
        try:
            with self._lock:
                self._ready()
        except DeskError:
            pass
        return self

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def _ready(self) -> "Session":
        if self._session is None:
            from .session import start_session
            from .settings import IndexUnavailable

            try:
                self._session = start_session(self.settings, warm=True)
            except IndexUnavailable as exc:
                raise DeskError("unavailable", exc.advice()) from None
        return self._session

    def _filters(self, outlet, author, since, until, all_copies) -> dict:
        from embeddings.readers.common import valid_text

        filters = {"outlet": valid_text(outlet) if outlet else None,
                   "author": valid_text(author) if author else None,
                   "since": _day(since, "since"), "until": _day(until, "until"),
                   "all_copies": bool(all_copies)}
        return {k: v for k, v in filters.items() if v not in (None, False)}

    # the calls ---------------------------------------------------------------------------
    def search(self, query: str, k: int | None = 10, outlet: str | None = None,
               author: str | None = None, since: str | date | None = None,
               until: str | date | None = None, as_of: str | date | None = None,
               all_copies: bool = False) -> list[dict]:
        """The best `k` articles, each with its best passages (offsets into its body)."""
        from embeddings import Filters, Query

        query = _text(query, "query")
        wanted = Query(query, k=_count(k, 10), as_of=_day(as_of, "as_of") or date.today(),
                       filters=Filters(**self._filters(outlet, author, since, until,
                                                       all_copies)))
        with self._lock:
            return [hit.to_dict() for hit in self._ready().index.search_articles(wanted)]

    def ask(self, question: str, as_of: str | date | None = None, outlet: str | None = None,
            author: str | None = None, since: str | date | None = None,
            until: str | date | None = None, k: int | None = None,
            all_copies: bool = False) -> dict:
        """The extractive answer: quotes (each `body[start:end]` of its source's article),
        numbered sources, and whether the articles answer at all (`found`)."""
        question = _text(question, "question")
        filters = self._filters(outlet, author, since, until, all_copies)
        when, k = _day(as_of, "as_of"), _count(k, None)
        with self._lock:
            session = self._ready()
            return session.answerer.ask(question, as_of=when, k=k, **filters).to_dict()

    def article(self, ref: str, start: int | None = None, end: int | None = None) -> dict:
        """The stored article by id or URL; with `start`/`end`, the span `body[start:end]`
        too (a client checks a quote so)."""
        from embeddings.readers.common import valid_text

        ref = valid_text(ref or "").strip()
        if not ref:
            raise DeskError("bad_input", "give an article id or URL")
        with self._lock:
            found = self._ready().index.find(ref)
        if found is None:
            raise DeskError("not_found", f"no article {ref[:200]!r} in the index (ids and URLs "
                                         f"come from search and ask results)")
        out = {**found.meta_dict(), "body": found.body, "length": len(found.body)}
        if start is not None or end is not None:
            s = 0 if start is None else start
            e = len(found.body) if end is None else end
            if not (isinstance(s, int) and isinstance(e, int) and 0 <= s <= e <= len(found.body)):
                raise DeskError("bad_input", f"the span must have 0 <= start <= end <= "
                                             f"{len(found.body)} (the body's length)")
            out["span"] = {"start": s, "end": e, "text": found.body[s:e]}
        return out

    def info(self) -> dict:
        """What the index holds: articles, passages, model, date range, outlets."""
        with self._lock:
            index = self._ready().index
            stats = index.stats()
            first, last = index.date_span()
            outlets = index.outlets()
        return {"articles": stats["articles"], "passages": stats["chunks"],
                "model": stats.get("model"), "index": stats["path"],
                "dates": {"first": first.isoformat() if first else None,
                          "last": last.isoformat() if last else None},
                "outlets": [{"outlet": o, "articles": n} for o, n in outlets]}

    def health(self) -> dict:
        with self._lock:
            index = self._ready().index
            return {"status": "ok", "articles": len(index)}

