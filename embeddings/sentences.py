"""Sentence boundaries with character offsets into the original text.

Blingfire finds the boundaries; this module keeps them honest (offsets checked against
the text) and keeps a quotation whole when the splitter cuts inside it.
"""
from __future__ import annotations

import bisect
import functools
import re
import sys

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*")
_FALLBACK = re.compile(r".+?(?:[.!?]+[\"'”’)\]]*(?=\s)|$)", re.DOTALL)
_OPEN_QUOTES = "“«"
_CLOSE_QUOTES = "”»"
MAX_QUOTE_MERGE = 6  # sentences; an unclosed quote past this is the article's typo


def _buffer(ctype, size: int):
    """A zeroed ctypes array of at least `size` items. Lengths are powers of two: a ctypes
    array of a new length is a new ctypes type, and making one costs more than splitting."""
    return (ctype * max(1024, 1 << (size - 1).bit_length()))()


@functools.lru_cache(maxsize=1)
def _blingfire():
    """Blingfire's shared library, loaded from its package folder without running the
    package's `__init__` (which costs more than the library: it imports numpy and asks
    `inspect` for its own file name)."""
    import ctypes
    import importlib.util
    from pathlib import Path

    if "blingfire" in sys.modules:
        return sys.modules["blingfire"].blingfire
    spec = importlib.util.find_spec("blingfire")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("blingfire is not installed")
    name = {"win32": "blingfiretokdll.dll", "darwin": "libblingfiretokdll.dylib"}.get(
        sys.platform, "libblingfiretokdll.so")
    return ctypes.CDLL(str(Path(spec.submodule_search_locations[0]) / name))


def _blingfire_offsets(paragraph: str) -> list[tuple[int, int]] | None:
    """What `blingfire.text_to_sentences_and_offsets(paragraph)[1]` returns (None where it
    raises), without the cost of its per-byte Python loop that maps UTF-8 offsets to
    characters (nine tenths of the time of splitting an article)."""
    import ctypes

    data = paragraph.encode("utf-8")
    size = len(data) * 2  # what the wrapper allocates and tells the splitter
    out = _buffer(ctypes.c_char, size)
    starts, ends = _buffer(ctypes.c_int32, size), _buffer(ctypes.c_int32, size)
    n = _blingfire().TextToSentencesWithOffsets(
        ctypes.c_char_p(data), ctypes.c_int(len(data)), ctypes.byref(out), ctypes.byref(starts),
        ctypes.byref(ends), ctypes.c_int(size))
    if n == -1 or n > size:
        return []
    count = out.value.count(b"\n") + 1
    if count > size:
        return None  # (an empty text) the wrapper's own consistency check fails
    # byte offsets: each sentence's first byte and the byte after its last
    targets: list[int] = []
    for s, e in zip(starts[:count], ends[:count]):
        targets += (s, e + 1)
    # the wrapper maps them in order, each at a character's first byte at or after the
    # previous one; the first that is not is left over (fine for the last one only: the
    # text's end)
    ascii = len(data) == len(paragraph)
    chars: list[int] = []
    at_byte = at_char = 0
    for i, t in enumerate(targets):
        if at_byte <= t < len(data) and (ascii or data[t] & 0xC0 != 0x80):
            at_char += (t - at_byte) if ascii else len(data[at_byte:t].decode("utf-8"))
            at_byte = t
            chars.append(at_char)
        elif i == len(targets) - 1:
            chars.append(len(paragraph))
        else:
            return None
    return list(zip(chars[0::2], chars[1::2]))


def _blingfire_spans(paragraph: str) -> list[tuple[int, int]]:
    try:
        offsets = _blingfire_offsets(paragraph)
    except Exception:  # a native splitter failure must not lose the text
        offsets = None
    if not offsets or any(not (0 <= s < e <= len(paragraph)) for s, e in offsets):
        return [(m.start(), m.end()) for m in _FALLBACK.finditer(paragraph) if m.group().strip()]
    return [(int(s), int(e)) for s, e in offsets]


def quote_marks(text: str) -> tuple[int, int]:
    """(curly quotations opened less closed, straight quotation marks) in `text`: counts
    that add up over consecutive pieces of a text."""
    curly = sum(text.count(c) for c in _OPEN_QUOTES) - sum(text.count(c) for c in _CLOSE_QUOTES)
    return curly, text.count('"')


def open_quotations(marks: tuple[int, int]) -> int:
    """Positive while a quotation is open, after text whose `quote_marks` add up to `marks`."""
    curly, straight = marks
    return max(curly, 0) + straight % 2


