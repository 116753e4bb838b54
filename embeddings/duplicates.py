"""Wire copies and near-duplicates: articles whose bodies are nearly the same text (one
Reuters story run by a dozen outlets) grouped into one story cluster.

Each article's body gets a MinHash signature over its word shingles (datasketch); locality
sensitive hashing finds the pairs whose estimated Jaccard similarity may pass `THRESHOLD`,
and the signatures confirm them. Two look-alikes are copies when they come from two
outlets (a wire story), or from one outlet under one headline (one article under two
URLs): one outlet's pages under headlines of their own share a template, not a story
(`copies`). Clusters are stars, not chains: articles are taken
earliest first, and each joins the cluster of the most similar earlier *representative*
that passes the threshold, else starts one. A chain of small edits (A~B, B~C, A not ~C)
so never pulls two different stories together, and the representative is the earliest
copy: the one search shows.

The thresholds are measured on labelled pairs of news-5k and on simulated wire copies
(`bench/duplicates.py`).
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
THRESHOLD = 0.8  # estimated Jaccard similarity of shingle sets; see bench/duplicates.py
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


TITLE_SAME = 0.5  # word overlap of two headlines that name the same story
TEMPLATE_CROWD = 3  # this many look-alikes of one outlet, each with its own headline: a template


def title_words(title: str | None) -> frozenset[str]:
    """A headline's words, without a trailing " | Outlet" or " - Outlet" of up to 4 words
    (two stories of one site share that part, and nothing else)."""
    title = (title or "").strip()
    for mark in (" | ", " - ", " – ", " — "):
        head, sep, tail = title.rpartition(mark)
        if sep and head.strip() and len(tail.split()) <= 4:
            title = head
            break
    return frozenset(_WORD.findall(title.lower()))


def title_similarity(a: str | None, b: str | None) -> float:
    """Word-set Jaccard of two headlines; 0 where either has none."""
    wa, wb = title_words(a), title_words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


@dataclass(frozen=True)
class Member:
    """What clustering needs of an article: its id, signature, headline, outlet and when
    it came."""

    article_id: str
    signature: np.ndarray
    published: date | None
    added: str = ""  # when it was indexed (ISO time): orders copies of one day
    title: str = ""
    outlet: str | None = None


def _order(m: Member):
    # earliest first; undated after dated; then as indexed; the id settles the rest
    return (m.published is None, m.published or date.min, m.added, m.article_id)


def _same_outlet(a: Member, b: Member) -> bool:
    return bool(a.outlet and b.outlet) and a.outlet.casefold() == b.outlet.casefold()


def copies(a: Member, b: Member, similarity_: float, threshold: float = THRESHOLD) -> bool:
    """Whether two look-alike bodies are one story's copies: the bodies close enough, and
    either two outlets (a wire story republished) or, within one outlet, the same headline
    (one article under two URLs). One outlet's pages with their own headlines that share
    a body share its template (a sign-up block, a gallery, a failed extraction)."""
    if similarity_ < threshold:
        return False
    return not _same_outlet(a, b) or title_similarity(a.title, b.title) >= TITLE_SAME


def reachable(members: list[Member], seeds: set[str],
              threshold: float = THRESHOLD) -> list[Member]:
    """The members these seeds reach through bodies that pass `threshold`, step by step
    (the seeds that are members included): each step compares one signature with all of
    them at once. A cluster depends only on its look-alikes, so clustering this part alone
    gives what clustering all members would (`store.clusters.recluster_around`)."""
    if not members:
        return []
    index = {m.article_id: n for n, m in enumerate(members)}
    matrix = np.stack([m.signature for m in members])
    need = int(np.ceil(threshold * matrix.shape[1] - 1e-9))  # equal values, as `similarity`
    found = {index[a] for a in seeds if a in index}
    frontier = list(found)
    while frontier:
        row = frontier.pop()
        for near in np.flatnonzero((matrix == matrix[row]).sum(axis=1) >= need).tolist():
            if near not in found:
                found.add(near)
                frontier.append(near)
    return [members[n] for n in sorted(found)]


def look_alikes(members: list[Member], threshold: float = THRESHOLD
                ) -> dict[str, list[tuple[str, float]]]:
    """article id -> the other articles whose bodies pass `threshold` (LSH candidates
    confirmed by their signatures), with the similarity; articles with none are absent."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    for m in members:
        lsh.insert(m.article_id, _minhash(m.signature), check_duplication=False)
    by_id = {m.article_id: m for m in members}
    near: dict[str, list[tuple[str, float]]] = {}
    for m in members:
        found = []
        for other in lsh.query(_minhash(m.signature)):
            if other != m.article_id:
                sim = similarity(m.signature, by_id[other].signature)
                if sim >= threshold:
                    found.append((other, sim))
        if found:
            near[m.article_id] = sorted(found)
    return near


def templates(members: list[Member], near: dict[str, list[tuple[str, float]]]) -> set[str]:
    """The articles whose body `TEMPLATE_CROWD` or more pages of their own outlet share,
    each under a headline of its own: a template (a sign-up block, a failed extraction)."""
    by_id = {m.article_id: m for m in members}
    return {aid for aid, found in near.items()
            if sum(_same_outlet(by_id[aid], by_id[o]) and
                   title_similarity(by_id[aid].title, by_id[o].title) < TITLE_SAME
                   for o, _ in found) >= TEMPLATE_CROWD - 1}


def clusters(members: Iterable[Member], threshold: float = THRESHOLD) -> dict[str, str]:
    """article id -> its cluster's representative (the earliest copy), for every article
    in a cluster of two or more; articles alone, and templates, are absent."""
    ordered = sorted(members, key=_order)
    if len(ordered) < 2:
        return {}
    by_id = {m.article_id: m for m in ordered}
    near = look_alikes(ordered, threshold)
    skip = templates(ordered, near)
    rep_of: dict[str, str] = {}
    representatives: set[str] = set()
    for m in ordered:  # earliest first: each joins the closest earlier representative
        best, best_sim = None, -1.0
        if m.article_id not in skip:
            for other, sim in near.get(m.article_id, ()):
                if other in representatives and other not in skip and \
                        copies(m, by_id[other], sim, threshold) and sim > best_sim:
                    best, best_sim = other, sim
        if best is None:
            representatives.add(m.article_id)
        else:
            rep_of[m.article_id] = best
    out: dict[str, str] = {}
    for member, rep in rep_of.items():
        out[member] = rep
        out[rep] = rep
    return out
