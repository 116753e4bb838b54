"""What a question requires that the retrieved passages lack: the evidence that decides
whether the articles answer it at all ("not found"), apart from how well a sentence answers.

- a rare question word no top passage, nor article read whole, holds (`missing_rare_term`;
  an acronym the question writes is held by the words it stands for);
- a year past the corpus, or one no passage holds, and a name no passage holds
  (`missing_evidence`);
- how near the top passages come in meaning (`passage_evidence`).
"""
from __future__ import annotations

import functools
import re
from datetime import date

from embeddings import Hit
from embeddings.query import STOPWORDS

from .answer_types import CALENDAR_WORDS
from .entities import entities
from .evidence import read_whole
from .question import TITLES, Question
from .words import WORD, has_term, stem, words_of


# Verbs that put a question to the articles rather than say what it is about ("what did
# they find", "how will it be used", "what did she tell"): general English, in the forms
# `stem` gives them.
ASKING_VERBS = frozenset(stem(w) for w in """
find use say tell explain describe mention mean know happen cause reveal report claim
think believe expect suggest show note state argue call ask answer respond reply discuss
learn want need plan hope decide""".split())


def missing_rare_term(question: Question, passages: str, idf: dict[str, float],
                      unseen: frozenset[str] = frozenset()) -> float:
    """The rarity (idf) of the rarest question term the passages do not contain, or 0.

    A verb of asking (ASKING_VERBS) that the whole index never uses says how the question
    is put, not what it is about: it does not count. An unseen word's idf is the highest
    there is and grows with the index, so indexing unrelated articles would otherwise turn
    "what did they find" into "not found" wherever no article says "find". Names, numbers
    and other content words the index lacks still count. A lower-case word the passages
    hold as a relative (`_related_held`: "bioethicist", "bioethics") is held, and so is an
    acronym they spell out ("LSE": "the London School of Economics"; `_initials`)."""
    words = words_of(passages)
    prefixes = {w[:RELATED_PREFIX] for w in words if len(w) >= RELATED_PREFIX}
    missing = [t for t in question.terms if not has_term(t, words)
               and not (_written_lower(t, question.text) and _related_held(t, words, prefixes))
               and not (t in unseen and stem(t) in ASKING_VERBS)
               and not _quarter_held(t, words)]
    acronyms = {t for t in missing if _written_as_acronym(t, question.text)}
    if acronyms:
        spelt = _initials(passages) & acronyms
        missing = [t for t in missing if t not in spelt]
    return max((_rarity(t, words, idf, unseen) for t in missing), default=0.0)


def _rarity(term: str, words: set[str], idf: dict[str, float], unseen: frozenset[str]) -> float:
    """A missing term's idf. A hyphenated term no passage of the index writes, some word of
    which the passages hold, is the question's own coinage ("river-height" where they
    hold "river", "Christian-themed"): as rare as its rarest word they lack (`idf` holds
    the words: see `rarity_words`). One none of whose words they hold ("buy-to-let") is a
    thing of its own that they lack."""
    parts = _parts(term)
    held = [p for p in parts if has_term(p, words)]
    if term not in unseen or len(parts) < 2 or not held:
        return idf.get(term, 0.0)
    return max((idf.get(p, 0.0) for p in parts if p not in held), default=0.0)


def _parts(term: str) -> list[str]:
    """The words of a hyphenated term, less the small ones ("buy-to-let": buy, let)."""
    return [p for p in term.split("-") if p and p not in STOPWORDS]


def rarity_words(question: Question) -> list[str]:
    """The words whose idf `missing_rare_term` may need: the question's terms, and the
    words of its hyphenated ones."""
    return list(dict.fromkeys([*question.terms,
                               *(p for t in question.terms if "-" in t for p in _parts(t))]))


def _written_as_acronym(term: str, text: str) -> bool:
    """Whether the question writes the term in capitals, 3-6 letters: an acronym ("LSE")."""
    return 3 <= len(term) <= 6 and term.isalpha() \
        and re.search(rf"\b{term.upper()}\b", text) is not None


# a run of capitalised words on one line, with the small words a body's name holds between
# them (the lookbehind: a capital inside a word starts no run)
_SMALL = ("of", "for", "and", "the", "de", "on")
_NAME_RUN = re.compile(r"(?<![\w’'\-])[A-Z][\w\-]*"
                       rf"(?:[ \t]+(?:(?:{'|'.join(_SMALL)})[ \t]+)?[A-Z][\w\-]*)+")


def _initials(text: str) -> set[str]:
    """The acronyms a text spells out: the initials, lower case, of the first 3-6 words of
    every run of capitalised words ("London School of Economics": lse; a possessive ends a
    run: "Marlow's Hollis Institute" spells hi, not mhi)."""
    out: set[str] = set()
    for m in _NAME_RUN.finditer(text):
        words = [w for w in m.group().split() if w.lower() not in _SMALL]
        for n in range(3, min(len(words), 6) + 1):
            out.add("".join(w[0] for w in words[:n]).lower())
    return out


