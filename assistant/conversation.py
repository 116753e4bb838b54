"""A conversation: follow-up questions keep the thread of the earlier turns.

Two things carry the thread (the README's chat section says it for users):
- the query: a follow-up's references are resolved against the previous answer and
  question (`followup.rewrite`; with a model, optionally `prompts/condense.txt`), so "what
  did she say next?" is searched with the name of the person the answer quoted;
- the story: a follow-up searches the previous answer's articles as well as all articles,
  and stays in that story unless it clearly changes topic: its own names and key terms are
  not in those articles. Each Answer says which (`Answer.thread`) and what was searched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING


from .answer import Answer
from .followup import EarlierTurn, Rewrite, rewrite
from .question import analyse

if TYPE_CHECKING:
    from embeddings import Article

# a question without names moves on when fewer than this share of its rare terms are in
# the story's articles (chosen on the tune half of bench/devset-conversations.jsonl)
STORY_TERM_SHARE = 0.5
RARE_TERM_IDF = 3.0  # a term this rare (bm25 idf over chunks) says what a question is about
STORY_TURNS = 2  # the story: the articles the last answers (up to this many) quoted
REWRITERS = ("rules", "model")


def contextual_query(question: str, earlier: list[str]) -> str:
    """The standalone query for `question` after the earlier questions alone (no answers)."""
    return rewrite(question, [EarlierTurn(q, q) for q in earlier]).query


@dataclass
class Turn:
    question: str
    answer: Answer | None


@dataclass
class Conversation:
    """Turns of one conversation over an answerer; filters apply to the next questions.
    `rewriter`: "rules" (default) or "model" (a generative answerer's rewrite of a
    follow-up, falling back to the rules when the model cannot)."""

    assistant: object  # an Answerer; typed loosely to keep this module import-light
    turns: list[Turn] = field(default_factory=list)
    filters: dict = field(default_factory=dict)
    rewriter: str = "rules"

    # the earlier turns, as a follow-up sees them -------------------------------------------
    @property
    def index(self):
        return getattr(self.assistant, "index", None)

    def _context_ids(self, story: list[str]) -> list[str]:
        """The articles a follow-up reads: the story's, and the first sources of the turns
        whose names it may refer to (their bodies tell a person's gender)."""
        ids = dict.fromkeys(story)
        for turn in self.turns[-STORY_TURNS:]:
            if turn.answer is not None and turn.answer.found:
                ids.update(dict.fromkeys(s.article_id for s in turn.answer.sources[:3]))
        return list(ids)

    def _articles(self, article_ids: list[str]) -> dict[str, "Article"]:
        """The articles of `article_ids` still in the index, read once for a question."""
        index = self.index
        if index is None:
            return {}
        found = {aid: index.get(aid) for aid in article_ids}
        return {aid: a for aid, a in found.items() if a is not None}

    def _earlier(self, articles: dict[str, "Article"]) -> list[EarlierTurn]:
        out = []
        for turn in self.turns[-STORY_TURNS:]:
            a = turn.answer
            if a is None:
                out.append(EarlierTurn(turn.question, turn.question))
                continue
            sources = a.sources if a.found else []
            out.append(EarlierTurn(turn.question, a.query or turn.question,
                                   [q.text for q in a.quotes] if a.found else [],
                                   [s.title for s in sources],
                                   [articles[s.article_id].body for s in sources[:3]
                                    if s.article_id in articles]))
        return out

    def story(self) -> list[str]:
        """The article ids of the story so far: those the latest answers quoted."""
        ids: dict[str, None] = {}
        for turn in reversed(self.turns[-STORY_TURNS:]):
            if turn.answer is not None and turn.answer.found:
                ids.update(dict.fromkeys(s.article_id for s in turn.answer.sources))
                break  # the latest answer that found something is the story
        return list(ids)

    # the query ----------------------------------------------------------------------------
    def rewrite_for(self, question: str, articles: dict[str, "Article"] | None = None) -> Rewrite:
        """How `question` is searched: the model's rewrite where chosen and possible, else
        the rules'. (`articles`: those of `_context_ids`, where the caller has read them.)"""
        if articles is None:
            articles = self._articles(self._context_ids(self.story()))
        earlier = self._earlier(articles)
        if not earlier:
            return Rewrite(question.strip())
        rules = rewrite(question, earlier)
        condense = getattr(self.assistant, "condense", None)
        if self.rewriter == "model" and condense is not None:
            history = [(t.question, (t.quotes or [""])[0]) for t in earlier]
            condensed = condense(question, history)
            if condensed:
                return Rewrite(condensed, rules.resolved, rules.leans)
        return rules

    def query_for(self, question: str) -> str:
        return self.rewrite_for(question).query

    def stays_in_story(self, question: str, leans: bool, story: list[str],
                       articles: dict[str, "Article"]) -> bool:
        """Whether `question` follows the story: it leans on earlier turns, or its own
        names and key terms are in the story's articles (`articles` holds them)."""
        if not story:
            return False
        if leans:
            return True
        index = self.index
        if index is None:
            return True
        text = " ".join(f"{articles[aid].title}\n{articles[aid].body}"
                        for aid in story if aid in articles).lower()
        own = analyse(question)
        names = [n for n in own.names if not re.fullmatch(r"[\d,.%]+", n)]
        content = list(own.terms)  # (terms hold no stopwords)
        weights = index.term_weights(list(dict.fromkeys(
            content + [w.lower() for n in names for w in re.findall(r"\w+", n)])))

        def rarity(phrase: str) -> float:
            return max((weights.get(w.lower(), 0.0) for w in re.findall(r"\w+", phrase)),
                       default=0.0)

        def held(phrase: str) -> bool:
            return re.search(rf"\b{re.escape(phrase.lower())}", text) is not None

        if names:  # the names say what a question is about, the rarest the most
            total = sum(rarity(n) for n in names) or 1.0
            return sum(rarity(n) for n in names if held(n)) / total >= STORY_TERM_SHARE
        rare = [t for t in content if weights.get(t, 0.0) >= RARE_TERM_IDF] or content
        if not rare:
            return True
        return sum(held(t) for t in rare) / len(rare) >= STORY_TERM_SHARE

    # asking -------------------------------------------------------------------------------
    def clear(self) -> None:
        """Start over: the next question has no earlier turns."""
        self.turns.clear()

    def resume(self, answers: list[Answer]) -> None:
        """Carry on from saved answers (oldest first), as if they had just been asked."""
        self.turns.extend(Turn(a.question, a) for a in answers)

    def ask(self, question: str, as_of: date | None = None, k: int | None = None,
            as_written: bool = False, **options) -> Answer:
        """`as_written`: search `question` itself, with no rewrite (a query the user has
        edited). `options` go to the answerer as they are (a generative one takes
        `on_text`)."""
        story = self.story()
        articles = self._articles(self._context_ids(story)) if self.turns else {}
        if as_written or not self.turns:
            plan = Rewrite(question.strip(), leans=False)
        else:
            plan = self.rewrite_for(question, articles)
        thread = None
        if story:
            stays = self.stays_in_story(question, plan.leans, story, articles)
            thread = "story" if stays else "new topic"
            if not stays:
                plan = Rewrite(question.strip())  # a new topic carries nothing along
            else:
                options["story"] = story
        answer = self._answer(question.strip(), plan.query, as_of, k, options)
        answer.question, answer.query, answer.thread = question, plan.query, thread
        self.turns.append(Turn(question, answer))
        return answer

    def _answer(self, question: str, query: str, as_of: date | None, k: int | None,
                options: dict) -> Answer:
        """Search `query`; read the sentences against the question as asked, then against
        `query` where that finds nothing (`Assistant.read`), or against `query` alone when
        the question asks for someone's words (whose, the query says)."""
        if query == question or analyse(query).speaker:
            return self.assistant.ask(query, as_of=as_of, k=k, **self.filters, **options)
        return self.assistant.ask(question, as_of=as_of, k=k, search_for=query,
                                  **self.filters, **options)
