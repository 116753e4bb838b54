"""Who speaks in each sentence: speech attribution for "what did X say (about Y)?".

News reports speech in a few shapes, and this reads them from the sentence and its
neighbours (no model):
- the speaker after the quotation: `"...," the coach said.` / `"...," said Jane Roe.`
- the speaker before: `Roe said the plan would fail.` / `The agency's chair Jane Roe told
  reporters: "..."` / `According to Roe, ...`
- a pronoun: `"...," she said.` is the last person named before it who could be "she";
- a quotation over several sentences or paragraphs: a sentence that is only quotation, with
  no speaker of its own, continues the speech of the sentence before it.

`attribute` gives, for each sentence, the speaker as written (a name, a role, or both)
and which sentence named them, so that a quotation that does not name its speaker can be
quoted with the sentence that does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# the verbs of reported speech (also how `mentions` tells a person: "Roe said")
SPEECH_VERBS = (r"(?:said|says|say|told|tells|added|adds|asked|asks|explained|explains|noted|notes|"
                r"wrote|writes|warned|warns|argued|argues|insisted|insists|stressed|stresses|"
                r"continued|recalled|acknowledged|admitted|declared|stated|replied|responded|claimed|"
                r"claims|announced|conceded|predicted|cautioned|urged|emphasized|emphasised|"
                r"tweeted|posted|testified|complained|countered|suggested|observed|boasted|vowed|"
                r"promised|pointed out|went on|shouted|joked|remarked|maintained|contended)")
_NAME = (r"(?:[A-Z][\w’'.\-]*(?:\s+(?:de|da|del|van|von|der|den|al|bin|el|la|le|di|du|dos|"
         r"St\.)?\s*[A-Z][\w’'.\-]*){0,4})")
_ROLE = r"(?:(?i:the|a|an|his|her|their|its)\s+(?:[\w’'\-]+\s+){0,4}?[\w’'\-]+)"
_PRONOUN = r"(?:he|she|they|we|I)"
_WHO = rf"(?:{_ROLE}\s+{_NAME}|{_NAME}|{_ROLE}|{_PRONOUN})"
_CLOSE = r"(?:[,?!—–-]\s*[”\"’]|[”’])\s*"  # the end of a quotation
_DEFINITE = r"(?:(?i:the|his|her|their|its)\s+(?:[\w’'\-]+\s+){0,4}?[\w’'\-]+)"  # not "a group"
_CALLING = r"(?:called|calls|described|describes|labell?ed|termed|dubbed)"
_PATTERNS = [
    # "...," the coach Jane Roe said / "...," she said
    re.compile(rf"{_CLOSE}(?P<who>{_WHO})(?:,[^,]{{1,80}},)?\s+(?:also\s+|later\s+|then\s+)?"
               rf"{SPEECH_VERBS}\b"),
    # "...," said Jane Roe, the coach
    re.compile(rf"{_CLOSE}{SPEECH_VERBS}\s+(?P<who>{_ROLE}\s+{_NAME}|{_NAME}|{_ROLE})"),
    # ... quoted Jane Roe as saying / Jane Roe was quoted as saying
    re.compile(rf"\bquot(?:ed|es|ing) (?P<who>{_ROLE}\s+{_NAME}|{_NAME}|{_ROLE}) as say"),
    re.compile(rf"(?:^|[,;:]\s+)(?P<who>{_WHO})(?:,[^,]{{1,80}},)?\s+(?:was|were|is|has been)\s+"
               rf"quoted\b"),
    # According to Jane Roe, ...
    re.compile(rf"\b[Aa]ccording to (?P<who>{_ROLE}\s+{_NAME}|{_NAME}|{_ROLE})"),
    # Roe said ... / The agency's chair Jane Roe told reporters ... / In a statement, Roe said
    re.compile(rf"(?:^|[,;:]\s+|\band\s+|\bbut\s+)(?P<who>{_WHO})(?:,[^,]{{1,80}},)?\s+"
               rf"(?:also\s+|later\s+|then\s+|previously\s+|has\s+|had\s+|have\s+)?{SPEECH_VERBS}\b"),
    # Roe called the plan "a disaster" / described it as "..." (only with the quotation: "a
    # group called X" names, it does not speak)
    re.compile(rf"(?:^|[,;:]\s+|\band\s+|\bbut\s+)(?P<who>{_DEFINITE}\s+{_NAME}|{_NAME}|"
               rf"{_DEFINITE})(?:,[^,]{{1,80}},)?\s+{_CALLING}\s+[^“\"”,.]{{0,80}}?"
               r"(?:\bas\s+)?[“\"]"),
]
_QUOTE_OPEN = re.compile(r"^\s*[“\"‘]")
_PRONOUNS = {"he", "she", "they", "we", "i"}
_PERSON = re.compile(r"\b([A-Z][a-z][\w’'\-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z][\w’'\-]+)+)\b")
_NOT_PERSON = re.compile(r"\b(?:Inc|Corp|Company|Group|Agency|Department|Ministry|Council|"
                         r"Committee|Association|University|Party|Union|News|Times|Post|"
                         r"Street|Avenue|Road|City|County|State|States|House|Court|Senate|"
                         r"Congress|Parliament|Bank|Airlines?|Day|Week|Month|Year|Republic|"
                         r"Kingdom|Office|Service|Administration|Organization|Foundation|"
                         r"Institute|Center|Centre|Museum|Hospital|Club|League|Cup|Games)\b")
# words that open a sentence and are no speaker on their own ("In said ...": a mis-read)
_SENTENCE_START = {"in", "on", "at", "but", "and", "as", "after", "when", "while", "this",
                   "that", "it", "for", "if", "so", "meanwhile", "still"}


@dataclass(frozen=True)
class Speech:
    """The speaker of a sentence as the text names them, and the sentence that does."""

    speaker: str | None = None
    named_in: tuple[int, int] | None = None  # the sentence naming the speaker
    explicit: bool = False  # the sentence itself attributes speech (to anyone)
    also: tuple[str, ...] = ()  # others it names as speaking ("..., the Kremlin said")

    @property
    def speakers(self) -> tuple[str, ...]:
        return ((self.speaker,) if self.speaker else ()) + self.also


_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|“[^”]*$|\"[^\"]*$")


def _unquoted(sentence: str) -> str:
    """The sentence with the words inside its quotation marks blanked (letters become
    "x"; offsets and punctuation stay): a verb of speech inside a quotation is not the
    reporter's attribution."""
    return _QUOTED.sub(lambda m: m.group()[0] + re.sub(r"\w", "x", m.group()[1:-1])
                       + m.group()[-1], sentence)


