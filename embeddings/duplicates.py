"""Wire copies and near-duplicates: articles whose bodies are nearly the same text (one
Reuters story run by a dozen outlets) grouped into one story cluster.

Each article's body gets a MinHash signature over its word shingles (datasketch); locality
sensitive hashing finds the pairs whose estimated Jaccard similarity may pass `THRESHOLD`,
and the signatures confirm them. Clusters are stars, not chains: articles are taken
earliest first, and each joins the cluster of the most similar earlier *representative*
that passes the threshold, else starts one. A chain of small edits (A~B, B~C, A not ~C)
so never pulls two different stories together, and the representative is the earliest
copy: the one search shows.

The threshold is measured on labelled pairs of news-5k (`bench/duplicates.py`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1  # fixed, with the scheme: signatures stored in an index must stay comparable
SCHEME = "affine32"
THRESHOLD = 0.6  # estimated Jaccard similarity of shingle sets; see bench/duplicates.py
MIN_WORDS = 40  # a shorter body (a brief, a caption) is clustered with nothing

_WORD = re.compile(r"\w+", re.UNICODE)
_PERMUTATIONS = None


def _permutations():
    """datasketch's random permutations for (NUM_PERM, SEED), made once."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        from datasketch import MinHash

        _PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    return _PERMUTATIONS


def shingles(body: str) -> set[bytes]:
    """The body's word shingles (lower-cased runs of SHINGLE_WORDS words)."""
    words = _WORD.findall(body.lower())
    if len(words) < MIN_WORDS:
        return set()
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8", "surrogatepass")
            for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(body: str) -> np.ndarray | None:
    """The MinHash signature of a body (NUM_PERM uint64), or None for one too short."""
    grams = shingles(body)
    if not grams:
        return None
    from datasketch import MinHash

    m = _minhash()
    m.update_batch(list(grams))
    return m.hashvalues.astype(np.uint64, copy=False)


def _minhash(hashvalues: np.ndarray | None = None):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_permutations(),
                   hashvalues=hashvalues)


def to_blob(sig: np.ndarray) -> bytes:
    return np.ascontiguousarray(sig, dtype="<u8").tobytes()


def from_blob(blob: bytes) -> np.ndarray | None:
    sig = np.frombuffer(blob, dtype="<u8")
    return sig if len(sig) == NUM_PERM else None  # another width: computed again


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


@dataclass(frozen=True)
class Member:
    """What clustering needs of an article: its id, signature and when it came."""

    article_id: str
    signature: np.ndarray
    published: date | None
    added: str = ""  # when it was indexed (ISO time): orders copies of one day


def _order(m: Member):
    # earliest first; undated after dated; then as indexed; the id settles the rest
    return (m.published is None, m.published or date.min, m.added, m.article_id)


def clusters(members: Iterable[Member], threshold: float = THRESHOLD) -> dict[str, str]:
    """article id -> its cluster's representative (the earliest copy), for every article
    in a cluster of two or more; articles alone are absent."""
    from datasketch import MinHashLSH

    ordered = sorted(members, key=_order)
    if len(ordered) < 2:
        return {}
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    by_id = {m.article_id: m for m in ordered}
    rep_of: dict[str, str] = {}
    for m in ordered:
        best, best_sim = None, threshold
        for other in lsh.query(_minhash(m.signature)):
            sim = similarity(m.signature, by_id[other].signature)
            if sim >= best_sim and (best is None or sim > best_sim or
                                    _order(by_id[other]) < _order(by_id[best])):
                best, best_sim = other, sim
        if best is None:  # a representative: later copies are compared with it
            lsh.insert(m.article_id, _minhash(m.signature), check_duplication=False)
        else:
            rep_of[m.article_id] = best
    out: dict[str, str] = {}
    for member, rep in rep_of.items():
        out[member] = rep
        out[rep] = rep
    return out

