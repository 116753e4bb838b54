"""Evidence selection: the sentences of the retrieved passages that answer the question.

Each candidate is a sentence of a stored article body, kept by its offsets; its score
mixes meaning (embedding similarity), shared terms and names, the passage's retrieval
rank, and, for "what did X say" questions, whether the words are X's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from embeddings import Hit
from embeddings.sentences import sentence_spans

from .question import Question

_SPEECH = re.compile(
    r"\b(?:said|says|say|saying|told|tells|quoted|quoting|added|adds|stated|states|declared|"
    r"wrote|writes|argued|argues|warned|warns|insisted|claimed|claims|noted|notes|"
    r"explained|announced|remarked|replied|responded|stressed|according to|statement)\b",
    re.IGNORECASE)
_QUOTE_MARK = re.compile(r"[\"“”«»]")
_WORD = re.compile(r"[\w'’]+")
MAX_SENTENCE_CHARS = 1200


@dataclass
class Candidate:
    hit_rank: int
    article_id: str
    start: int
    end: int
    text: str
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return self.scores.get("total", 0.0)


def candidates(hits: list[Hit]) -> list[Candidate]:
    """The sentences inside each hit's chunk, in hit order, each once."""
    out: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    spans_of: dict[str, list[tuple[int, int]]] = {}
    for rank, hit in enumerate(hits):
        body = hit.article.body
        spans = spans_of.setdefault(hit.article.id, sentence_spans(body))
        for s, e in spans:
            if s >= hit.start and e <= hit.end and (hit.article.id, s) not in seen:
                if e - s > MAX_SENTENCE_CHARS or not _WORD.search(body[s:e]):
                    continue
                seen.add((hit.article.id, s))
                out.append(Candidate(rank, hit.article.id, s, e, body[s:e]))
    return out


def _stem(word: str) -> str:
    return word[:6] if len(word) > 6 else word


def term_coverage(question: Question, text: str) -> float:
    """Share of the question's terms (names weigh double) that the text contains."""
    if not question.terms:
        return 0.0
    words = {_stem(w.lower().replace("’", "'")) for w in _WORD.findall(text)}
    name_words = {w.lower() for n in question.names for w in n.split()}
    total = got = 0.0
    for term in question.terms:
        weight = 2.0 if term in name_words else 1.0
        total += weight
        if _stem(term) in words:
            got += weight
    return got / total


def speaker_score(question: Question, text: str, previous: str = "") -> float:
    """+1 for the speaker's own (attributed) words, -1 for someone else's, 0 otherwise."""
    keys = question.speaker_keys
    if not keys:
        return 0.0
    lowered = text.lower()
    names_speaker = any(re.search(rf"\b{re.escape(k)}\b", lowered) for k in keys[:1])
    is_speech = bool(_SPEECH.search(text) or _QUOTE_MARK.search(text))
    if names_speaker and is_speech:
        return 1.0
    if names_speaker:
        return 0.3
    if is_speech and _SPEECH.search(text):
        return -1.0  # attributed speech of someone else
    return -0.5


def score(question: Question, cands: list[Candidate], qvec: np.ndarray,
          svecs: np.ndarray) -> None:
    """Fill each candidate's scores; `svecs` are the sentence embeddings in order."""
    sims = svecs @ qvec if len(cands) else np.zeros(0)
    for cand, sim in zip(cands, sims):
        cov = term_coverage(question, cand.text)
        rank_prior = 1.0 / (1.0 + cand.hit_rank)
        total = 0.55 * float(sim) + 0.35 * cov + 0.10 * rank_prior
        cand.scores.update({"similarity": float(sim), "coverage": cov, "rank_prior": rank_prior})
        if question.speaker:
            spk = speaker_score(question, cand.text)
            cand.scores["speaker"] = spk
            total += 0.35 * spk
        cand.scores["total"] = total
