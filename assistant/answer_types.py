"""What kind of value a question asks for, and whether a sentence holds a new one.

"How much did the fine cost?" wants an amount of money; "who won?" a person's name; "by how
much?" two figures, or a change. A sentence answers when it holds a value of that kind that
the question does not already hold: the sentence that only repeats the question's own words
("the company announced a 20-for-1 split") gives the reader nothing, the one with a new
name or figure ("Amazon...") does.

The rules are about English question words and the shapes of values (currency signs,
units, capitalised names), never about particular names or topics.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from embeddings.query import STOPWORDS
from embeddings.timeframe import MONTHS, WEEKDAYS

# "what was the death toll", "what interest rate", "what is the company's revenue": a noun
# that names a quantity and ends the phrase after "what": determiners and possessives, then
# at most one other word ("interest", "death") before it
_AUX = r"(?:did|does|do|is|was|are|were|has|have|had|will|would|can|could)"
# (a possessive may follow a name's other words, capitalised and without an apostrophe:
# "Anna Hall's"; one way only to read them, or a run of possessives backtracks for seconds)
_DETERMINERS = (r"(?:the|a|an|its|their|his|her|this|that|these|those|our|your|"
                r"(?:(?-i:[A-Z])[\w-]*\s+){0,3}[\w’'-]+['’]s)")
_PHRASE_ENDS = (rf"(?=\s*(?:[?,.;]|$)|\s+(?:of|in|for|at|on|from|to|by|during|after|before|"
                rf"when|that|{_AUX})\b)")


def _what(nouns: str) -> str:
    return (rf"\bwhat(?:\s+(?:was|is|were|are|will be))?(?:\s+{_DETERMINERS})*"
            rf"(?:\s+(?!(?:{_AUX}|{_DETERMINERS})\b)[\w’'-]+){{0,2}}?\s+(?:{nouns})s?"
            rf"{_PHRASE_ENDS}")


def _which(words: str) -> str:
    """"which" (or `words`), "of the (following)" after it, and up to three words before the
    noun, none a helper verb."""
    return (rf"\b(?:{words})(?:\s+of\s+(?:the|these|those)(?:\s+following)?)?"
            rf"(?:\s+(?!{_AUX}\b)[\w’'-]+){{0,3}}?\s+")


# where a question word that asks stands: opening the question or a clause, or after a verb
# of knowing or saying ("tell me when")
_CLAUSE_START = (r"(?:^\W*(?:so|and|but|then|exactly)?\s*|[.?!,;:]\s*|\b(?:and|or|but)\s+|"
                 r"\b(?:tell me|know|say|said|ask|asked|wonder|remember)\s+)")
# the kinds, most specific first: the first whose pattern the question matches wins
_ASKS = [
    ("comparison", r"\bby how (?:much|many)\b|\bhow much (?:more|less|higher|lower|bigger|"
                   r"smaller)\b|\bhow many (?:more|fewer)\b"),
    ("percent", r"\bwhat (?:percentage|percent|share|proportion|fraction)\b|\bhow much of\b|"
                r"\bwhat (?:rate|margin)\b|" + _what("rate|percentage|proportion|raise|"
                                                    "increase|hike|cut|discount|reduction")),
    ("penalty", r"\bwhat (?:penalty|punishment|sentence|fine)\b|\bhow (?:much|long) (?:was|were|"
                r"will|would|could|did)\b.*\b(?:fined|sentenced|jailed|banned|suspended|prison|"
                r"jail)\b|\bpenalt(?:y|ies)\b"),
    # "how much did the infection cut the odds?": a change, said as a share or an amount
    ("change", r"\bhow much (?:did|does|do|will|would|could|has|have|had|is|was|are|were)\b"
               r"[^?]{0,80}?\b(?:cut|cuts|reduce[sd]?|lower(?:s|ed)?|raise[sd]?|increase[sd]?|"
               r"rise|rises|rose|risen|fall|falls|fell|fallen|drop(?:s|ped)?|grow|grows|grew|"
               r"grown|shrink|shrank|shrunk|boost(?:s|ed)?|slash(?:es|ed)?|decline[sd]?|"
               r"jump(?:s|ed)?|climb(?:s|ed)?|soar(?:s|ed)?|plunge[sd]?|surge[sd]?)\b"
               r"(?!\s+to\b)"),  # "how much could the wage rise to?" asks for a level
    ("money", r"\bhow much (?:money|cash|funding|aid|does|did|do|will|would|is|was|are|were|"
              r"has|have|had|could|can)\b|\bwhat (?:price|cost|amount|sum|salary|fee|fare|"
              r"budget|valuation|value)\b|\bhow much\b|"
              + _what("price|cost|salary|wage|fee|fare|budget|valuation|revenue|profit|"
                      "loss|sales|debt|deficit|payout|compensation|bonus|settlement|"
                      "donation|ransom|bail|net worth")),
    ("duration", r"\bhow long\b|\bfor how many (?:years|months|weeks|days|hours)\b"),
    ("count", r"\bhow many\b|\bwhat (?:number|age)\b|\bhow old\b|\bby what (?:vote|score|tally|"
              r"count|margin)\b|\bhow (?:far|fast|tall|big|"
              r"large|high|deep|heavy)\b|"
              + _what("death toll|toll|population|score|tally|turnout|temperature|total|"
                      "number|size|limit|height|depth|length|distance|weight|capacity|"
                      "attendance|speed|vote|vote count|count")),
    # "when" that asks opens the question or a clause ("..., when is the next one?"); "what
    # were they waiting for when he told them ...?" asks for no date
    ("date", _CLAUSE_START + r"when\b|"
             r"\bwhat (?:date|day|year|month|time)\b|"
             r"\bwhich (?:date|day|year|"
             r"month)\b|\bon what day\b"),
    ("place", r"\bwhere\b|" + _which("which|what|this") + r"(?:country|city|state|nation|region|town|"
              r"island|continent|county|province|capital|venue|stadium|location|place|cities|"
              r"countries|counties)(?:s|es)?\b|"
              r"\bin what (?:country|city|state)\b"),
    # "who" asks for a person unless another question word asked before it ("what should
    # people who are exposed do?" asks for no person; "name the player who scored" does)
    ("person", r"^(?:(?!\b(?:what|which|how|where|when|why)\b).)*\bwho(?:m|se)?\b|"
               + _which("which|what|this") + r"(?:person|man|woman|player|athlete|"
               r"politician|leader|actor|actress|singer|rapper|star|official|judge|senator|"
               r"governor|candidate|director|author|artist|musician|comedian|coach|ceo|"
               r"billionaire|celebrity|lawmaker|president|minister|journalist|scientist|men|women|"
               r"celebrities|contestant|finalist|nominee|astronaut|victim|suspect|"
               r"officer|pilot|doctor|teacher|student|soldier|lawyer|defendant|winner)(?:s|es)?\b"
               # (the noun ends the phrase: not "which teachers union", "what pilot program")
               r"(?![’'-]|s?['’]?\s+(?:union|unions|group|groups|association|program|programs|"
               r"programme|loan|loans|visa|visas|debt|body|council|organization|organisation|"
               r"party|plan|plans|scheme)\b)"),
    ("organisation", _which("which|what|this") + r"(?:company|firm|brand|business|airline|carrier|"
                     r"automaker|retailer|chain|bank|network|app|platform|team|club|group|"
                     r"organization|organisation|agency|party|union|university|school|"
                     r"college|startup|manufacturer|giant|network|channel|publication|outlet|"
                     r"companies|agencies|parties|universities)(?:s|es)?\b"),
    ("name", _which("which|what") + r"(?:show|series|film|movie|book|song|album|game|word|name|"
             r"title|term|phrase|event|award|prize|product|drug|vaccine|variant|species|"
             r"dish|food|animal|language)(?:s|es)?\b|\bwhat (?:is|was|are|were) the (?:name|title)s?\b|\bwhat (?:was|is) .{0,30}\bcalled\b"),
]
ASKS = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _ASKS]

_NUMBER_WORD = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                r"fifteen|twenty|thirty|forty|fifty|hundred|thousand|dozen|dozens|hundreds|"
                r"thousands|million|millions|billion|billions|trillion|half|quarter)")
_NUM = rf"(?:\d[\d,.]*\d|\d|{_NUMBER_WORD})"
_VALUE = {
    "money": re.compile(r"[$£€¥]\s?\d|\b\d[\d,.]*\s?(?:million|billion|trillion|bn|m)?\s*"
                        r"(?:dollars|pounds|euros|yen|yuan|rupees|francs|cents|pence|usd|gbp|"
                        r"eur)\b|\b(?:US|A|C|HK)\$\s?\d", re.IGNORECASE),
    "percent": re.compile(rf"\b{_NUM}\s?(?:%|percent\b|per cent\b|percentage points?\b)|"
                          rf"\b(?:half|a third|a quarter|two-thirds|three-quarters|majority|"
                          rf"one in {_NUM})\b", re.IGNORECASE),
    "duration": re.compile(rf"\b(?:{_NUM}|an?)[\s-]+(?:seconds?|minutes?|hours?|days?|weeks?|"
                           rf"months?|years?|decades?|century|centuries)\b|"
                           rf"\blife (?:sentence|in prison)\b",
                           re.IGNORECASE),
    "count": re.compile(rf"\b{_NUM}\b", re.IGNORECASE),
    "date": re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|"
                       r"October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|"
                       r"Dec)\.?\s+\d{1,2}\b|\b(?:19|20)\d\d\b|\b(?:Monday|Tuesday|Wednesday|"
                       r"Thursday|Friday|Saturday|Sunday)\b|\b(?:early|mid|late)[\s-](?:"
                       r"January|February|March|April|May|June|July|August|September|October|"
                       r"November|December)\b|\bin (?:January|February|March|April|May|June|"
                       r"July|August|September|October|November|December)\b"),
}
_PENALTY_WORD = re.compile(r"\b(?:fined?|fines|sentenced|sentence|prison|jail(?:ed)?|banned|"
                           r"ban|suspended|suspension|probation|penalty|penalties|community "
                           r"service|disqualified)\b", re.IGNORECASE)
_CHANGE = re.compile(r"\b(?:from|between)\s+[$£€]?\d[\d,.]*\s?%?\S*\s+(?:to|and)\s+[$£€]?\d|"
                     r"\b(?:up|down|rose|fell|increased|decreased|grew|dropped|climbed|jumped|"
                     r"declined|more than|less than|fewer than|higher than|lower than)\b.{0,30}"
                     r"\d", re.IGNORECASE)
_NAME = re.compile(r"\b[A-Z][\w'’.&\-]*[A-Za-z0-9](?:\s+(?:of|de|la|van|von|the|and|&)?\s*"
                   r"[A-Z][\w'’.&\-]*[A-Za-z0-9])*|\b[A-Z]{2,}\b")
# months and days, and the months' short forms: capitalised, and still no names
CALENDAR_WORDS = {*MONTHS, *WEEKDAYS, "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
                  "sept", "oct", "nov", "dec"}
_PLACE_BEFORE = re.compile(r"\b(?:in|at|from|to|near|into|across|outside|inside|across|"
                           r"throughout|toward|towards)\s+(?:the\s+)?$", re.IGNORECASE)
_TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Sir|Dame|Lord|Lady|President|Prime Minister|"
                           r"Minister|Senator|Sen|Rep|Gov|Governor|Judge|Justice|Coach|Chief|"
                           r"CEO|Secretary|General|Captain|Prince|Princess|King|Queen|Pope)\.?\s+$")
_ORG_WORD = re.compile(r"\b(?:Inc|Corp|Corporation|Co|Company|Ltd|LLC|Group|Holdings|Airlines?|"
                       r"Airways|Bank|Motors|Technologies|Labs|Agency|Department|Ministry|"
                       r"Council|Committee|Commission|Association|Foundation|Institute|"
                       r"University|College|Party|Union|Network|News|Times|Post|Club|FC|"
                       r"Organization|Organisation|Service|Administration|Authority|Board|"
                       r"Court|Senate|House|Congress|Parliament)\b")


@dataclass(frozen=True)
class Wanted:
    """What a question asks for: `kind`, and the words it already holds (not news)."""

    kind: str  # one of ASKS' kinds, or "other"
    known: frozenset[str]
    thing: str | None = None  # the noun "which" asks about: "show" in "which popular show"
    deed: str | None = None  # the verb whose doer is asked, as a participle: "who owned"


def wanted(question: str) -> Wanted:
    """The kind the question's first asking phrase asks for ("Which charity CEO was asked
    where she came from?" asks for a person, not a place); at one place, the most specific."""
    found = [(m.start(), n, k) for n, (k, pattern) in enumerate(ASKS)
             if (m := pattern.search(question))]
    kind = min(found)[2] if found else "other"
    known = frozenset(w.lower() for w in re.findall(r"[\w'’$£€%.]+", question))
    return Wanted(kind, known | STOPWORDS, asked_thing(question),
                  asked_deed(question) if kind in _DOERS else None)