_QUARTER = re.compile(r"q([1-4])")
_ORDINALS = ("first", "second", "third", "fourth")


def _quarter_held(term: str, words: set[str]) -> bool:
    """A quarter's short form ("Q3") held as words: "the third quarter"."""
    m = _QUARTER.fullmatch(term)
    return m is not None and {stem(_ORDINALS[int(m.group(1)) - 1]), stem("quarter")} <= words


RELATED_PREFIX = 8  # letters a lower-case word shares with its relative ("bioethic-ist/-s")
# a hyphenated word's first part that only modifies the rest ("co-writing": writing, "mid-2020":
# 2020)
_MODIFIER_PARTS = frozenset("co re ex non pre post anti pro self semi multi mid".split())


def _written_lower(term: str, text: str) -> bool:
    """Whether the question writes the term in lower case: a word, not a name."""
    return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text) is not None


def _related_held(term: str, words: set[str], prefixes: set[str]) -> bool:
    """Whether the passages hold a lower-case term as a relative of it: a word of the same
    stem's first RELATED_PREFIX letters ("bioethicist": "bioethics"), or, for a hyphenated
    word whose first part only modifies the rest, the rest ("co-writing": "writing").
    (Only for a word the question writes in lower case: names must be held as they are.)"""
    if not term.isalpha() and "-" not in term:
        return False
    parts = term.split("-")
    if len(parts) > 1 and parts[0] in _MODIFIER_PARTS:
        return all(stem(p) in words for p in parts[1:] if p)
    stemmed = stem(term)
    return "-" not in term and len(stemmed) >= RELATED_PREFIX \
        and stemmed[:RELATED_PREFIX] in prefixes


EVIDENCE_PASSAGES = 3  # the passages whose closeness decides whether the question is answered


def passage_evidence(question: Question, hits: list[Hit], idf: dict[str, float],
                     unseen: frozenset[str] = frozenset()) -> dict[str, float]:
    """How near the top passages come: their best dense similarity to the question, and
    the idf of the rarest question term that they, and the articles read whole (see
    `read_whole`), lack (`missing_rare_term`)."""
    top = hits[:EVIDENCE_PASSAGES]
    return {"passage_similarity": max((h.scores.get("dense", 0.0) for h in top), default=0.0),
            "missing_rare_term_idf": missing_rare_term(
                question, "\n".join([f"{h.article.title}\n{h.text}" for h in top]
                                   + [a.body for _, a in read_whole(hits)]), idf, unseen)}


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# (not a capital inside a word: "iPhone" names no "Phone")
_CAPITALISED = re.compile(r"(?<!\w)[A-Z][\w’'\-]*(?:\s+(?:(?:of|de|the|and)\s+)?[A-Z][\w’'\-]*)*")
NAME_PASSAGES = 5  # a name the question requires must be in one of these (tuned, see below)


_POSSESSIVE_END = re.compile(r"(?<=['’]s)\s+")
_OWNER = re.compile(r"['’]s$")
_JOINING = re.compile(r"^(?:(?:of|de|the|and)\s+)+")  # small words that open a piece


def required_names(text: str) -> list[str]:
    """The capitalised names in a question. A possessive ends a name ("Biden's January":
    "Biden's", "January"). A sentence's first word may be capitalised only for starting it:
    alone it is no name ("Approximately how many..."), nor is it part of one where it is a
    stopword or a small word joins it to the rest ("Ahead of Biden's": "Biden's"); an owner
    that opens it is one ("Biden's January speech": "Biden's", "January")."""
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for m in _CAPITALISED.finditer(sentence):
            at_start = m.start() == 0 or sentence[:m.start()].rstrip().endswith(("“", '"'))
            for i, name in enumerate(_POSSESSIVE_END.split(m.group())):
                starts = at_start and i == 0
                if i:
                    name = _JOINING.sub("", name)
                first, _, rest = name.partition(" ")
                if starts and rest and (first.lower() in STOPWORDS or _JOINING.match(rest)):
                    name, starts = _JOINING.sub("", rest), False
                if name and not (starts and " " not in name and not _OWNER.search(name)):
                    out.append(name)
    return out


def _name_words(name: str) -> list[str]:
    """The words of a name that must appear: not titles, months or days, not short
    acronyms (US, UK: often spelt otherwise), no possessive."""
    words = [re.sub(r"[’']s$", "", w) for w in WORD.findall(name)
             if w.lower() not in TITLES and w.lower() not in STOPWORDS
             and w.lower().strip(".") not in CALENDAR_WORDS]
    # the lowercase part of a hyphenated word is no name ("OnStar-equipped": "OnStar");
    # (the other lowercase words of a name are stopwords, gone already)
    if any(w[:1].isupper() for w in words):
        words = [w for w in words if not w[:1].islower()]
    return [w for w in words if len(w) > 2 and not (w.isupper() and len(w) <= 4)]


