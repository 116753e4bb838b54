"""Sentence-aware chunks of an article body within a token budget.

Every chunk is `body[start:end]`. Sentences are packed until the budget is reached;
a sentence longer than the budget is cut at word boundaries.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .records import Article, Chunk
from .sentences import sentence_spans
from .tokens import DEFAULT_ENCODING, get_encoding

_WORD_END = re.compile(r"\S+")
_EXACT_MARGIN = 16


@dataclass(frozen=True)
class ChunkerSettings:
    max_tokens: int = 200  # cl100k tokens; leaves room for the title in a 256-token window
    encoding: str = DEFAULT_ENCODING

    def as_manifest(self) -> dict:
        return {"chunker": "sentences-v1", "max_tokens": self.max_tokens,
                "token_encoding": self.encoding}


def _longest_prefix(body: str, start: int, end: int, max_tokens: int, encode) -> int:
    """The furthest cut in (start, end) whose prefix fits the budget (at least one char)."""
    lo, hi = start + 1, end
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(encode(body[start:mid])) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _split_long(body: str, start: int, end: int, max_tokens: int, encode) -> list[tuple[int, int]]:
    """Cut one over-long span at word boundaries (inside a giant word if need be)."""
    pieces: list[tuple[int, int]] = []
    piece_start = last_end = start
    for word in _WORD_END.finditer(body, start, end):
        if last_end > piece_start and len(encode(body[piece_start:word.end()])) > max_tokens:
            pieces.append((piece_start, last_end))
            piece_start = word.start()
        last_end = word.end()
        while len(encode(body[piece_start:last_end])) > max_tokens:
            cut = _longest_prefix(body, piece_start, last_end, max_tokens, encode)
            pieces.append((piece_start, cut))
            piece_start = cut
    if last_end > piece_start:
        pieces.append((piece_start, last_end))
    return pieces


def chunk_spans(body: str, settings: ChunkerSettings = ChunkerSettings()) -> list[tuple[int, int, int]]:
    """(start, end, tokens) of each chunk of `body`."""
    enc = get_encoding(settings.encoding)
    encode = enc.encode_ordinary
    units: list[tuple[int, int, int]] = []
    for s, e in sentence_spans(body):
        n = len(encode(body[s:e]))
        if n <= settings.max_tokens:
            units.append((s, e, n))
        else:
            units.extend((a, b, len(encode(body[a:b])))
                         for a, b in _split_long(body, s, e, settings.max_tokens, encode))
    chunks: list[tuple[int, int]] = []
    cur_start = cur_end = None
    cur_tokens = 0
    for s, e, n in units:
        if cur_start is not None:
            estimate = cur_tokens + n + 1
            # token counts are not quite additive: count exactly near the budget
            if estimate > settings.max_tokens - _EXACT_MARGIN:
                estimate = len(encode(body[cur_start:e]))
            if estimate > settings.max_tokens:
                chunks.append((cur_start, cur_end))
                cur_start = None
            else:
                cur_end, cur_tokens = e, estimate
                continue
        cur_start, cur_end, cur_tokens = s, e, n
    if cur_start is not None:
        chunks.append((cur_start, cur_end))
    return [(s, e, len(encode(body[s:e]))) for s, e in chunks]


def chunk_article(article: Article, settings: ChunkerSettings = ChunkerSettings()) -> list[Chunk]:
    return [Chunk(article.id, i, s, e, n, article.body[s:e])
            for i, (s, e, n) in enumerate(chunk_spans(article.body, settings))]
