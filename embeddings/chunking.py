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
CHARS_PER_TOKEN = 4  # where a cut's window starts (English averages about 4 a token)
LONGEST_TOKEN_CHARS = 128  # no cl100k or o200k token is longer (their longest: 128 bytes)


@dataclass(frozen=True)
class ChunkerSettings:
    max_tokens: int = 200  # cl100k tokens; leaves room for the title in a 256-token window
    encoding: str = DEFAULT_ENCODING

    def as_manifest(self) -> dict:
        return {"chunker": "sentences-v1", "max_tokens": self.max_tokens,
                "token_encoding": self.encoding}


def _longest_prefix(body: str, start: int, end: int, max_tokens: int, encode) -> int:
    """The furthest cut in (start, end] whose prefix fits the budget (at least one char).

    Only a window of the span is ever encoded: it starts at CHARS_PER_TOKEN characters a
    token and doubles while its tokens still fit, so a cut costs time in proportion to the
    piece it makes, not to the span (one 300,000-character word took 49 s when every cut
    encoded the rest of it)."""
    window = min(end, start + max_tokens * CHARS_PER_TOKEN)
    while window < end and len(encode(body[start:window])) <= max_tokens:
        window = min(end, start + 2 * (window - start))
    lo, hi = start + 1, window
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(encode(body[start:mid])) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _fits(body: str, start: int, end: int, max_tokens: int, encode) -> bool:
    """Whether body[start:end] is within the budget; a span longer than any budget's worth
    of characters is not encoded at all (a token is at most LONGEST_TOKEN_CHARS long)."""
    return (end - start <= max_tokens * LONGEST_TOKEN_CHARS
            and len(encode(body[start:end])) <= max_tokens)


def _split_long(body: str, start: int, end: int, max_tokens: int, encode) -> list[tuple[int, int]]:
    """Cut one over-long span at word boundaries (inside a giant word if need be)."""
    pieces: list[tuple[int, int]] = []
    piece_start = last_end = start
    for word in _WORD_END.finditer(body, start, end):
        if last_end > piece_start and not _fits(body, piece_start, word.end(), max_tokens,
                                                encode):
            pieces.append((piece_start, last_end))
            piece_start = word.start()
        last_end = word.end()
        while not _fits(body, piece_start, last_end, max_tokens, encode):
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
    budget_chars = settings.max_tokens * LONGEST_TOKEN_CHARS  # longer: over budget, surely
    for s, e in sentence_spans(body):
        if e - s <= budget_chars and (n := len(encode(body[s:e]))) <= settings.max_tokens:
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
    return article_chunks(article, chunk_spans(article.body, settings))


def article_chunks(article: Article, spans) -> list[Chunk]:
    """The article's chunks at these (start, end, tokens) spans, in order."""
    return [Chunk(article.id, i, s, e, n, article.body[s:e]) for i, (s, e, n) in enumerate(spans)]
