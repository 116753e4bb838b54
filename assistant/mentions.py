"""Who and what a text names: people, organisations, places, each with how it was written.

A follow-up's "he", "the company" or "it" stands for something an earlier turn named, in
its question or in the sentences its answer quoted. This reads those names from text with
no model: runs of capitalised words (with "of", "the", "for" inside, as in "Department of
Justice"), typed by what they hold and what stands next to them:
- a person: a title before the name ("President", "coach", "Sen."), a speech verb after it
  ("Roe said"), or two or three plain capitalised words ("Jane Roe"); a lone surname of a
  person already seen is that person;
- an organisation: an organisation word inside ("Agency", "Inc", "Ministry"), or an
  acronym ("FBI");
- a place: a country, a country's region or a US state (pycountry), or after "in"/"from".
What is none of these stays a plain "name".

A person's gender, for "he" and "she", is read from the text around the name: the pronouns
that follow its mentions, and "Mr."/"Ms." before it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from embeddings.query import STOPWORDS
from embeddings.timeframe import MONTHS, WEEKDAYS

from .attribution import SPEECH_VERBS

PERSON, ORG, PLACE, NAME = "person", "org", "place", "name"

_CAP = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'\-]*\.?)"
# words that join a name's capitalised words ("Bank of England", "Ursula von der Leyen")
_JOIN_WORDS = {"of", "the", "for", "de", "da", "del", "van", "von", "der", "al", "bin",
               "du", "la", "le", "&"}
_JOIN = "(?:" + "|".join(map(re.escape, sorted(_JOIN_WORDS))) + ")"
_RUN = re.compile(rf"(?<![\w’'\-]){_CAP}(?:\s+(?:{_JOIN}\s+)*{_CAP})*")
_SPEECH_AFTER = re.compile(r"^[’']?s?,?\s*(?:[^.,;]{0,60},\s*)?(?:has |had |also |later )?"
                           rf"(?:{SPEECH_VERBS}|tell|think)\b")
TITLES = {
    "president", "vice", "sen", "senator", "rep", "representative", "gov", "governor", "mr",
    "mrs", "ms", "miss", "dr", "judge", "justice", "coach", "ceo", "secretary", "minister",
    "prime", "chancellor", "mayor", "king", "queen", "prince", "princess", "pope", "gen",
    "general", "attorney", "chief", "officer", "director", "chair", "chairman", "chairwoman",
    "spokesman", "spokeswoman", "spokesperson", "commissioner", "speaker", "leader",
    "founder", "author", "actor", "actress", "singer", "star", "player", "captain", "lt",
    "col", "sgt", "capt", "det", "prof", "professor", "rev", "sheriff", "detective",
    "ambassador", "lawyer", "executive", "manager", "analyst", "economist", "reporter",
    "foreign", "defense", "defence", "health", "finance", "interior", "former",
    "first", "lady", "sir", "dame", "lord", "cardinal", "bishop", "rabbi", "imam", "deputy",
}


def after_role(name: str) -> str:
    """The words of a name after the last role word in it ("Rafina Mayor Evangelos
    Bournous": "Evangelos Bournous"); the name itself where it holds none, "" where a role
    word ends it."""
    words = name.split()
    roles = [i for i, w in enumerate(words) if w.lower().strip(".,") in TITLES]
    return " ".join(words[roles[-1] + 1:]) if roles else name


MALE_TITLES, FEMALE_TITLES = {"mr", "king", "prince", "sir", "lord"}, {
    "mrs", "ms", "miss", "queen", "princess", "lady", "dame", "actress", "chairwoman",
    "spokeswoman"}
ORG_WORDS = {
    "inc", "corp", "corporation", "company", "co", "ltd", "llc", "plc", "group", "agency",
    "department", "ministry", "council", "committee", "commission", "association",
    "institute", "university", "college", "school", "party", "union", "bank", "court",
    "administration", "service", "services", "board", "office", "foundation", "fund",
    "organization", "organisation", "federation", "league", "club", "airlines", "airline",
    "airways", "motors", "reserve", "congress", "senate", "house", "parliament", "pentagon",
    "police", "army", "navy", "force", "forces", "guard", "bureau", "authority", "network",
    "news", "times", "post", "journal", "press", "media", "studios", "pictures", "records",
    "technologies", "systems", "holdings", "partners", "capital", "industries", "labs",
    "church", "hospital", "centre", "center", "museum", "team", "fc", "nations", "assembly",
    "cabinet", "government", "kremlin", "reuters", "tribunal", "coalition", "alliance",
    "nato", "fbi", "cia", "cdc", "fda", "who", "un", "eu", "imf", "nasa", "bbc", "cnn",
}
# words that make a name a thing or a place, never a person ("Kolyma River", "Mega Millions")
THING_WORDS = {
    "district", "river", "county", "city", "state", "street", "avenue", "road", "park",
    "island", "islands", "mountain", "mount", "lake", "bridge", "bay", "sea", "ocean", "valley",
    "award", "awards", "prize", "cup", "games", "championship", "championships", "open",
    "festival", "day", "week", "act", "bill", "law", "millions", "lottery", "powerball",
    "republican", "republicans", "democrat", "democrats", "democratic", "conservative",
    "conservatives", "labour", "liberal", "liberals", "airport", "station", "stadium",
    "arena", "square", "hall", "tower", "palace", "house", "building", "centre", "center",
    "province", "region", "territory", "coast", "north", "south", "east", "west", "eastern",
    "western", "northern", "southern", "central", "national", "international", "world",
    "global", "american", "british", "russian", "ukrainian", "chinese", "european",
    "covid", "coronavirus", "omicron", "delta", "series", "league", "season", "olympics",
    "olympic", "super", "bowl", "grand", "slam", "tour", "show", "film", "movie", "album",
}
_MONTHS_DAYS = set(MONTHS) | set(WEEKDAYS)
# capitalised words that are not names: the first word of a sentence and a few more
_NOT_NAMES = STOPWORDS | _MONTHS_DAYS | {"mr", "mrs", "ms", "dr", "st", "i", "ok", "yes", "no"}
MIN_PRONOUNS = 2
_MALE = re.compile(r"\b(?:he|him|his|himself)\b", re.IGNORECASE)


@dataclass
class Mention:
    """A name as written, what it names (`kind`), a person's gender where the text says it
    ("m", "f" or None), and how prominent it is where it came from (`weight`)."""

    text: str
    kind: str
    gender: str | None = None
    weight: float = 0.0
    origin: str = ""  # "question", "answer" or "title": where the turn named it
    forms: set[str] = field(default_factory=set)  # lower-case ways it was written

    @property
    def key(self) -> str:
        """The last word, lower-case: "Roe" names the person "Jane Roe"."""
        return self.text.split()[-1].lower().strip(".’'")


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Lower-case names of countries and their first-level regions (US states among them),
    read once, at the first follow-up."""
    import pycountry

    names = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            if getattr(country, attr, None):
                names.add(getattr(country, attr).lower())
    for region in pycountry.subdivisions:
        if region.type in ("State", "Province", "Region", "Country", "Nation", "Territory"):
            names.add(region.name.lower())
    names |= {"us", "u.s", "u.s.", "uk", "u.k.", "britain", "russia", "america", "europe",
              "africa", "asia", "washington", "london", "moscow", "beijing", "paris", "kyiv",
              "gaza", "taiwan", "iran", "syria", "korea", "north korea", "south korea"}
    return frozenset(names)


_GEO_WORDS = {"district", "river", "county", "city", "state", "island", "islands", "mountain",
              "mount", "lake", "bay", "sea", "ocean", "valley", "province", "region",
              "territory", "coast"}


def _clean(run: str) -> list[str]:
    words = run.replace("’s", "").replace("'s", "").split()
    while words and (words[0].lower().strip(".") in _NOT_NAMES or words[0].lower() in _JOIN_WORDS):
        words = words[1:]
    while words and (words[-1].lower().strip(".") in _NOT_NAMES - {"who"} or
                     words[-1].lower() in _JOIN_WORDS):
        words = words[:-1]
    if words and words[-1].endswith(".") and len(words[-1]) > 3 and "." not in words[-1][:-1]:
        words[-1] = words[-1][:-1]  # a full stop ends the sentence, not an initial
    return words




_NAME_WORD = re.compile(r"[A-Z][a-z’'\-]+(?:[A-Z][a-z’'\-]+)?\.?|[A-Z]\.")  # Roe, McClellan, J.


def _kind(words: list[str], before: str, after: str, titled: bool) -> str:
    lowered = [w.lower().strip(".’'") for w in words]
    if any(w in ORG_WORDS for w in lowered):
        return ORG
    if len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}", words[0]):
        return ORG
    if " ".join(lowered) in _places():
        return PLACE
    if any(w in THING_WORDS for w in lowered):
        return PLACE if lowered[-1] in _GEO_WORDS else NAME
    if titled or _SPEECH_AFTER.match(after):
        return PERSON
    if re.search(r"\b(?:in|from|across|to)\s*$", before) and len(words) <= 2:
        return PLACE
    if 2 <= len(words) <= 4 and all(_NAME_WORD.fullmatch(w) or w.lower() in _JOIN_WORDS
                                    for w in words):
        return PERSON
    return NAME


