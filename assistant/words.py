"""How the question's words are found in a text: stemmed (Snowball English, British
spellings read as American ones), a hyphenated term by all its parts."""
from __future__ import annotations

import functools
import re

WORD = re.compile(r"[\w'’]+")


@functools.lru_cache(maxsize=1)
def stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


# a British spelling read as the American one ("apologised", "apologized")
_BRITISH = re.compile(r"(?<=\w{3})(?:is(?=e[ds]?$|ing$|ations?$)|ys(?=e[ds]?$|ing$))")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return stemmer().stemWord(_BRITISH.sub(lambda m: m.group().replace("s", "z"), word))


def words_of(text: str) -> set[str]:
    """The stems of a text's words."""
    return {stem(w.lower().replace("’", "'")) for w in WORD.findall(text)}


@functools.lru_cache(maxsize=4096)
def _term_parts(term: str) -> frozenset[str]:
    return frozenset(words_of(term))  # a question's terms are tried against every sentence


def has_term(term: str, words: set[str]) -> bool:
    """A term is in the text when all its parts are: "british-belgian" is two words there."""
    parts = _term_parts(term)
    return bool(parts) and parts <= words
