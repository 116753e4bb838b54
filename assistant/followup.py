"""A follow-up question rewritten as a standalone query, by rules (no model).

"What did she say about the delays?" after an answer that quoted Jane Roe is searched as
"What did Jane Roe say about the delays?". The candidates for a reference are the names of
the earlier turns: those of the sentences the previous answer quoted come first (the
answer is what the reader just read), then its question, then the sources' titles and older
turns. A reference takes the most prominent candidate of its type:
- "he", "she" (and "his", "her", "him"): a person, of that gender where the text says it;
- "the company", "the agency", "the team" ...: an organisation;
- "it", "its", "they", "their": an organisation where the turn named one, else the event or
  thing the previous question was about, whose terms are carried along in brackets.
A fragment ("And in 2021?", "What about the Senate?") is the previous query with its year
or its name of the same kind swapped for the fragment's. A question that names its own
subject is left as it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from embeddings.query import STOPWORDS, terms

from .mentions import NAME, ORG, PERSON, PLACE, Mention, mentions, read_genders
from .question import analyse

SHORT_QUESTION_TERMS = 3
MAX_REFERENCES = 20  # references of a question looked at (a pasted text may hold thousands)
FRAGMENT_WORDS = 5  # a fragment ("and in 2021?") is at most this many words after its lead
# how much a name counts for, by where the earlier turn named it (and for the turn before
# it, OLDER_TURN times as much): chosen on the tune half of bench/devset-conversations.jsonl
WEIGHTS = {"first_quote": 3.0, "quote": 2.0, "question": 2.5, "title": 1.0,
           "subject": 1.0, "answered": 3.0}
OLDER_TURN = 0.5

_PERSON_REF = {"he": None, "him": None, "his": "possessive", "himself": None,
               "she": None, "hers": None, "herself": None, "her": "either"}
_GENDER = {"he": "m", "him": "m", "his": "m", "himself": "m",
           "she": "f", "her": "f", "hers": "f", "herself": "f"}
_THING_REF = {"it": None, "its": "possessive", "they": None, "them": None,
              "their": "possessive"}
# "the company" may stand for any organisation; "the court" only for one with "court" in
# its name, "the panel" for a committee, commission or board
GENERIC_ORG_NOUNS = ("company", "firm", "carrier", "airline", "automaker", "carmaker", "retailer",
                     "startup", "brand", "maker", "manufacturer", "giant", "league", "team",
                     "club", "group", "organization", "organisation", "agency", "network",
                     "studio", "band", "charity", "outlet", "bank", "business", "chain",
                     "insurer", "lender", "operator", "platform", "app", "service", "regulator",
                     "union", "publisher", "broadcaster", "channel", "school", "university")
NAMED_ORG_NOUNS = {"ministry": ("ministry",), "department": ("department",),
                   "court": ("court",), "government": ("government",),
                   "administration": ("administration",), "council": ("council",),
                   "committee": ("committee",), "commission": ("commission",),
                   "board": ("board",), "panel": ("committee", "commission", "panel", "board"),
                   "party": ("party",), "police": ("police",), "army": ("army",),
                   "office": ("office",), "bureau": ("bureau",), "parliament": ("parliament",),
                   "church": ("church",), "hospital": ("hospital",)}
_ORG_REF = re.compile(
    rf"\b(?:the|that|this)\s+(?P<noun>{'|'.join(GENERIC_ORG_NOUNS + tuple(NAMED_ORG_NOUNS))})"
    r"(?P<poss>['’]s)?\b", re.IGNORECASE)
_REFERENCE = re.compile(r"\b(he|him|his|himself|she|her|hers|herself|it|its|they|them|"
                        r"their)\b", re.IGNORECASE)
_VAGUE = re.compile(r"\b(that|this|it|then|there|those|these|the same)\b", re.IGNORECASE)
_FRAGMENT = re.compile(r"^\s*(?:and|but|or|also|so)?\s*(?:what|how)\s+about\b|"
                       r"^\s*(?:and|but|or|also)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# "it" or "they" as an organisation that acts: "what did it say?", "how did they respond?";
# any other "it" is the event or thing the conversation is about ("when does it take effect?")
_AGENT_VERBS = (r"say|said|says|announce\w*|respond\w*|react\w*|claim\w*|plan\w*|report\w*|"
                r"earn\w*|sell|sold|sells|hire\w*|fire\w*|pay|paid|pays|spend\w*|spent|want\w*|"
                r"offer\w*|tell|told|tells|explain\w*|argue\w*|sue[sd]?|deny|denied|denies|"
                r"admit\w*|blame\w*|charge\w*|invest\w*|buy|bought|acquire\w*|launch\w*|"
                r"release\w*|file[sd]?|seek\w*|sought|propose\w*|agree\w*|decide\w*|"
                r"refuse\w*|apologi[sz]e\w*|comment\w*|confirm\w*|statement|lay|laid|cut|cuts")
_AGENT = re.compile(rf"\b(?:(?:did|does|do|has|have|had|will|would|could|is|was|were|are)\s+"
                    rf"(?:it|they)\s+(?:\w+\s+)?(?:{_AGENT_VERBS})|(?:it|they)\s+(?:{_AGENT_VERBS}))\b",
                    re.IGNORECASE)
_WHO_QUESTION = re.compile(r"\bwho(?:m|se)?\b", re.IGNORECASE)
_WHICH_QUESTION = re.compile(r"\b(?:which|what)\s+(?:[\w’'\-]+\s+){0,3}?", re.IGNORECASE)
ROLE_REACH = 40  # characters before a name where its role stands ("the agency's chair")


@dataclass
class EarlierTurn:
    """What an earlier turn offers a follow-up: its question as asked and as searched, the
    sentences its answer quoted (best first), its sources' titles, and their bodies (for
    the pronouns that tell a person's gender)."""

    question: str
    query: str
    quotes: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rewrite:
    """The standalone query, and how it was made: `resolved` pairs each reference with what
    it was taken to stand for; `leans` is whether the question leaned on earlier turns (a
    reference, a fragment, or too few words of its own)."""

    query: str
    resolved: tuple[tuple[str, str], ...] = ()
    leans: bool = False


