"""Every quotation in a generated answer is looked up in the sources it cites.

A quoted span is searched, exactly after normalising whitespace and quotation marks, in
the cited source: `verified` (with offsets into the article body), `corrected` (found in
another source given to the model; the citation is changed), or `not_found` (marked in
the text). Citations of sources that were not given are removed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_QUOTED = re.compile(r"“([^”]{3,}?)”|\"([^\"]{3,}?)\"|«([^»]{3,}?)»")
_CITATION = re.compile(r"\[(\d{1,3})\]")
_SPACE = re.compile(r"\s+")
_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'",
                        "‚": "'", "`": "'", "\u00a0": " "})
CITATION_REACH = 160  # characters after a quote in which its [n] is looked for
MARK = " [unverified]"


def normalise(text: str) -> tuple[str, list[int]]:
    """Text with quote marks unified and whitespace runs collapsed, and for each
    character of the result its offset in the original."""
    out: list[str] = []
    where: list[int] = []
    previous_space = False
    for i, ch in enumerate(text):
        ch = ch.translate(_MARKS)
        if ch.isspace():
            if previous_space:
                continue
            ch, previous_space = " ", True
        else:
            previous_space = False
        out.append(ch)
        where.append(i)
    return "".join(out), where


def locate(quote: str, body: str,
           normalised: tuple[str, list[int]] | None = None) -> tuple[int, int] | None:
    """(start, end) of `quote` in `body`, up to whitespace and quotation marks.
    `normalised` is `normalise(body)` when the caller already has it."""
    needle = _SPACE.sub(" ", quote.translate(_MARKS)).strip()
    hay, where = normalised or normalise(body)
    for candidate in (needle, needle.rstrip(",.;:!?").strip()):
        if len(candidate) < 3:
            continue
        # whole words only: "ill" is not verified by "will"
        pattern = (r"(?<!\w)" if candidate[0].isalnum() else "") + re.escape(candidate) + \
            (r"(?!\w)" if candidate[-1].isalnum() else "")
        m = re.search(pattern, hay)
        if m:
            return where[m.start()], where[m.end() - 1] + 1
    return None


@dataclass
class CheckedQuote:
    text: str  # as the model wrote it
    status: str  # verified | corrected | not_found
    cited: list[int]
    source: int | None = None  # where it was found
    start: int | None = None
    end: int | None = None
    exact: str | None = None  # body[start:end] of that source

    @classmethod
    def from_dict(cls, d: dict) -> "CheckedQuote":
        return cls(d["text"], d["status"], list(d.get("cited", [])), d.get("source"),
                   d.get("start"), d.get("end"), d.get("exact"))

    def to_dict(self) -> dict:
        return {"text": self.text, "status": self.status, "cited": self.cited,
                "source": self.source, "start": self.start, "end": self.end, "exact": self.exact}


@dataclass
class Verification:
    text: str  # the answer with citations corrected and unverified quotes marked
    quotes: list[CheckedQuote] = field(default_factory=list)
    removed_citations: list[int] = field(default_factory=list)

    @property
    def all_verified(self) -> bool:
        return all(q.status != "not_found" for q in self.quotes)

    @classmethod
    def from_dict(cls, d: dict, text: str = "") -> "Verification":
        """A report read back from its JSON (which leaves out the checked `text`: the
        generation holds it); `all_verified` follows from the quotes."""
        return cls(text, [CheckedQuote.from_dict(q) for q in d.get("quotes", [])],
                   list(d.get("removed_citations", [])))

    def to_dict(self) -> dict:
        return {"quotes": [q.to_dict() for q in self.quotes],
                "removed_citations": self.removed_citations, "all_verified": self.all_verified}


def verify(answer: str, bodies: dict[int, str]) -> Verification:
    """Check `answer` against the source bodies it was given, numbered as the model saw them."""
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in `answer`
    removed: list[int] = []
    for m in _CITATION.finditer(answer):
        if int(m.group(1)) not in bodies:
            removed.append(int(m.group(1)))
            edits.append((m.start(), m.end(), ""))
    normalised: dict[int, tuple[str, list[int]]] = {}  # each body once, not once a quote

    def find(text: str, n: int) -> tuple[int, int] | None:
        if n not in normalised:
            normalised[n] = normalise(bodies[n])
        return locate(text, bodies[n], normalised[n])

    checked: list[CheckedQuote] = []
    quotes = list(_QUOTED.finditer(answer))
    for i, m in enumerate(quotes):
        text = next(g for g in m.groups() if g is not None)
        reach_end = min(m.end() + CITATION_REACH, quotes[i + 1].start() if i + 1 < len(quotes)
                        else len(answer))
        tail = answer[m.end():reach_end]
        near = list(_CITATION.finditer(tail))
        cited = [int(c.group(1)) for c in near if int(c.group(1)) in bodies]
        found = next(((n, span) for n in cited if (span := find(text, n))), None)
        status = "verified"
        if found is None:
            found = next(((n, span) for n in bodies if n not in cited
                          and (span := find(text, n))), None)
            status = "corrected" if found else "not_found"
        if found is None:
            checked.append(CheckedQuote(text, status, cited))
            edits.append((m.end(), m.end(), MARK))
            continue
        n, (start, end) = found
        checked.append(CheckedQuote(text, status, cited, n, start, end, bodies[n][start:end]))
        if status == "corrected":
            valid = [c for c in near if int(c.group(1)) in bodies]
            if valid:
                first = valid[0]
                edits.append((m.end() + first.start(), m.end() + first.end(), f"[{n}]"))
            else:
                edits.append((m.end(), m.end(), f" [{n}]"))
    text = answer
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    if removed:  # tidy the gaps a removed citation leaves
        text = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text))
    return Verification(text.strip(), checked, sorted(set(removed)))