_MODAL = r"(?:may|might|must|should|shall)"
# English's common irregular past tenses: where a "which" phrase's noun ends and its verb
# begins ("which director set a record")
_IRREGULAR_PAST = frozenset("""
set won led met hit put made took gave found held left lost became began came went saw
said told ran sent spent built bought brought caught chose drew fell felt fought flew got
grew hung kept knew laid meant paid rose sold shot shut sought stood struck swore taught
thought threw wore wrote broke spoke stole""".split())
_WHICH_WORDS = re.compile(r"\b(?:which|what)\s+(?:(?:is|was|are|were)\s+)?(?:the\s+)?"
                          r"(?:of\s+(?:the|these|those)\s+(?:following\s+)?)?"
                          r"((?:[\w’'-]+\s+){0,3}[\w’'-]+)", re.IGNORECASE)


def asked_thing(question: str) -> str | None:
    """The noun a "which"/"what" phrase asks about: its last word before a helper verb, a
    past-tense verb or a preposition ("which wildly popular show was...": "show"); none
    where the phrase goes straight to a verb ("what did...")."""
    m = _WHICH_WORDS.search(question)
    if not m:
        return None
    words = []
    for word in m.group(1).split():
        low = word.lower()
        if re.fullmatch(rf"{_AUX}|{_MODAL}", low) or (word.islower() and low in STOPWORDS) \
                or (low.endswith("ed") and len(low) > 4) \
                or low in _IRREGULAR_PAST:
            break
        if not low.endswith("ly"):
            words.append(low)
    return words[-1] if words and words[-1].isalpha() and len(words[-1]) > 2 else None


