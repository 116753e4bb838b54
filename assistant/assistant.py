"""`Assistant(index).ask(question) -> Answer`: extractive answers quoted from the index."""
from __future__ import annotations

import re
from datetime import date

from embeddings import Hit, Index

from .answer import Answer, Quote, Source
from .evidence import Candidate, candidates, score
from .question import analyse

MAX_QUOTES = 3
RELATIVE_CUTOFF = 0.75  # a further quote must score at least this share of the best
FOUND_THRESHOLD = 0.40  # best sentence score below this: the articles don't answer


class EmptyQuestionError(ValueError):
    """The question has no words to search for."""


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


class Assistant:
    def __init__(self, index: Index, k: int = 8):
        self.index = index
        self.k = k

    def search(self, question: str, k: int | None = None, as_of: date | None = None,
               **filters) -> list[Hit]:
        return self.index.search(question, k=k or self.k, as_of=as_of, **filters)

    def ask(self, question: str, k: int | None = None, as_of: date | None = None,
            outlet: str | None = None, since: date | None = None, until: date | None = None,
            author: str | None = None) -> Answer:
        """Answer from the articles' own sentences; `found=False` when they don't hold it."""
        if not re.search(r"\w", question or ""):
            raise EmptyQuestionError("the question is empty: ask about something in your articles")
        as_of = as_of or date.today()
        hits = self.search(question, k=k, as_of=as_of, outlet=outlet, since=since, until=until,
                           author=author)
        answer = Answer(question=question, query=question, found=False, as_of=as_of)
        if not hits:
            return answer
        q = analyse(question)
        cands = candidates(hits)
        if cands:
            vectors = self.index.encoder.encode([question] + [c.text for c in cands])
            score(q, cands, vectors[0], vectors[1:])
        chosen = self._choose(cands)
        articles = {h.article.id: h.article for h in hits}
        if not chosen:
            answer.see_also = self._sources(self._distinct_articles(hits)[:3], articles)
            return answer
        return self._build(answer, chosen, articles)

    def _choose(self, cands: list[Candidate]) -> list[list[Candidate]]:
        """Groups of identical sentences (wire copies), best first, at most MAX_QUOTES."""
        ranked = sorted(cands, key=lambda c: -c.score)
        if not ranked or ranked[0].score < FOUND_THRESHOLD:
            return []
        best = ranked[0].score
        groups: dict[str, list[Candidate]] = {}
        for cand in ranked:
            if cand.score < best * RELATIVE_CUTOFF:
                break
            key = _normalised(cand.text)
            if key in groups:
                if all(c.article_id != cand.article_id for c in groups[key]):
                    groups[key].append(cand)
            elif len(groups) < MAX_QUOTES:
                groups[key] = [cand]
        return list(groups.values())

    @staticmethod
    def _distinct_articles(hits: list[Hit]) -> list[str]:
        return list(dict.fromkeys(h.article.id for h in hits))

    @staticmethod
    def _sources(article_ids: list[str], articles: dict) -> list[Source]:
        out = []
        for n, aid in enumerate(article_ids, start=1):
            a = articles[aid]
            out.append(Source(n, a.id, a.title, a.url, a.outlet, a.published))
        return out

    def _build(self, answer: Answer, groups: list[list[Candidate]], articles: dict) -> Answer:
        order = list(dict.fromkeys(c.article_id for g in groups for c in g))
        answer.sources = self._sources(order, articles)
        number = {s.article_id: s.n for s in answer.sources}
        for group in groups:
            lead = group[0]
            assert articles[lead.article_id].body[lead.start:lead.end] == lead.text
            answer.quotes.append(Quote(
                text=lead.text, start=lead.start, end=lead.end, source=number[lead.article_id],
                article_id=lead.article_id,
                also_in=tuple(number[c.article_id] for c in group[1:]),
                scores=dict(lead.scores)))
        answer.found = True
        return answer
