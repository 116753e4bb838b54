"""What a question asks for: its terms, names, and whose words it wants."""
from __future__ import annotations

import re
from dataclasses import dataclass

from embeddings.query import STOPWORDS, names_and_numbers, terms

_SPEAKER = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had|is|was)\s+(?P<who>.+?)\s+"
    r"(?:say|said|tell|told|think|claim|claimed|argue|argued|write|wrote|announce|announced|"
    r"respond|responded|react|reacted|warn|warned|mean|comment|commented|add|added|reply|replied)\b",
    re.IGNORECASE)
_SPEAKER_ALT = re.compile(
    r"\b(?:according to|quote|quotes|statement by|words of|remarks by|comments by)\s+(?P<who>[A-Z][\w.'’\- ]+)",
    re.IGNORECASE)
_TITLES = {"the", "president", "minister", "prime", "foreign", "secretary", "mr", "mrs", "ms",
           "dr", "sen", "senator", "rep", "gov", "governor", "general", "coach", "chancellor",
           "ceo", "chief", "spokesman", "spokeswoman", "spokesperson", "judge", "justice"}


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]
    names: tuple[str, ...]
    speaker: str | None  # "Lavrov" for "what did Sergei Lavrov say?"

    @property
    def speaker_keys(self) -> tuple[str, ...]:
        """Lower-case words that identify the speaker in a sentence (surname first)."""
        if not self.speaker:
            return ()
        all_words = [w for w in re.findall(r"[\w'’\-]+", self.speaker)
                     if w.lower() not in STOPWORDS]
        words = [w for w in all_words if w.lower() not in _TITLES] or all_words
        return tuple(w.lower() for w in reversed(words))


def analyse(text: str) -> Question:
    speaker = None
    m = _SPEAKER.search(text) or _SPEAKER_ALT.search(text)
    if m:
        who = re.split(r"\s+(?:about|on|regarding|concerning|of|in|at|to|after|before)\s+",
                       m.group("who").strip(" ?.,"))[0]
        if who and who.lower() not in STOPWORDS and len(who) <= 80:
            speaker = who
    return Question(text=text, terms=tuple(terms(text)), names=tuple(names_and_numbers(text)),
                    speaker=speaker)