# the kinds of name that can be the doer of a deed ("who owned the team?")
_DOERS = frozenset({"person", "organisation"})
# the past participle where it is not the past tense: "who wrote it?", "it was written by"
_PARTICIPLE = {"wrote": "written", "broke": "broken", "spoke": "spoken", "stole": "stolen",
               "took": "taken", "gave": "given", "chose": "chosen", "drew": "drawn",
               "flew": "flown", "grew": "grown", "knew": "known", "saw": "seen",
               "began": "begun", "threw": "thrown", "wore": "worn", "ran": "run",
               "ate": "eaten", "drove": "driven", "forgave": "forgiven", "hid": "hidden",
               "rode": "ridden", "shook": "shaken", "bit": "bitten", "froze": "frozen",
               "swore": "sworn"}
# the words after "who" or "which"/"what", where the verb asked about is looked for
_AFTER_ASKING = re.compile(r"\b(?:who|which|what)\s+((?:[\w’'-]+\s*){1,5})", re.IGNORECASE)
# "was owned by <the doer>": not a figure, a margin or a manner ("won by 5 points", "by a
# narrow margin", "written by hand")
_PASSIVE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|got|gets|get)\s+(?:\w+ly\s+)?([a-z]+)\s+by\s+"
    r"(?!\d|[$£€]|(?:a|an|the)\s+(?:\w+\s+)?(?:margin|vote|majority|landslide|factor|"
    r"percent|point|points|mile|miles|wide)\b|(?:hand|far|mistake|accident|phone|email|mail|"
    r"then|now|noon|default|design|chance|law|nature|force|post|car|air|sea|rail|"
    r"road)\b)\S")