def candidates(turns: list[EarlierTurn]) -> list[Mention]:
    """The names of the earlier turns (oldest first), most prominent first."""
    scored: dict[str, Mention] = {}
    for age, turn in enumerate(reversed(turns[-2:])):
        scale = OLDER_TURN ** age
        asked = analyse(turn.query)
        query_names = mentions(turn.query, WEIGHTS["question"] * scale, "question")
        found = []
        for n, quote in enumerate(turn.quotes[:3]):
            found += mentions(quote, WEIGHTS["first_quote" if n == 0 else "quote"] * scale,
                              "answer")
        found += [m for t in turn.titles[:3] if not _title_case(t)
                  for m in mentions(t, WEIGHTS["title"] * scale, "title")]
        asked_keys = {m.key for m in query_names}
        for m in query_names:
            if asked.speaker and m.key in asked.speaker.lower():
                m.kind = PERSON if m.kind == NAME else m.kind
                m.weight += WEIGHTS["subject"] * scale
        # the person or body the answer supplied: any new name for "who", one whose role
        # the question names for "which justice", "what company"
        who = bool(_WHO_QUESTION.search(turn.question))
        asked_terms = set(terms(turn.question)) if _WHICH_QUESTION.search(turn.question) else set()
        for m in found:
            if m.origin != "answer" or m.key in asked_keys:
                continue
            if who or asked_terms & set(terms(_before(m, turn.quotes))):
                m.weight += WEIGHTS["answered"] * scale
        for m in query_names + found:
            same = scored.get(m.key)
            if same is None:
                scored[m.key] = m
                continue
            same.weight += m.weight
            if same.kind == NAME and m.kind != NAME:
                same.kind = m.kind
            if len(m.text) > len(same.text) and m.key == same.key:
                same.text = m.text
            same.gender = same.gender or m.gender
    bodies = [b for t in turns[-2:] for b in t.bodies]
    _full_names(scored, bodies)
    read_genders(list(scored.values()), bodies)
    return sorted(scored.values(), key=lambda m: -m.weight)


def _before(m: Mention, quotes: list[str]) -> str:
    """The words just before `m`'s first mention in the quotes, where a role stands."""
    for quote in quotes:
        at = quote.lower().find(m.key)
        if at >= 0:
            return quote[max(0, at - ROLE_REACH - len(m.text)):at]
    return ""


