"""Whose words a sentence holds, against the speaker a question asks about ("what did Roe
say"): the speaker's surname or role as the sentence, or the attribution around it, names
them; and, where a role is asked about, the people named in it."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from embeddings.query import STOPWORDS

from .attribution import Speech, person_names, speaking_part
from .mentions import TITLES as ROLE_WORDS, after_role
from .question import TITLES, Question
from .words import WORD

if TYPE_CHECKING:
    from .evidence import Candidate

_SPEECH = re.compile(
    r"\b(?:said|says|saying|told|tells|quoted|quoting|added|adds|stated|states|declared|"
    r"wrote|writes|argued|argues|warned|warns|insisted|claimed|claims|noted|notes|"
    r"explained|announced|remarked|replied|responded|stressed|according to|statement)\b",
    re.IGNORECASE)
_QUOTE_MARK = re.compile(r"[\"“”«»]")
_NAME_BEFORE = re.compile(r"([A-Z][\w'’\-]*)\s+$")


def names_speaker(keys: tuple[str, ...], text: str) -> bool:
    """Whether `text` names the speaker: their surname (keys[0]), and not as part of another
    person's name ("Dr. George Rutherford" is not Zara Rutherford) when a given name is known."""
    given = set(keys[1:])
    for m in re.finditer(rf"\b{re.escape(keys[0])}\b", text, re.IGNORECASE):
        before = _NAME_BEFORE.search(text, max(0, m.start() - 40), m.start())
        word = before.group(1).lower() if before else ""
        if not given or not word or word in given or word in TITLES or word in STOPWORDS:
            return True
    return bool(given) and _spelt_otherwise(keys[0], given, text)


def _spelt_otherwise(surname: str, given: set[str], text: str) -> bool:
    """Whether the text names the person with their given name and their surname spelt one
    letter otherwise (a transliteration: "Andrei Kartopolov" for "Andrei Kartapolov");
    only a long surname, and only after the given name."""
    if len(surname) < 6:
        return False
    for m in re.finditer(r"\b([A-Z][\w'’\-]+)\s+(?=([A-Z][\w'’\-]{4,})\b)", text):
        first, last = m.group(1).lower(), re.sub(r"['’]s$", "", m.group(2).lower())
        if first in given and last[0] == surname[0] and _one_edit(last, surname):
            return True
    return False


def _one_edit(a: str, b: str) -> bool:
    """Whether two different words are one letter apart (changed, added or left out)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    return a[i + 1:] == b[i + 1:] if len(a) == len(b) else a[i:] == b[i + 1:]


def is_speaker(question: Question, speaker: str) -> bool:
    """Whether `speaker` (as a sentence names them) is the one the question asks about:
    their surname, or every word of the role the question names ("the agency's chair", "the
    chair").
    Only the words before an "of" speak (`speaking_part`)."""
    speaker = speaking_part(speaker)
    if names_speaker(question.speaker_keys, speaker):
        return True
    role = [w for w in WORD.findall(question.speaker.lower()) if w not in STOPWORDS]
    # a person's role after a body's name ("Buyk's spokesperson"): "the spokesperson"
    after = WORD.findall(re.split(r"['’]s\s+", question.speaker.lower())[-1])
    if after and all(w in ROLE_WORDS for w in after):
        role = after
    said = set(WORD.findall(speaker.lower()))
    return bool(role) and all(w in said for w in role)


def speaker_score(question: Question, text: str, speech: Speech | None = None,
                  holders: dict[str, frozenset[str]] | None = None,
                  article_id: str = "") -> float:
    """+1 for the speaker's own (attributed) words, -1 for someone else's, 0 otherwise.
    `speech` is who the text around the sentence says is speaking, when it says;
    `holders`, by article, the people named in the role asked about (`role_holders`), and
    `article_id` the sentence's."""
    keys = question.speaker_keys
    if not keys:
        return 0.0
    if speech is not None and speech.speakers:
        return 1.0 if any(is_speaker(question, who)
                          or (holders and _holds_role(who, holders, article_id))
                          for who in speech.speakers) else -1.0
    if speech is not None and speech.explicit:
        return 0.0  # someone speaks ("he said") and the text does not say who
    named = names_speaker(keys, text)
    is_speech = bool(_SPEECH.search(text) or _QUOTE_MARK.search(text))
    if named and is_speech:
        return 1.0
    if named:
        return 0.3
    if _SPEECH.search(text):
        return -1.0  # attributed speech of someone else
    return -0.5


def role_holders(question: Question, cands: list[Candidate]) -> dict[str, frozenset[str]]:
    """Where the question asks for a role, not a person ("the mayor of Rafina"): by
    article, the names of the people its sentences name in that role ("Rafina Mayor
    Evangelos Bournous said"), whose words are the role's wherever else they are quoted
    (`_holds_role`). The role's words must all be in the name's sentence ("Rafina resident
    Maria Kostas" is no mayor)."""
    asked = question.speaker or ""
    role = {w for w in WORD.findall(asked.lower()) if w in ROLE_WORDS}
    if not role or person_names(asked) or any(w[:1].isupper() for w in asked.split()
                                              if w.lower() in role):
        return {}
    out: dict[str, set[str]] = {}
    for cand in cands:
        for who in cand.speech.speakers:
            if is_speaker(question, who) and role <= set(WORD.findall(who.lower())):
                out.setdefault(cand.article_id, set()).update(_people(who))
    return {article: frozenset(names) for article, names in out.items()}


def _people(who: str) -> list[str]:
    """The people a speaker's words name, each without the role before it (`after_role`)."""
    return [person for name in person_names(who) if (person := after_role(name))]


def _holds_role(who: str, holders: dict[str, frozenset[str]], article_id: str) -> bool:
    """Whether a speaker is one of the role's holders (`role_holders`): by the whole name,
    named so in any article ("Evangelos Bournous"; not "Maria Bournous"), or by the surname
    alone where the speaker's article names the holder ("Bournous")."""
    words = WORD.findall(speaking_part(who))
    if not words or not holders:
        return False
    if len(words) == 1:
        return any(name.split()[-1] == words[0] for name in holders.get(article_id, ()))
    people = _people(who)
    return any(name in people for names in holders.values() for name in names)
