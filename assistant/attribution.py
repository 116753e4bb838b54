"""Who speaks in each sentence: speech attribution for "what did X say (about Y)?".

News reports speech in a few shapes, and this reads them from the sentence and its
neighbours (no model):
- the speaker after the quotation: `"...," the coach said.` / `"...," said Jane Roe.`
- the speaker before: `Roe said the plan would fail.` / `The agency's chair Jane Roe told
  reporters: "..."` / `According to Roe, ...`
- a pronoun: `"...," she said.` is the last person named before it who could be "she";
  `"...," it said.` the body (an organisation, or a name that is no person) named last;
- a quotation over several sentences or paragraphs: a sentence that is only quotation, with
  no speaker of its own, continues the speech of the sentence before it.

`attribute` gives, for each sentence, the speaker as written (a name, a role, or both)
and which sentence named them, so that a quotation that does not name its speaker can be
quoted with the sentence that does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from embeddings.query import STOPWORDS
from embeddings.sentences import open_quotations, quote_marks

# the verbs of reported speech (also how `mentions` tells a person: "Roe said")
SPEECH_VERBS = (r"(?:said|says|say|told|tells|added|adds|asked|asks|explained|explains|noted|notes|"
                r"wrote|writes|warned|warns|argued|argues|insisted|insists|stressed|stresses|"
                r"continued|recalled|acknowledged|admitted|declared|stated|replied|responded|claimed|"
                r"claims|announced|conceded|predicted|cautioned|urged|emphasized|emphasised|"
                r"tweeted|posted|testified|complained|countered|suggested|observed|boasted|vowed|"
                r"promised|pointed out|went on|shouted|joked|remarked|maintained|contended)")
# (one way only to read the space between two words: a run of spaces must not be split
# among the quantifiers, which backtracks for seconds on a hostile sentence)
_NAME = (r"(?:[A-Z][\w’'.\-]*(?:\s+(?:(?:de|da|del|van|von|der|den|al|bin|el|la|le|di|du|dos|"
         r"St\.)\s+)?[A-Z][\w’'.\-]*){0,4})")
_ROLE = r"(?:(?i:the|a|an|his|her|their|its)\s+(?:[\w’'\-]+\s+){0,4}?[\w’'\-]+)"
# a role without an article, before a name: "midfielder Lindsey Horan", "then-Sen. Hillary
# Rodham Clinton", "Wales-based writer and translator Shara Atashi"
_BARE_ROLE = r"(?:[a-z][\w’'.\-]*\s+){1,5}?"
_PRONOUN = r"(?:he|she|they|we|I)"
# where a name is the place or body a person is of: "Rep. André Carson of Indiana"
_OF = r"(?:\s+of\s+(?:the\s+)?[A-Z][\w’'.\-]*(?:\s+[A-Z][\w’'.\-]*){0,3})?"
# a role of any words before a name, tried last: "AccuWeather meteorologist Ariella Scalese"
_LOOSE = rf"(?:[\w’'.\-]+\s+){{1,5}}?{_NAME}"
_WHO = rf"(?:(?:{_ROLE}\s+{_NAME}|{_BARE_ROLE}{_NAME}|{_NAME}){_OF}|{_ROLE}|{_PRONOUN}|{_LOOSE})"
_CLOSE = r"(?:[,?!—–-]\s*[”\"’]|[”’])\s*"  # the end of a quotation
_DEFINITE = r"(?:(?i:the|his|her|their|its)\s+(?:[\w’'\-]+\s+){0,4}?[\w’'\-]+)"  # not "a group"
_CALLING = r"(?:called|calls|described|describes|labell?ed|termed|dubbed)"
# after "said": any role words, then the name that ends the phrase ("said Wales-based writer
# and translator Shara Atashi.", "said Karen Meech of the University of Hawaii")
_AFTER_VERB = (rf"(?:[\w’'.\-]+\s+){{0,6}}{_NAME}"
               r"(?=\s*(?:[,.;:!?(—–]|$|\s+(?:of|from|at|who|in|on|to|during|after|before|when|"
               r"while|as)\b))")
_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"  # and the accented letters of names ("Pörtner")
_PERSON_RUN = (rf"[{_UPPER}][{_LOWER}][\w’'\-]+(?:\s+[{_UPPER}]\.)?"
               rf"(?:\s+[{_UPPER}][{_LOWER}][\w’'\-]+)+")
# "..., Jane Roe, communications director at the council told reporters": a person's name,
# then a role the text leaves without its closing comma (a person only: see `_speakers_in`);
# or a role and what that is ("Jane Roe, president of the guild, the union for its 9,000
# pilots, said"). (A comma only inside a number: each character is read one way.)
_ROLE_CHAR = r"(?:[^,“”\"]|,(?=\d))"
_NAME_THEN_ROLE = re.compile(rf"(?:^|[,;:]\s+)(?P<who>{_PERSON_RUN}),\s+"
                             r"(?!(?:has|had|have|also|later|then|previously|who|whose|which|"
                             r"that|most|many|some|all|few|several|both|other|others|they|we|"
                             r"he|she|it)\b)"
                             rf"[a-z]{_ROLE_CHAR}{{1,80}}?"
                             rf"(?:,\s+(?:the|a|an)\s+{_ROLE_CHAR}{{1,80}}?,)?\s+{SPEECH_VERBS}\b")
_PATTERNS = [
    # "...," the coach Jane Roe said / "...," she said
    re.compile(rf"{_CLOSE}(?P<who>{_WHO})(?:,[^,]{{1,80}}?,?)?\s+(?:also\s+|later\s+|then\s+)?"
               rf"{SPEECH_VERBS}\b"),
    # "...," said Jane Roe, the coach
    re.compile(rf"{_CLOSE}{SPEECH_VERBS}\s+(?P<who>{_ROLE}\s+{_NAME}|{_AFTER_VERB}|{_ROLE})"),
    # ... quoted Jane Roe as saying / Jane Roe was quoted as saying
    re.compile(rf"\bquot(?:ed|es|ing) (?P<who>{_ROLE}\s+{_NAME}|{_NAME}|{_ROLE}) as say"),
    re.compile(rf"(?:^|[,;:]\s+)(?P<who>{_WHO})(?:,[^,]{{1,80}},)?\s+(?:was|were|is|has been)\s+"
               rf"quoted\b"),
    # According to Jane Roe, ...
    re.compile(rf"\b[Aa]ccording to (?P<who>{_ROLE}\s+{_NAME}|{_NAME}|{_ROLE})"),
    _NAME_THEN_ROLE,
    # Roe said ... / The agency's chair Jane Roe told reporters ... / In a statement, Roe said
    # / The nominee in Wyoming, Chuck Gray, has said (the role's name beside it: `aside`)
    re.compile(rf"(?:^|[,;:]\s+|\band\s+|\bbut\s+)(?P<who>{_WHO})"
               rf"(?:,(?P<aside>[^,]{{1,80}}),)?\s+"
               rf"(?:also\s+|later\s+|then\s+|previously\s+|has\s+|had\s+|have\s+)?{SPEECH_VERBS}\b"),
    # Roe called the plan "a disaster" / described it as "..." (only with the quotation: "a
    # group called X" names, it does not speak)
    re.compile(rf"(?:^|[,;:]\s+|\band\s+|\bbut\s+)(?P<who>{_DEFINITE}\s+{_NAME}|{_NAME}|"
               rf"{_DEFINITE})(?:,[^,]{{1,80}},)?\s+{_CALLING}\s+[^“\"”,.]{{0,80}}?"
               r"(?:\bas\s+)?[“\"]"),
]
_QUOTE_OPEN = re.compile(r"^\s*[“\"‘]")
_QUOTE_MARK = re.compile(r"[“”\"]")
_BREAK = re.compile(r"\n\s*\n")
_IT_SAID = re.compile(rf"\b(?:it|It)\s+(?:also\s+|later\s+)?{SPEECH_VERBS}\b")
_PRONOUNS = {"he", "she", "they", "we", "i"}
_PRONOUN_SUBJECT = re.compile(r"^[\s“\"‘]*(He|She)\s")
_PERSON = re.compile(rf"\b({_PERSON_RUN})\b")
_NOT_PERSON = re.compile(r"\b(?:Inc|Corp|Company|Group|Agency|Department|Ministry|Council|"
                         r"Committee|Association|University|Party|Union|News|Times|Post|"
                         r"Street|Avenue|Road|City|County|State|States|House|Court|Senate|"
                         r"Congress|Parliament|Bank|Airlines?|Day|Week|Month|Year|Republic|"
                         r"Kingdom|Office|Service|Administration|Organization|Foundation|"
                         r"Institute|Center|Centre|Museum|Hospital|Club|League|Cup|Games|"
                         # a publication's or a broadcaster's ("Time Magazine told ...")
                         r"Magazine|Journal|Tribune|Herald|Gazette|Telegraph|Chronicle|Daily|"
                         r"Weekly|Press|Radio|Television|Network|Channel|Studios?|Records)\b")
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


# a quotation opened with one kind of mark may close with the other ("“...," she said"):
# scraped text mixes them
_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]|[“\"][^”\"]*$")


def _unquoted(sentence: str, goes_on: bool = False) -> str:
    """The sentence with the words inside its quotation marks blanked (letters become
    "x"; offsets and punctuation stay): a verb of speech inside a quotation is not the
    reporter's attribution. Where the sentence `goes_on` with a quotation opened before
    it, its words up to the first mark are quoted ones, and that mark closes them, even a
    straight one ("...protected," Roe said)."""
    def blank(m: re.Match) -> str:
        quoted = m.group()
        closed = len(quoted) > 1 and quoted[-1] in "”\""
        inner = quoted[1:-1] if closed else quoted[1:]
        return quoted[0] + re.sub(r"\w", "x", inner) + (quoted[-1] if closed else "")

    head = ""
    if goes_on and not _QUOTE_OPEN.match(sentence) \
            and (first := _QUOTE_MARK.search(sentence)) and first.group() != "“":
        head = re.sub(r"\w", "x", sentence[:first.start()]) + first.group()
        sentence = sentence[first.end():]
    return head + _QUOTED.sub(blank, sentence)


_ANY_SPEECH = re.compile(rf"\b{SPEECH_VERBS}\b|\b[Aa]ccording to\b|\bquot|\b{_CALLING}\b")


def _speakers_in(sentence: str, bare: str | None = None) -> list[str]:
    """Everyone the sentence says is speaking ("Putin ... said ..., the Kremlin said").
    A role with the person's name after it ("The nominee in Wyoming, Chuck Gray, said")
    is the role and the name. `bare`: the sentence `_unquoted` already, where the caller
    has it."""
    if not _ANY_SPEECH.search(sentence):  # most sentences: no verb of speech at all
        return []
    sentence = _unquoted(sentence) if bare is None else bare
    found: list[str] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            who = m.group("who").strip(" ,.")
            if who.split()[0].lower() in _SENTENCE_START and len(who.split()) == 1 \
                    or (pattern is _NAME_THEN_ROLE and not person_names(who)):
                continue
            aside = (m.groupdict().get("aside") or "").strip()
            if aside and person_names(aside) == [aside] and re.match(_ROLE, who) \
                    and aside not in who:
                who = f"{who} {aside}"
            if who not in found:
                found.append(who)
    return found


def organisation(name: str) -> bool:
    """Whether `name` has a word of an organisation's or a place's name ("Airlines")."""
    return bool(_NOT_PERSON.search(name))


# a participle that opens a sentence is no given name ("Following Russia’s invasion")
_PARTICIPLE = re.compile(r"^[A-Z][a-z]{3,}ing$|^[A-Z][a-z]{4,}ed$")


def person_names(sentence: str) -> list[str]:
    """Person-like names (two or more capitalised words, not an organisation or a place
    word), in order, each ending at a possessive ("Putin's Russia": Putin). A participle
    that opens the sentence is left out ("Following Russia’s invasion" names no one)."""
    out = []
    for m in _PERSON.finditer(sentence):
        words = m.group(1).split()
        opens = not sentence[:m.start()].strip(" “\"‘'(")
        while words and (words[0].lower() in _SENTENCE_START
                         or (opens and _PARTICIPLE.match(words[0]))):
            words, opens = words[1:], False
        # a possessive ends the name: "Boris Johnson’s government", "Vladimir Putin’s
        # Russia"; "Frank’s Red Hot" is then one word, no person
        owner = next((i for i, w in enumerate(words) if re.search(r"[’']s$", w)), None)
        if owner is not None:
            words = words[:owner + 1]
            words[-1] = re.sub(r"[’']s$", "", words[-1])
        if len(words) >= 2 and not _NOT_PERSON.search(" ".join(words)):
            out.append(" ".join(words))
    return out


def _inside_quotation(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """For each sentence, whether it goes on with a quotation opened before it: inside one
    left open in its paragraph, or opening a paragraph with a quotation mark after a
    paragraph that left one open (news style leaves the close off a paragraph that a
    quotation runs on past). Open or not is the sentence splitter's own reading
    (`open_quotations`), its marks added up sentence by sentence."""
    out = []
    curly = straight = 0  # the paragraph's marks so far
    previous_end = None
    for s, e in spans:
        left_open = open_quotations((curly, straight)) > 0
        if previous_end is None or _BREAK.search(text, previous_end, s) is not None:
            out.append(left_open and bool(_QUOTE_OPEN.match(text[s:e])))
            curly = straight = 0
        else:
            out.append(left_open)
        c, q = quote_marks(text[s:e])
        curly, straight = curly + c, straight + q
        previous_end = e
    return out


# (from a word's start only: tried inside a long word, it reads the word to its end from
# every letter of it)
_ROLE_BEFORE = re.compile(rf"(?<![\w’'.\-])((?:[\w’'.\-]+\s+){{1,4}}?)({_PERSON_RUN})\b")
_DESCRIPTION = re.compile(r"^(?i:the|his|her|their|its)\s+(?:[a-z][\w’'\-]*\s+){0,3}"
                          r"(?P<head>[a-z][\w’'\-]*)$")


def _roles(sentence: str) -> list[tuple[str, str]]:
    """The people a sentence names with a role before their name ("Labour Party leader Keir
    Starmer"): (the role's last word, lower-cased: "leader"; the name)."""
    out = []
    for m in _ROLE_BEFORE.finditer(sentence):
        name = person_names(m.group(2))
        if name:
            out.append((m.group(1).split()[-1].lower(), name[-1]))
    return out


class _Roles:
    """The people the sentences read so far name with a role (`_roles`), looked for only
    when a description asks: most articles have none, and the search is a third of
    `attribute`'s time."""

    def __init__(self) -> None:
        self.sentences: list[str] = []  # blanked of their quotations
        self.found: list[tuple[str, str]] = []
        self.read = 0

    def recent(self) -> list[tuple[str, str]]:
        for sentence in self.sentences[self.read:]:
            self.found += _roles(sentence)
        self.read = len(self.sentences)
        return self.found[-ROLE_LOOKBACK:]


def _described(who: str, roles: _Roles) -> str:
    """A speaker named by a description ("the opposition leader"), with the name of the
    last person named with that role before it ("Labour leader Keir Starmer"), when there
    is one: "the opposition leader Keir Starmer"."""
    m = _DESCRIPTION.match(who)
    if not m:
        return who
    head = m.group("head").lower()
    for role, name in reversed(roles.recent()):
        if role == head:
            return f"{who} {name}"
    return who


def _person_speaking(speaker: str | None) -> str | None:
    """The person a speaker's words name, for a later "he" or "she": their name ("Rep. Ann
    Roe of Ohio": Ann Roe; "Kartapolov"), or None for a body or a description."""
    if not speaker:
        return None
    head = speaking_part(speaker)
    named = person_names(head)
    if named:
        return named[-1]
    last = head.split()[-1]
    return last if last[:1].isupper() and not _NOT_PERSON.search(last) \
        and last.lower() not in _SENTENCE_START else None


def speaking_part(speaker: str) -> str:
    """The words of a speaker's name that speak: those before an "of" ("Rep. Ann Roe of
    Ohio" is Roe; "allies of Roe" are not Roe)."""
    return re.split(r"\s+of\s+", speaker)[0]


_SUBJECT = re.compile(rf"^(?:The\s+)?([{_UPPER}][\w’'&\-]*(?:\s+[{_UPPER}][\w’'&\-]*){{0,3}})"
                      rf"\s+(?:has\s+|had\s+|was\s+|is\s+)?[{_LOWER}]")
# a capitalised word inside a sentence: after a word or a comma, not after a full stop
_INSIDE = re.compile(rf"[\w,;:]\s+([{_UPPER}][\w’'&\-]*)")
# a body called by what it is ("the team said"): the body named last
_COLLECTIVE = re.compile(r"^(?i:the)\s+(?:team|club|company|firm|agency|ministry|department|"
                         r"government|airline|carrier|league|union|group|organi[sz]ation|"
                         r"network|school|university|hospital|police|office|court|board|"
                         r"committee|council|campaign|party|band|studio|retailer|bank)$")
_BODY_NAME = re.compile(rf"\b[{_UPPER}][\w’'&\-]*(?:\s+(?:of\s+(?:the\s+)?)?[{_UPPER}][\w’'&\-]*)*")


_NO_BODY_START = _SENTENCE_START | STOPWORDS


def _body_named(sentence: str, people: set[str], proper: set[str]) -> str | None:
    """The body a sentence names that a later "it said" may be: the last name with an
    organisation's word ("Frontier Airlines"), else a name that is the sentence's subject
    and no person ("Frontier suffered delays"): not a person's name, nor a word of the names
    of `people` (those named or speaking so far: "Lavrov was quoted"); one word only where
    it is among the words the text writes capitalised inside a sentence (`proper`: a name,
    not "Critics were ...")."""
    bodies = [m.group() for m in _BODY_NAME.finditer(sentence) if organisation(m.group())]
    if bodies:  # less a sentence's first word before "of" ("Shares of the X Company")
        last = re.sub(r"^[\w’'\-]+\s+of\s+(?:the\s+)?", "", bodies[-1]) \
            if sentence.startswith(bodies[-1]) else bodies[-1]
        return last if organisation(last) else bodies[-1]
    opening = sentence.lstrip(" “\"‘")
    m = _SUBJECT.match(opening)
    name = re.sub(r"[’']s$", "", m.group(1)) if m else ""  # "Frontier’s shares fell"
    if name and name.split()[0].lower() not in _NO_BODY_START \
            and (opening.startswith("The ") or not person_names(name)) \
            and not set(name.split()) & people and (" " in name or name in proper):
        return name  # (a name after "The" is no person's)
    return None


_OPENING_WORDS = re.compile(r"[\s“\"‘]+|\b(?:Mr|Mrs|Ms|Dr|Rep|Sen|Gov|Gen|Rev)\b\.?")
_CAPITALISED = re.compile(rf"(?<![\w’'\-])[{_UPPER}][{_LOWER}][\w’'\-]*")
ROLE_LOOKBACK = 12  # people named with a role, looked back through for "the coach said"
MAX_READ_CHARS = 5000  # a longer "sentence" is read as saying nothing


def attribute(text: str, spans: list[tuple[int, int]]) -> list[Speech]:
    """The speech of each sentence `text[s:e]` of `spans` (in reading order).

    A sentence with no speaker of its own that goes on with a quotation (`_inside_
    quotation`), or opens one right after a speaker's words, is that speaker's; a
    quotation whose speaker is named only in a later sentence of it ("“A. B,” she said")
    is that speaker's from its start."""
    out: list[Speech] = []
    last_person: tuple[str, tuple[int, int]] | None = None
    # the person named last, where a sentence about `last_person` ("He thanked Biden")
    # named someone else; and that sentence's pronoun: only the other one may be them
    last_named: tuple[str, tuple[int, int]] | None = None
    kept_for: str | None = None
    last_body: tuple[str, tuple[int, int]] | None = None  # for "it said"
    last_speaking: tuple[str, tuple[int, int]] | None = None  # a one-word speaker after it
    people_words: set[str] = set()
    surnames: set[str] = set()  # of the people named so far
    proper = {m.group(1) for m in _INSIDE.finditer(text)}  # (for `_body_named`)
    previous: Speech | None = None
    inside = _inside_quotation(text, spans)
    roles = _Roles()
    for i, span in enumerate(spans):
        sentence = text[span[0]:span[1]]
        if len(sentence) > MAX_READ_CHARS:  # no sentence: a table, a code dump, one giant word
            sentence = ""
        bare = _unquoted(sentence, inside[i])
        found = _speakers_in(sentence, bare)
        if found:
            who, also = found[0], tuple(w for w in found[1:] if w.lower() not in _PRONOUNS)
            if who.lower() in _PRONOUNS:
                # "Roe called it "...", and she warned ...": a person the sentence names
                # before its "she" comes first
                pronoun = re.search(rf"\b{re.escape(who)}\b", bare)
                before = person_names(bare[:pronoun.start()]) if pronoun else []
                here = (before[-1], span) if before else None
                person = last_named if kept_for and who.lower() != kept_for else last_person
                resolved = (here or person) if who.lower() in ("he", "she") else (
                    (previous.speaker, previous.named_in) if previous and previous.speaker
                    else None)
                speech = Speech(resolved[0], resolved[1], True, also) if resolved else Speech(
                    None, None, True, also)
            else:
                described = _described(who, roles)
                if described == who and last_body and _COLLECTIVE.match(who):
                    described = f"{who} {last_body[0]}"  # "the team" said: the body named last
                speech = Speech(described, span, True, also)
        elif _IT_SAID.search(bare):
            # "it said": the body named last, where a sentence named one ("Frontier
            # suffered delays ... ¶ “...,” it said"), or the one-word speaker after it
            # ("Foxconn said ... ¶ “...,” it said"); else some body, unsaid which
            it = last_speaking or last_body
            speech = Speech(*it, True) if it else Speech(None, None, True)
        elif previous is not None and previous.speaker and (
                inside[i] or _QUOTE_OPEN.match(sentence)):
            speech = Speech(previous.speaker, previous.named_in)  # the quotation goes on
        else:
            speech = Speech()
        out.append(speech)
        previous = speech
        people = person_names(bare)  # a name inside a quotation is not who "he" is
        roles.sentences.append(bare)
        speaking = _person_speaking(speech.speaker) if speech.named_in == span else None
        # a one-word speaker that names no person named before, a name the text writes
        # capitalised inside a sentence too ("Foxconn said"; not "Analysts said"): for a
        # later "it said", a body (as much as a person, for "he said")
        speaking_body = speaking is not None and speaking == speech.speaker \
            and " " not in speaking and speaking not in surnames and speaking in proper
        # the person named last: by a full name, or by the surname of one named before
        # ("Soon after, Kryst built a blog, White Collar Glam. ¶ For her last question,
        # Kryst was asked ... ¶ “...,” she said.")
        full = [(bare.rfind(p), bare.rfind(p) + len(p), p) for p in people]
        by_surname = [m for m in _CAPITALISED.finditer(bare) if m.group() in surnames]
        named = [(end, p) for _, end, p in full] + [
            (m.end(), m.group()) for m in by_surname
            if not any(s <= m.start() < e for s, e, _ in full)]
        subject = _PRONOUN_SUBJECT.match(bare)
        opener = min([(bare.find(p), p) for p in people]
                     + [(m.start(), m.group()) for m in by_surname], default=None)
        if opener and re.match(r"\s+[A-Z]", bare[opener[0] + len(opener[1]):]):
            opener = None  # a surname that opens a longer name ("White House officials")
        # the person the sentence is about, where it opens with them ("Dunn never answered
        # the letter, but voted to honour Hatchett. ¶ He said ..."): a later "he" is its
        # subject, not the last name in it
        named_subject = opener[1] if opener and named and len(named) > 1 \
            and not _OPENING_WORDS.sub("", bare[:opener[0]]) else None
        if speaking:
            last_person, last_named, kept_for = (speaking, span), None, None  # the one speaking
        elif named and last_person and subject:
            # a sentence whose subject is "he" or "she" goes on about the person named last;
            # those it names are others, for the other pronoun only ("He thanked Biden ...
            # ¶ “...,” he said.": not Biden; "He named his successor, Ida Bram. “...,” she
            # said": Bram)
            last_named, kept_for = (max(named)[1], span), subject.group(1).lower()
        elif named_subject:
            last_person, last_named, kept_for = (named_subject, span), None, None
        elif named:
            last_person, last_named, kept_for = (max(named)[1], span), None, None
        for person in people + ([speaking] if speaking else []):
            surnames.add(person.split()[-1])
        if speaking:  # (not a body resolved for "it said" or "the team said")
            people_words.update(speaking.split())
        people_words.update(w for name in people if not name.startswith("The ")
                            for w in name.split())
        body = speech.speaker if speech.named_in == span and speech.speaker \
            and organisation(speech.speaker) else _body_named(bare, people_words, proper)
        if body:
            last_body = (body, span)
        if speaking_body:
            last_speaking = (speaking, span)
        elif body:
            last_speaking = None
    # a quotation's sentences before the one that names its speaker: theirs, not the
    # speaker of the words before the quotation (which they took only as going on)
    for i in range(len(spans) - 2, -1, -1):
        here, after = out[i], out[i + 1]
        if not here.explicit and not here.also and inside[i + 1] and after.speaker \
                and here.speaker != after.speaker \
                and (inside[i] or _QUOTE_MARK.search(text[spans[i][0]:spans[i][1]])):
            out[i] = Speech(after.speaker, after.named_in)
    return out
