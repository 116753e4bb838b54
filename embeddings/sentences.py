"""Sentence boundaries with character offsets into the original text.

Blingfire finds the boundaries; this module keeps them honest (offsets checked against
the text) and keeps a quotation whole when the splitter cuts inside it.
"""
from __future__ import annotations

import re

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*")
_FALLBACK = re.compile(r".+?(?:[.!?]+[\"'”’)\]]*(?=\s)|$)", re.DOTALL)
_OPEN_QUOTES = "“«"
_CLOSE_QUOTES = "”»"
MAX_QUOTE_MERGE = 6  # sentences; an unclosed quote past this is the article's typo


def _blingfire_spans(paragraph: str) -> list[tuple[int, int]]:
    try:
        import blingfire

        _, offsets = blingfire.text_to_sentences_and_offsets(paragraph)
    except Exception:  # a native splitter failure must not lose the text
        offsets = None
    if not offsets or any(not (0 <= s < e <= len(paragraph)) for s, e in offsets):
        return [(m.start(), m.end()) for m in _FALLBACK.finditer(paragraph) if m.group().strip()]
    return [(int(s), int(e)) for s, e in offsets]


def _quote_balance(text: str) -> int:
    """Positive while a quotation opened in `text` is still open."""
    curly = sum(text.count(c) for c in _OPEN_QUOTES) - sum(text.count(c) for c in _CLOSE_QUOTES)
    straight = text.count('"') % 2
    return max(curly, 0) + straight


def _merge_open_quotes(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        j = i
        while _quote_balance(text[start:end]) and j + 1 < len(spans) and j - i < MAX_QUOTE_MERGE:
            candidate = spans[j + 1][1]
            if _quote_balance(text[start:candidate]) and j + 1 - i >= MAX_QUOTE_MERGE:
                break
            j += 1
            end = candidate
        if _quote_balance(text[start:end]):  # never closed: keep the splitter's sentences
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


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; never crosses a paragraph break."""
    spans: list[tuple[int, int]] = []
    for para in _PARAGRAPH.finditer(text):
        base = para.start()
        local = _merge_open_quotes(para.group(), _blingfire_spans(para.group()))
        for s, e in local:
            s, e = _trim(text, base + s, base + e)
            if e > s:
                spans.append((s, e))
    return spans