def _pieces(words: list[str]) -> list[tuple[list[str], bool, str | None]]:
    """A run cut at its titles: "Apple CEO Tim Cook" is "Apple", then "Tim Cook" titled;
    each piece with whether a title stood before it and the gender the title says."""
    pieces, current, titled, gender = [], [], False, None
    for i, word in enumerate(words):
        low = word.lower().strip(".")
        if low in TITLES and i < len(words) - 1:
            if current:
                pieces.append((current, titled, gender))
                current, gender = [], None
            titled = True
            gender = gender or ("m" if low in MALE_TITLES else "f" if low in FEMALE_TITLES
                                else None)
            continue
        current.append(word)
        if (word.endswith(".") and len(word) > 3 and "." not in word[:-1] and
                low not in ("jr", "sr", "st")) or re.search(r"[’']s?$", word):
            # a full stop ends the sentence; a possessive ends a name ("Ukraine's Zelensky")
            pieces.append((current, titled, gender))
            current, titled, gender = [], False, None
    if current:
        pieces.append((current, titled, gender))
    return pieces


def mentions(text: str, weight: float = 1.0, origin: str = "") -> list[Mention]:
    """The names in `text`, in order of first mention, once each; a later lone surname of
    a person counts for that person. Each mention's weight is `weight` per time named."""
    found: dict[str, Mention] = {}
    for m in _RUN.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        after = text[m.end():m.end() + 80]
        prev = re.search(r"([\w.]+)\s*$", before)
        low = prev.group(1).lower().strip(".") if prev else ""
        outer = (low in TITLES, "m" if low in MALE_TITLES else "f" if low in FEMALE_TITLES
                 else None)
        pieces = _pieces(m.group().split())
        for n, (words, titled, gender) in enumerate(pieces):
            if n == 0:
                titled, gender = titled or outer[0], gender or outer[1]
            words = _clean(" ".join(words))
            if not words or (len(words) == 1 and len(words[0]) < 2):
                continue
            last = n == len(pieces) - 1
            kind = _kind(words, before if n == 0 else "", after if last else "", titled)
            _add(found, " ".join(words), kind, gender, weight, origin)
    return list(found.values())