_ANY_SPEECH = re.compile(rf"\b{SPEECH_VERBS}\b|\b[Aa]ccording to\b|\bquot|\b{_CALLING}\b")


def _speakers_in(sentence: str) -> list[str]:
    """Everyone the sentence says is speaking ("Putin ... said ..., the Kremlin said")."""
    if not _ANY_SPEECH.search(sentence):  # most sentences: no verb of speech at all
        return []
    sentence = _unquoted(sentence)
    found: list[str] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            who = m.group("who").strip(" ,.")
            if who.split()[0].lower() in _SENTENCE_START and len(who.split()) == 1:
                continue
            if who not in found:
                found.append(who)
    return found


def _people(sentence: str) -> list[str]:
    """Person-like names (two or more capitalised words, not an organisation or a place
    word), in order."""
    return [m.group(1) for m in _PERSON.finditer(sentence) if not _NOT_PERSON.search(m.group(1))]


def attribute(text: str, spans: list[tuple[int, int]]) -> list[Speech]:
    """The speech of each sentence `text[s:e]` of `spans` (in reading order)."""
    out: list[Speech] = []
    last_person: tuple[str, tuple[int, int]] | None = None
    previous: Speech | None = None
    for span in spans:
        sentence = text[span[0]:span[1]]
        found = _speakers_in(sentence)
        if found:
            who, also = found[0], tuple(w for w in found[1:] if w.lower() not in _PRONOUNS)
            if who.lower() in _PRONOUNS:
                # "Roe called it "...", and she warned ...": a person the sentence names
                # before its "she" comes first
                pronoun = re.search(rf"\b{re.escape(who)}\b", sentence)
                before = _people(sentence[:pronoun.start()]) if pronoun else []
                here = (before[-1], span) if before else None
                resolved = (here or last_person) if who.lower() in ("he", "she") else (
                    (previous.speaker, previous.named_in) if previous and previous.speaker
                    else None)
                speech = Speech(resolved[0], resolved[1], True, also) if resolved else Speech(
                    None, None, True, also)
            else:
                speech = Speech(who, span, True, also)
        elif previous is not None and previous.speaker and _QUOTE_OPEN.match(sentence):
            speech = Speech(previous.speaker, previous.named_in)  # the quotation goes on
        else:
            speech = Speech()
        out.append(speech)
        previous = speech
        people = _people(sentence)
        if speech.speaker and speech.named_in == span and speech.speaker[0].isupper() \
                and not _NOT_PERSON.search(speech.speaker):
            last_person = (speech.speaker, span)  # "Kartapolov said ...": the one speaking
        elif people:
            last_person = (people[-1], span)
    return out
