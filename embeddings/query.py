"""A query: what is asked (`Query`, `Filters`), and how its text is read: its terms for
keyword search, its names and numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

MAX_QUERY_CHARS = 2000  # what is embedded and searched of a very long question
MAX_TERMS = 48
MODES = ("hybrid", "dense", "keyword")


@dataclass(frozen=True)
class Filters:
    """Which articles a search may return; applied inside the search, before top-k."""

    outlet: str | None = None
    author: str | None = None
    since: date | None = None
    until: date | None = None
    articles: frozenset[str] | None = None  # only these article ids (a conversation's story)
    # every copy of a wire story, not one per story cluster (the earliest, naming the rest)
    all_copies: bool = False

    @property
    def active(self) -> bool:
        """Whether any filter narrows the articles (`all_copies` widens the results)."""
        return any(v is not None for v in (self.outlet, self.author, self.since, self.until,
                                           self.articles))


@dataclass(frozen=True)
class Query:
    """One search: the text, how many results, which articles, the question's "now"
    (`as_of`, for "this week") and the mode (hybrid, or one system alone: a baseline)."""

    text: str
    k: int = 10
    filters: Filters = field(default_factory=Filters)
    as_of: date | None = None
    mode: str = "hybrid"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown search mode {self.mode!r}; choose one of {MODES}")


STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves said say says according
also one new like get got make made many much may might must us yet ever
""".split())

_WORD = re.compile(r"[\w][\w'’\-]*", re.UNICODE)
_NAME = re.compile(r"\b[A-Z][\w'’\-]*(?:\s+(?:[A-Z][\w'’\-]*|of|de|al|bin|van|von|la|le))*[\w'’]*")
_NUMBER = re.compile(r"\b\d[\d,.]*%?")


def terms(text: str) -> list[str]:
    """Lower-case content words of `text`, in order, without repeats."""
    out: dict[str, None] = {}
    for word in _WORD.findall(text[:MAX_QUERY_CHARS].lower()):
        word = word.strip("'’-").replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) > 1 and word not in STOPWORDS or word.isdigit():
            out.setdefault(word, None)
        if len(out) >= MAX_TERMS:
            break
    return list(out)


def keyword_words(text: str) -> list[str]:
    """The words a keyword search looks for, once each, in order."""
    words = []
    for term in terms(text):
        for part in re.findall(r"\w+", term):
            if len(part) > 1 or part.isdigit():
                words.append(part)
    return list(dict.fromkeys(words))


def fts_query(text: str) -> str | None:
    """A safe FTS5 MATCH expression: every word quoted, joined by OR (None if no words)."""
    quoted = ['"' + w.replace('"', '') + '"' for w in keyword_words(text)]
    return " OR ".join(quoted) if quoted else None


def names_and_numbers(text: str) -> list[str]:
    """Capitalised names (not sentence-initial stopwords) and numbers, for exact matching."""
    text = text[:MAX_QUERY_CHARS]
    found: dict[str, None] = {}
    for m in _NAME.finditer(text):
        name = m.group().strip()
        words = name.split()
        while words and words[0].lower() in STOPWORDS:
            words = words[1:]
        if words:
            found.setdefault(" ".join(words), None)
    for m in _NUMBER.finditer(text):
        found.setdefault(m.group().rstrip(".,"), None)
    return list(found)