def asked_deed(question: str) -> str | None:
    """The past participle of the verb a "who"/"which X" question asks the doer of ("Who
    owned the team?": "owned"; "Who wrote it?": "written"), or None where the words after
    the asking words reach an object, a helper verb or the question's end first."""
    m = _AFTER_ASKING.search(question)
    if not m:
        return None
    for word in m.group(1).lower().split():
        if word in _PARTICIPLE:
            return _PARTICIPLE[word]
        if word in _IRREGULAR_PAST or (word.endswith("ed") and len(word) > 4):
            return word
        if re.fullmatch(rf"{_AUX}|{_MODAL}", word) or word in STOPWORDS:
            return None  # "which team did Roe join", "who leads the United Nations"
    return None


def names_the_doer(want: Wanted, text: str) -> bool:
    """Whether the sentence says in the passive who did the deed asked about: "Who owned
    the team?", "The team was owned by five former players" (a doer, named or not)."""
    return bool(want.deed) and any(m.group(1).lower() == want.deed
                                   for m in _PASSIVE.finditer(text))


def _new(value: str, want: Wanted) -> bool:
    """Whether a value says something the question does not (some word of it is new)."""
    words = [w.lower() for w in re.findall(r"[\w'’$£€%.]+", value)]
    return any(w not in want.known and w.strip(".") not in want.known for w in words)