def _full_names(scored: dict[str, Mention], bodies: list[str]) -> None:
    """A lone word that the articles write as a person's full name ("Truss", "Liz Truss")
    is that person."""
    lone = {k: m for k, m in scored.items() if m.kind == NAME and " " not in m.text}
    if not lone:
        return
    for body in bodies:
        for full in mentions(body):
            m = lone.get(full.key)
            if m is not None and full.kind == PERSON and " " in full.text:
                m.kind, m.text = PERSON, full.text


def _title_case(title: str) -> bool:
    """Whether most words of a headline are capitalised (its capitals then name nothing)."""
    words = [w for w in re.findall(r"[A-Za-z][\w’'\-]*", title) if w.lower() not in STOPWORDS]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _names(question: str, m: Mention) -> bool:
    """Whether `question` names `m` itself (a whole word: "Lee" is not in "fleet")."""
    return re.search(rf"\b{re.escape(m.key)}\b", question, re.IGNORECASE) is not None


def _swap(text: str, old: str, new: str) -> str:
    """`text` with the last whole-word `old` replaced by `new`."""
    found = list(re.finditer(rf"(?<!\w){re.escape(old)}(?!\w)", text))
    if not found:
        return text
    last = found[-1]
    return text[:last.start()] + new + text[last.end():]


def _person(cands: list[Mention], gender: str | None, question: str) -> Mention | None:
    """The most prominent person not named in `question`: of `gender` where known, before
    those whose gender the text does not say."""
    free = [m for m in cands if m.kind == PERSON and not _names(question, m)]
    return next((m for m in free if gender and m.gender == gender), None) or next(
        (m for m in free if m.gender is None), None)


def _organisation(cands: list[Mention], question: str,
                  named: tuple[str, ...] = ()) -> Mention | None:
    """The most prominent organisation (or plain name that is no person's or place's) not
    named in `question`; with `named`, one whose name holds one of those words."""
    for m in cands:
        if m.kind not in (ORG, NAME) or m.gender or _names(question, m):
            continue
        if named and not any(w in m.text.lower() for w in named):
            continue
        return m
    return None


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def rewrite(question: str, turns: list[EarlierTurn]) -> Rewrite:
    """The standalone query for `question` after `turns` (oldest first)."""
    question = question.strip()
    if not turns or not re.search(r"\w", question):  # an empty question stays empty: refused
        return Rewrite(question)
    previous = turns[-1]
    if _is_fragment(question):
        return _fragment(question, previous)
    if not _ORG_REF.search(question) and not _REFERENCE.search(question):
        return _unreferenced(question, previous)
    cands = candidates(turns)  # (reads the names of the earlier turns: only when needed)
    resolved: list[tuple[str, str]] = []

    def org_noun(m: re.Match) -> str:
        noun = m.group("noun").lower()
        org = _organisation(cands, question, NAMED_ORG_NOUNS.get(noun, ()))
        if org is None:
            return m.group(0)
        resolved.append((m.group(0), org.text))
        return _possessive(org.text) if m.group("poss") else org.text

    text = _ORG_REF.sub(org_noun, question, count=1)
    carried = False
    acts = bool(_AGENT.search(text))  # (text changes only just before the loop ends)
    for m in list(_REFERENCE.finditer(text))[:MAX_REFERENCES]:
        word = m.group(1).lower()
        if word in _PERSON_REF:
            target, role = _person(cands, _GENDER[word], question), _PERSON_REF[word]
        else:
            agent = word in ("its", "their") or acts
            target = _organisation(cands, question) if agent else None
            role = _THING_REF[word]
            if target is None:
                carried = True
                continue
        if target is None or any(target.text == t for _, t in resolved):
            continue
        if role == "either":  # "her": possessive before a noun ("her husband")
            nxt = re.match(r"\s+([\w’'\-]+)", text[m.end():])
            role = "possessive" if nxt and nxt.group(1).lower() not in STOPWORDS else None
        # a person by surname, as the articles name them after the first mention
        called = target.text.split()[-1] if target.kind == PERSON else target.text
        name = _possessive(called) if role == "possessive" else called
        resolved.append((m.group(1), target.text))
        text = text[:m.start()] + name + text[m.end():]
        break  # one reference a question: the rest most often repeat it
    if resolved and not carried:
        return Rewrite(text, tuple(resolved), True)
    own = analyse(question)
    content = list(own.terms)  # (terms hold no stopwords)
    if not resolved and not carried and _says_enough(own, content, question):
        return Rewrite(question, leans=True)  # a reference to no one named: left as it is
    return Rewrite(_with_context(text, previous, content, resolved), tuple(resolved), True)