def _required(name: str, speaker: str | None = None) -> list[str]:
    """The words of a name as `words_of` spells a passage's; of the speaker's name, only the
    surname: after its first mention an article names a speaker by it ("Iannone said")."""
    words = [stem(w.lower().replace("’", "'")) for w in _name_words(name)]
    if speaker and words and name in speaker:
        return words[-1:]
    return words


def missing_evidence(question: Question, hits: list[Hit],
                     span: tuple[date | None, date | None] = (None, None),
                     read_names: bool = True) -> dict[str, float]:
    """What the question requires that the retrieved passages lack (1.0 each):
    - `missing_year`: a year past the corpus's last date, or one no passage holds (in its
      text or title, or as its article's year or the year after);
    - `missing_name`: a name whose words (a people's name as its country's: `_name_held`)
      no one of the top NAME_PASSAGES passages holds together ("Sun Country" is not held by
      a passage with "sun" and another with "country"), and that no article read whole
      (`WHOLE_ARTICLES`) holds as a phrase. With `read_names`, a name the entity
      recogniser reads as a time in the question ("before Christmas 2022", "on
      Thanksgiving") says when, not what: it is not required.
    NAME_PASSAGES (5, of 3-8 tried) and "every word of the name, in one passage" (against
    "in any of them", "as a phrase", "its last word" or "any word") were chosen on the tune
    halves: the even quiz questions and the tune half of bench/devset-nearmiss.jsonl; the
    articles read whole on both old halves (see `WHOLE_ARTICLES`)."""
    missing_year = 0.0
    last = span[1]
    for year in {int(y) for y in _YEAR.findall(question.text)}:
        held = any(str(year) in h.text or str(year) in h.article.title
                   or (h.article.published and h.article.published.year in (year, year + 1))
                   for h in hits)
        if (last is not None and year > last.year) or not held:
            missing_year = 1.0
            break
    passages = [words_of(f"{h.article.title} {h.text}") for h in hits[:NAME_PASSAGES]]
    read = [f"{a.title}\n{a.body}" for _, a in read_whole(hits)]
    missing_name = 0.0
    for name in required_names(question.text):
        needed = _required(name, question.speaker)
        if needed and not any(all(_name_held(w, words) for w in needed) for words in passages) \
                and not any(_phrase(name, question.speaker).search(text) for text in read) \
                and not (read_names and _may_be_a_time(name, question.speaker)
                         and _a_time(name, question.text)):
            missing_name = 1.0
            break
    return {"missing_year": missing_year, "missing_name": missing_name}


# the last words of a time's name of more than one word ("Christmas Day", "Labor Day weekend")
_TIME_NOUNS = frozenset({"day", "eve", "week", "weekend", "night", "season", "holiday",
                         "holidays"})


def _may_be_a_time(name: str, speaker: str | None) -> bool:
    """Whether a name may say when, and is worth loading the recogniser for (about 0.8 s,
    in a one-shot `ask`): one word ("Christmas"), or words that end in a time's noun
    ("Christmas Day"); never the speaker asked about ("what did Ann Roe say")."""
    words = name.split()
    return not (speaker and name in speaker) and (
        len(words) == 1 or words[-1].lower() in _TIME_NOUNS)


def _a_time(name: str, question: str) -> bool:
    """Whether the recogniser reads the name, in the question, as part of a date or time
    (it is read only here, where a name is missing: most questions never load it)."""
    found = entities([question])
    word = re.compile(rf"\b{re.escape(name)}\b")  # ("Jan" is no part of "January 6")
    return bool(found) and any(label in ("DATE", "TIME") and word.search(text)
                               for text, label in found[0])


_DEMONYM = re.compile(r"(?:an|ese?|ish)$")  # (as the stemmer leaves them: "japanes")


def _name_held(word: str, words: set[str]) -> bool:
    """A name's word as a passage holds it: as it is, or, for a people's name, as its
    country's ("Australian": "Australia", "Japanese": "Japan"), which shares all but its
    last three letters (at least four)."""
    if word in words:
        return True
    if not _DEMONYM.search(word) or len(word) < 6:
        return False
    root = word[:max(4, len(word) - 3)]
    return any(w.startswith(root) for w in words)


@functools.lru_cache(maxsize=256)
def _phrase(name: str, speaker: str | None) -> re.Pattern:
    """A name's required words in their order, one after the other, as a whole article read
    must hold them: its words scattered over a long article ("star" here, "baker" there)
    do not name it."""
    words = _name_words(name)
    if speaker and words and name in speaker:
        words = words[-1:]
    spelt = [re.sub(r"['’]", "['’]", re.escape(w)) for w in words]  # O'Neil, O’Neil
    return re.compile(r"\b" + r"(?:['’]s)?[\W_]+".join(spelt) + r"\b", re.IGNORECASE)
