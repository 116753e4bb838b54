"""A conversation: follow-up questions are searched with the context of earlier turns.

"What did he say next?" after "What did Lavrov say?" is searched as "What did Lavrov say
next?"; "when was that?" carries the earlier question's names and terms along. The query
actually searched is kept on each Answer so that a surface can show it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from embeddings.query import STOPWORDS, terms

from .answer import Answer
from .question import analyse

_PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|they|them|their)\b", re.IGNORECASE)
_VAGUE = re.compile(r"\b(that|this|it|then|there|those|these|the same)\b", re.IGNORECASE)
_POSSESSIVE = {"his", "her", "hers", "their"}
SHORT_QUESTION_TERMS = 3


def _subject(question: str) -> str | None:
    """Who or what an earlier question was about: its speaker, else its first name."""
    q = analyse(question)
    if q.speaker:
        return q.speaker
    names = [n for n in q.names if not n.replace(",", "").replace(".", "").isdigit()]
    return names[0] if names else None


def contextual_query(question: str, earlier: list[str]) -> str:
    """The standalone search query for `question`, given the earlier questions (oldest first)."""
    question = question.strip()
    if not earlier:
        return question
    own = analyse(question)
    subject = next((s for s in map(_subject, reversed(earlier)) if s), None)
    if subject and subject.lower() not in question.lower() and _PERSON_PRONOUN.search(question):
        def swap(m: re.Match) -> str:
            return f"{subject}'s" if m.group(1).lower() in _POSSESSIVE else subject

        return _PERSON_PRONOUN.sub(swap, question, count=1)
    content = [t for t in own.terms if t not in STOPWORDS]
    if own.names or (len(content) > SHORT_QUESTION_TERMS and not _VAGUE.search(question)):
        return question
    previous = earlier[-1]
    subject_words = {w.lower() for w in (subject or "").split()}
    carried = [t for t in terms(previous) if t not in content and t not in subject_words]
    context = " ".join(dict.fromkeys(([subject] if subject else []) + carried))
    return f"{question} ({context})" if context else question


@dataclass
class Turn:
    question: str
    answer: Answer


@dataclass
class Conversation:
    """Turns of one conversation over an Assistant; filters apply to the next questions."""

    assistant: object  # an Assistant; typed loosely to keep this module import-light
    turns: list[Turn] = field(default_factory=list)
    filters: dict = field(default_factory=dict)

    def query_for(self, question: str) -> str:
        """The standalone query: the model's rewrite when a generative assistant can make
        one (prompts/condense.txt), else the rules of `contextual_query`."""
        earlier = [t.question for t in self.turns]
        condense = getattr(self.assistant, "condense", None)
        if earlier and condense is not None:
            rewritten = condense(question, earlier)
            if rewritten:
                return rewritten
        return contextual_query(question, earlier)

    def clear(self) -> None:
        """Start over: the next question has no earlier turns."""
        self.turns.clear()

    def resume(self, answers: list[Answer]) -> None:
        """Carry on from saved answers (oldest first), as if they had just been asked."""
        self.turns.extend(Turn(a.question, a) for a in answers)

    def ask(self, question: str, as_of: date | None = None, k: int | None = None,
            **options) -> Answer:
        """`options` go to the assistant as they are (a generative one takes `on_text`)."""
        query = self.query_for(question)
        answer = self.assistant.ask(query, as_of=as_of, k=k, **self.filters, **options)
        answer.question, answer.query = question, query
        self.turns.append(Turn(question, answer))
        return answer