_LOWER_WORD = re.compile(r"(?<![\w’'-])[a-z][a-z’'-]+")


def common_words(texts: list[str]) -> frozenset[str]:
    """The words the texts write in lower case: such a word that opens a sentence
    ("Companies split their stocks") is no name."""
    return frozenset(w for text in texts for w in _LOWER_WORD.findall(text))


def _names(text: str, common: frozenset[str] = frozenset()) -> list[re.Match]:
    """Capitalised names, less a sentence's first words when they are stopwords, or the
    whole when it is one `common` word, and less calendar words."""
    out = []
    for m in _NAME.finditer(text):
        words = m.group().split()
        if m.start() == 0 or text[:m.start()].rstrip().endswith(("“", "\"", "‘", "(")):
            while words and words[0].lower() in STOPWORDS:
                words = words[1:]
            if len(words) == 1 and words[0].lower() in common:
                words = []  # "Companies split ...", but "Bill Gates" stays a name
        if words and not all(w.lower().strip(".") in CALENDAR_WORDS for w in words):
            out.append(m)
    return out


# the recogniser's labels of the names each kind asks for (see entities.py)
ENTITY_LABELS = {"person": frozenset({"PERSON"}), "organisation": frozenset({"ORG"}),
                 "name": frozenset({"WORK_OF_ART", "EVENT", "PRODUCT", "ORG", "LAW"}),
                 "place": frozenset({"GPE", "LOC", "FAC"})}


def answer_score(want: Wanted, text: str, common: frozenset[str] = frozenset(),
                 entities: tuple[tuple[str, str], ...] | None = None) -> float:
    """1 when the sentence holds a new value of the kind asked for, 0.5 for a looser fit
    (a new number where an amount is asked, any new name where a person is), else 0.

    With the sentence's named `entities` (text, label), a name of the kind asked for is
    the recogniser's: a person, organisation or title is one it labels so (1), any other
    new name at most a loose fit; a place the words place ("in", "at" before it) is one
    only where the recogniser also finds a new place in the sentence. (Chosen on the old
    dev halves, tune2, tune3, tune4 and the even quiz questions, with every sentence
    read: must-quote 0.820 -> 0.830 for persons, organisations and titles, -> 0.834 with
    places, no question lost; even quiz containment 0.844 -> 0.859. Places labelled by
    the recogniser alone, without the words: three "where" questions lost.)"""
    score = _score_from_words(want, text, common)
    return score if entities is None else by_entities(want, score, entities, text)


def by_entities(want: Wanted, score: float, entities: tuple[tuple[str, str], ...],
                text: str = "") -> float:
    """`answer_score` of a sentence `text` whose words scored `score`, read with its named
    `entities` (the same, for a kind the recogniser does not read, or a sentence that
    names the doer of the deed asked about)."""
    labels = ENTITY_LABELS.get(want.kind)
    if labels is None or names_the_doer(want, text):
        return score
    named = any(label in labels and _new(name, want) for name, label in entities)
    if want.kind == "place":
        return score if named or score < 1.0 else 0.5
    return 1.0 if named else min(score, 0.5)