def _unreferenced(question: str, previous: EarlierTurn) -> Rewrite:
    """A question with no reference: as it is when it names its subject or says enough
    on its own, else with the previous query's words carried along."""
    own = analyse(question)
    content = list(own.terms)  # (terms hold no stopwords)
    if _says_enough(own, content, question):
        return Rewrite(question)
    return Rewrite(_with_context(question, previous, content, []), (), True)


def _says_enough(own, content: list[str], question: str) -> bool:
    """Whether a question stands alone: it names its subject, or has more than a few
    words of its own and nothing vague ("that", "then")."""
    return bool(own.names) or len(content) > SHORT_QUESTION_TERMS and not _VAGUE.search(question)


def _is_fragment(question: str) -> bool:
    """"And in 2021?", "What about the Senate?": no question of its own, only a part."""
    m = _FRAGMENT.search(question)
    if not m:
        return False
    rest = question[m.end():].strip(" ?.!,")
    if len(rest.split()) > FRAGMENT_WORDS or "," in rest:
        return False  # a whole question or statement after its "and": read as one
    return not re.match(r"(?:what|which|who|whom|whose|when|where|why|how|did|does|do|is|are|"
                        r"was|were|has|have|can|could|will|would)\b", rest, re.IGNORECASE) \
        or bool(re.match(r"(?:what|how)\s+about\b", question.strip(), re.IGNORECASE))


def _without_context(query: str) -> str:
    """A query without the earlier question's words that `_with_context` carried along in
    brackets at its end."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", query)


def _with_context(text: str, previous: EarlierTurn, content: list[str],
                  resolved: list[tuple[str, str]]) -> str:
    """`text` with the previous query's subject and terms in brackets after it."""
    subject = analyse(previous.query).speaker or next(
        (m.text for m in mentions(previous.query) if m.kind in (PERSON, ORG, NAME)), None)
    taken = {w.lower() for _, name in resolved for w in name.split()}
    subject_words = {w.lower() for w in (subject or "").split()}
    if subject and subject_words & taken:
        subject = None
    own = set(content) | taken | subject_words
    carried = [t for t in terms(_without_context(previous.query))
               if t not in own]
    context = " ".join(dict.fromkeys(([subject] if subject else []) + carried))
    return f"{text} ({context})" if context else text


def _fragment(question: str, previous: EarlierTurn) -> Rewrite:
    """"And in 2021?" after "How many crossed in 2020?" -> "How many crossed in 2021?"."""
    base = _without_context(previous.query).strip()
    payload = _FRAGMENT.sub("", question).strip(" ?.!,")
    years, base_years = _YEAR.findall(payload), _YEAR.findall(base)
    if years and base_years:
        return Rewrite(_swap(base, base_years[-1], years[0]), ((question, base_years[-1]),), True)
    new = mentions(payload)
    if new:
        old = [m for m in mentions(base) if m.kind == new[0].kind or
               new[0].kind == NAME or m.kind == NAME]
        old = [m for m in old if m.kind != PLACE or new[0].kind in (PLACE, NAME)]
        if old:
            return Rewrite(_swap(base, old[-1].text, new[0].text), ((question, old[-1].text),),
                           True)
    stem = base.rstrip(" ?")
    lead = re.match(rf"({_PREPOSITIONS})\b", payload, re.IGNORECASE)
    if lead:  # "and about Washington?": the same question about something else
        same = re.search(rf"\s{lead.group(1)}\s.*$", stem, re.IGNORECASE)
        if same:
            stem = stem[:same.start()]
    return Rewrite(f"{stem} {payload}?" if payload else base, (), True)


_PREPOSITIONS = ("about|in|for|on|at|from|with|after|before|during|regarding|among|between|"
                 "since|by|against|over|under|to")