def quote_balance(text: str) -> int:
    """Positive while a quotation opened in `text` is still open."""
    return open_quotations(quote_marks(text))


def _merge_open_quotes(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        j = i
        while quote_balance(text[start:end]) and j + 1 < len(spans) and j - i < MAX_QUOTE_MERGE:
            candidate = spans[j + 1][1]
            if quote_balance(text[start:candidate]) and j + 1 - i >= MAX_QUOTE_MERGE:
                break
            j += 1
            end = candidate
        if quote_balance(text[start:end]):  # never closed: keep the splitter's sentences
            end, j = spans[i][1], i
        merged.append((start, end))
        i = j + 1
    return merged


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# where the splitter takes an abbreviation for a sentence's end: a title ("...approach. |
# Sen. | Josh Hawley said", "...fine. Rep. | Ilhan Omar spoke") and "versus" ("Roe v. | Wade")
_TITLE_END = re.compile(
    r"(?:^|(?<=\s))(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Lt|Gen|Col|Sgt|Capt|Cpl|Adm|Maj|Prof|Rev|St|"
    r"Supt|Det|Atty|Insp|Cmdr|Hon|Fr|Pres)\.$")
_VERSUS_END = re.compile(r"\s(?:v|vs)\.$")


def _join_abbreviations(paragraph: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The splitter's spans, less its cuts after an abbreviation: the words after "v." go
    on the same sentence; a title goes with the name after it, a sentence of its own
    before it ending at its last full stop. (A cut inside a sentence, "backed by U.S. Sen. |
    Ann Roe", and a title the splitter leaves inside the span before, stay as they are.)"""
    out: list[tuple[int, int]] = []
    carry: int | None = None  # where a title cut off the span before begins
    for i, (s, e) in enumerate(spans):
        if carry is not None:
            s, carry = carry, None
        elif out and _VERSUS_END.search(paragraph[out[-1][0]:out[-1][1]].rstrip()):
            s = out.pop()[0]
        raw = paragraph[s:e]
        lead = len(raw) - len(raw.lstrip())  # (the regex fallback's spans start at a space)
        text = raw.strip()
        title = _TITLE_END.search(text)
        if title and (title.start() == 0 or text[:title.start()].rstrip().endswith(
                (".", "!", "?", "”", '"'))) and i < len(spans) - 1:
            carry = s + lead + title.start()
            if title.start() == 0:
                continue
            e = s + lead + len(text[:title.start()].rstrip())
        out.append((s, e))
    return out


def _paragraph_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of the paragraph text[start:end], as offsets into `text`."""
    paragraph = text[start:end]
    spans = []
    for s, e in _merge_open_quotes(paragraph, _join_abbreviations(
            paragraph, _blingfire_spans(paragraph))):
        s, e = _trim(text, start + s, start + e)
        if e > s:
            spans.append((s, e))
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; never crosses a paragraph break."""
    spans: list[tuple[int, int]] = []
    for para in _PARAGRAPH.finditer(text):
        spans += _paragraph_sentences(text, para.start(), para.end())
    return spans


class Sentences:
    """The sentences of one text, split a paragraph at a time when asked for: the same
    spans as `sentence_spans`, without splitting a long article to read one passage."""

    def __init__(self, text: str):
        self.text = text
        self._paragraphs = [m.span() for m in _PARAGRAPH.finditer(text)]
        self._ends = [e for _, e in self._paragraphs]
        self._split: dict[int, list[tuple[int, int]]] = {}

    def _of(self, i: int) -> list[tuple[int, int]]:
        if i not in self._split:
            self._split[i] = _paragraph_sentences(self.text, *self._paragraphs[i])
        return self._split[i]

    def before(self, offset: int, at_most: int = 60) -> list[tuple[int, int]]:
        """The sentences of the paragraphs that end before `offset` (the last `at_most`)."""
        spans: list[tuple[int, int]] = []
        for i in range(bisect.bisect_right(self._ends, offset)):
            if self._paragraphs[i][1] <= offset:
                spans += self._of(i)
        return spans[-at_most:]

    def around(self, start: int, end: int) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
        """The sentences of the paragraphs that overlap text[start:end] (every sentence
        inside that range is one of them), and the sentence just before the first of them."""
        first = bisect.bisect_right(self._ends, start)
        spans: list[tuple[int, int]] = []
        i = first
        while i < len(self._paragraphs) and self._paragraphs[i][0] < end:
            spans += self._of(i)
            i += 1
        before = None
        for j in range(first - 1, -1, -1):
            if self._of(j):
                before = self._of(j)[-1]
                break
        return spans, before