def _score_from_words(want: Wanted, text: str, common: frozenset[str]) -> float:
    kind = want.kind
    if kind == "other":  # "which rabbi ...?": "Rabbi Lucy Dinner", "the band Blink-182"
        return 1.0 if want.thing and _named_as_thing(want, text) else 0.0
    if kind in _VALUE or kind in ("penalty", "comparison", "change"):
        return _figure_score(want, text)
    if names_the_doer(want, text):
        return 1.0
    best = 0.0
    for m in _names(text, common):
        if not _new(m.group(), want):
            continue
        before = text[max(0, m.start() - 30):m.start()]
        if kind == "place":
            fits = bool(_PLACE_BEFORE.search(before)) and not _ORG_WORD.search(m.group())
        elif kind == "person":
            fits = (len(m.group().split()) >= 2 or bool(_TITLE_BEFORE.search(before))) \
                and not _ORG_WORD.search(m.group()) and not m.group().isupper()
        else:  # organisation, name
            fits = True
        best = max(best, 1.0 if fits else 0.5)
        if best == 1.0:
            break
    return best


def noun_forms(noun: str) -> str:
    """A pattern of a noun in its singular and plural ("city", "cities"; "show", "shows")."""
    one = noun[:-3] + "y" if noun.endswith("ies") else noun[:-1] \
        if noun.endswith("s") and not noun.endswith(("ss", "us", "is", "ews")) else noun
    return "|".join(map(re.escape, sorted({one, one + "s", one + "es", one[:-1] + "ies", noun})))


@functools.lru_cache(maxsize=64)
def _naming(thing: str) -> tuple[re.Pattern, re.Pattern]:
    """The patterns of a name given to one of a `thing`: right after the noun, a name or a
    number that names one ("Rabbi Lucy Dinner", "engine #3", "Gate No. 4", "in engine 3.";
    a bare number only before a mark or a small word: "engines 4 times" is a count); or
    what it is called ("a condition called long QT syndrome"; not "named to the team",
    "called for calm", "called the plan reckless": a verb and its object)."""
    noun = noun_forms(thing)
    after = re.compile(rf"\b(?i:{noun})\s+([A-Z][\w’'.&-]*(?:\s+[A-Z][\w’'.&-]*)*"
                       r"|(?:#|No\.\s?|(?i:number)\s+)\d+[A-Za-z]?\b"
                       r"|\d+[A-Za-z]?(?=\s*(?:[;:)!?]|[,.](?!\d)|$)|\s+(?:and|or|was|were|is|"
                       r"had|has|in|at|on|of|to|for|with|from)\b))")
    called = re.compile(rf"\b(?i:{noun}),?\s+(?:called|named|known\s+as|dubbed)\s+"
                        r"(?!(?:to|as|by|in|for|after|on|at|of|off|up|out|into|the|a|an|his|"
                        r"her|its|their|him|them|it|this|that|these|those)\b)"
                        r"((?:[\w’'.&-]+\s+){0,3}[\w’'.&-]+)")
    return after, called


def _named_as_thing(want: Wanted, text: str) -> bool:
    """Whether the text names a new one of the thing asked about (`_naming`)."""
    return any(_new(m.group(1), want) for pattern in _naming(want.thing)
               for m in pattern.finditer(text))


def _figure_score(want: Wanted, text: str) -> float:
    kind = want.kind
    if kind == "comparison":
        figures = [m for m in _VALUE["count"].finditer(text) if _new(m.group(), want)]
        return 1.0 if (_CHANGE.search(text) or len(figures) >= 2) else 0.5 if figures else 0.0
    if kind == "change":  # a new share or amount; any other new number is a looser fit
        if any(_new(m.group(), want) for p in ("percent", "money") for m in _VALUE[p].finditer(text)):
            return 1.0
        return 0.5 if any(_new(m.group(), want) for m in _VALUE["count"].finditer(text)) else 0.0
    if kind == "penalty":
        pattern_hits = [m for p in ("money", "duration") for m in _VALUE[p].finditer(text)]
        if any(_new(m.group(), want) for m in pattern_hits) and _PENALTY_WORD.search(text):
            return 1.0
        return 0.5 if _PENALTY_WORD.search(text) else 0.0
    if any(_new(m.group(), want) for m in _VALUE[kind].finditer(text)):
        return 1.0
    loose = "count" if kind in ("money", "percent", "duration") else None
    if kind == "date":
        return 0.0
    if loose and any(_new(m.group(), want) for m in _VALUE[loose].finditer(text)):
        return 0.5
    return 0.0