def _add(found: dict[str, Mention], name: str, kind: str, gender: str | None, weight: float,
         origin: str) -> None:
    known = found.get(name.lower())
    if known is None and " " not in name:  # a lone surname of a person named before
        known = next((x for x in found.values() if x.kind == PERSON and x.key == name.lower()),
                     None)
    if known is None:
        known = found.setdefault(name.lower(), Mention(name, kind, origin=origin))
    elif known.kind == NAME and kind != NAME:
        known.kind = kind
    known.weight += weight
    known.forms.add(name.lower())
    known.gender = known.gender or gender


_PRONOUN = re.compile(r"\b(?:he|him|his|himself|she|her|hers|herself)\b", re.IGNORECASE)
PRONOUN_REACH = 200  # characters: a pronoun further from any name stands for none of them


def read_genders(people: list[Mention], texts: list[str]) -> None:
    """Set the gender of each person in `people` whose text says it: every "he" or "she" in
    `texts` counts for the person named last before it (within PRONOUN_REACH), and a
    person takes a gender when at least MIN_PRONOUNS of one and twice as many as of the
    other count for them."""
    keys = {m.key: m for m in people if m.kind == PERSON}
    if not keys:
        return
    counts = {k: [0, 0] for k in keys}
    names = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
                       + r")\b", re.IGNORECASE)
    for text in texts:
        last, at = None, -PRONOUN_REACH
        events = sorted(
            [(m.start(), "name", m.group(1).lower()) for m in names.finditer(text)] +
            [(m.start(), "pronoun", m.group(0).lower()) for m in _PRONOUN.finditer(text)])
        for pos, what, word in events:
            if what == "name":
                last, at = word, pos
            elif last is not None and pos - at <= PRONOUN_REACH:
                counts[last][0 if _MALE.fullmatch(word) else 1] += 1
    for key, (male, female) in counts.items():
        m = keys[key]
        if m.gender:
            continue
        if male >= 2 * female and male >= MIN_PRONOUNS:
            m.gender = "m"
        elif female >= 2 * male and female >= MIN_PRONOUNS:
            m.gender = "f"
