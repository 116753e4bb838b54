"""Missing evidence: years and names a question requires that the passages do not hold."""
from __future__ import annotations

import pytest


def _hit(title: str, text: str, published: str = "2022-05-01"):
    from datetime import date

    from embeddings import Article, Hit

    article = Article(title=title, url="https://m.example/1", body=text,
                      published=date.fromisoformat(published))
    return Hit(1, article, 0, len(text), text, 1.0, {})



@pytest.mark.parametrize("question, year, name", [
    ("Who won the Tour de France in 2022?", 0.0, 0.0),
    ("Who won the Tour de France in 2031?", 1.0, 0.0),  # past the corpus's last date
    ("Who won the Tour de France in 2015?", 1.0, 0.0),  # no passage holds that year
    ("What did Jonas Vingegaard say after the Tour de France?", 0.0, 0.0),
    ("What did Tadej Pogacar say after the Tour de France?", 0.0, 1.0),  # a swapped name
    ("Approximately how many riders started the Tour de France?", 0.0, 0.0),
])
def test_missing_evidence(question, year, name):
    from datetime import date

    from assistant.missing import missing_evidence
    from assistant.question import analyse

    hits = [_hit("Vingegaard wins the Tour de France",
                 "Jonas Vingegaard won the 2022 Tour de France on Sunday, 176 riders started.")]
    found = missing_evidence(analyse(question), hits, (date(2012, 1, 1), date(2026, 6, 1)))
    assert (found["missing_year"], found["missing_name"]) == (year, name)



def test_a_name_that_says_when_is_not_required():
    """"before Christmas 2022" says when: the passages need not hold "Christmas" (the
    recogniser reads it as a date); without the recogniser it is required, as before."""
    from datetime import date

    from assistant import entities
    from assistant.missing import missing_evidence
    from assistant.question import analyse

    if not entities.available():
        pytest.skip("the entity recogniser is not installed")
    hits = [_hit("Spending bill passes", "The House passed the $1.7 trillion bill on Friday, "
                 "with $45 billion for Ukraine.", "2022-12-23")]
    question = analyse("How much aid for Ukraine was in the bill the House passed just "
                       "before Christmas 2022?")
    span = (date(2012, 1, 1), date(2026, 6, 1))
    assert missing_evidence(question, hits, span)["missing_name"] == 0.0
    assert missing_evidence(question, hits, span, read_names=False)["missing_name"] == 1.0
    swapped = analyse("How much aid for Ukraine was in the bill Senator Ann Roe passed?")
    assert missing_evidence(swapped, hits, span)["missing_name"] == 1.0
    # a one-word name the recogniser reads, and not as a time, is still required
    moved = analyse("How much aid for Ukraine was in the bill the House passed in Geneva?")
    assert missing_evidence(moved, hits, span)["missing_name"] == 1.0


@pytest.mark.parametrize("name, speaker, worth", [
    ("Christmas", None, True), ("Christmas Day", None, True),
    ("Christmas Eve", None, True),
    ("Ann Roe", None, False),  # a person's name: the recogniser is not loaded for it
    ("Roe", "Ann Roe", False),  # the speaker asked about
])
def test_the_recogniser_is_loaded_only_for_a_name_that_may_say_when(name, speaker, worth):
    from assistant.missing import _may_be_a_time

    assert _may_be_a_time(name, speaker) is worth


def test_a_name_must_be_held_together_by_one_passage():
    from datetime import date

    from assistant.missing import missing_evidence
    from assistant.question import analyse

    hits = [_hit("Airline merger", "Spirit Airlines agreed to merge with Frontier Airlines."),
            _hit("Flights", "The sun rose as the last flights landed."),
            _hit("Delays", "Flights across the country were delayed.")]
    span = (date(2012, 1, 1), date(2026, 6, 1))
    swapped = missing_evidence(analyse("How much was the merger with Sun Country worth?"), hits, span)
    held = missing_evidence(analyse("How much was the merger with Frontier Airlines worth?"), hits,
                            span)
    assert swapped["missing_name"] == 1.0 and held["missing_name"] == 0.0



def test_a_speaker_is_required_by_surname_alone():
    from datetime import date

    from assistant.missing import missing_evidence
    from assistant.question import analyse

    hits = [_hit("Record auction", "“We are proud of the record,” Iannone said of the auction."),
            _hit("Lunch", "The charity lunch raised money for the shelter.")]
    span = (date(2012, 1, 1), date(2026, 6, 1))
    said = missing_evidence(analyse("What did CEO Jamie Iannone say about the auction?"), hits,
                            span)
    other = missing_evidence(analyse("What did CEO Jamie Quinn say about the auction?"), hits,
                             span)
    assert said["missing_name"] == 0.0 and other["missing_name"] == 1.0



def test_an_article_read_whole_holds_a_name_as_a_phrase_not_as_scattered_words():
    from datetime import date

    from assistant.missing import missing_evidence
    from assistant.question import analyse
    from embeddings import Article, Hit

    body = ("Bakers met in a tent on Tuesday. The first round went well.\n\n"
            "Later the judges praised Mira Castell, who ran the tent's kitchen. A star rose "
            "over the tent and a baker laughed.")
    article = Article(title="Bake-off returns", url="https://m.example/b", body=body,
                      published=date(2022, 5, 1))
    hits = [Hit(1, article, 0, 58, body[:58], 1.0, {})]  # the passage: the first paragraph
    span = (date(2012, 1, 1), date(2026, 6, 1))
    named = missing_evidence(analyse("What did the judges say about Mira Castell?"), hits, span)
    scattered = missing_evidence(analyse("Who was named Star Baker in the tent?"), hits, span)
    hyphened = missing_evidence(analyse("How many Castell-trained bakers were there?"), hits,
                                span)
    assert named["missing_name"] == 0.0 and hyphened["missing_name"] == 0.0
    assert scattered["missing_name"] == 1.0


def test_a_capital_inside_a_word_is_no_name_the_passages_must_hold():
    """"iPhone" names no "Phone": a passage about the iPhone plant holds every name asked."""
    from datetime import date

    from assistant.missing import missing_evidence, required_names
    from assistant.question import analyse

    question = "How did the company explain the dispute at its Marlow iPhone plant?"
    assert required_names(question) == ["Marlow"]
    hits = [_hit("Workers protest at Marlow plant",
                 "Workers at the Marlow plant, which makes iPhones, protested on Tuesday.")]
    assert missing_evidence(analyse(question), hits,
                            (date(2012, 1, 1), date(2026, 6, 1)))["missing_name"] == 0.0


@pytest.mark.parametrize("passages, held", [
    ("Nadia Brook, a professor at the Hollis School of Design, said the vote was close.", True),
    ("Nadia Brook, a professor at the Hollis Institute, said the vote was close.", False),
    ("Nadia Brook, a professor, said the hollis school of design vote was close.", False),
    # initials only from a run's start, and no run across a line or a possessive
    ("Nadia Brook said. The Marlow Hollis School of Design held the vote.", False),
    ("Nadia Brook of Hollis\nSchool Design Days said the vote was close.", False),
    ("Nadia Brook, of Hollis's School Design, said the vote was close.", False),
])
def test_an_acronym_is_held_by_the_words_it_stands_for(passages, held):
    """A question's acronym ("HSD") that the passages spell out, capitalised ("the Hollis
    School of Design"), is held; initials of other words, or of words not written as a
    name, are not."""
    from assistant.missing import missing_rare_term
    from assistant.question import analyse

    question = analyse("Why did HSD professor Nadia Brook say the vote was close?")
    idf = {"hsd": 11.0}
    assert (missing_rare_term(question, passages, idf) == 0.0) is held


@pytest.mark.parametrize("question, names", [
    ("Ahead of Ann Roe's March visit, what did Tom Lind say?", ["Ann Roe's", "March", "Tom Lind"]),
    ("Approximately how many riders started?", []),
    ("The Tour de France ended where?", ["Tour de France"]),
    ("What did Bank of Marlow say?", ["Bank of Marlow"]),
    ("Where did Ann Roe's dog go?", ["Ann Roe's"]),
    ("Ann Roe's March visit: what did Tom Lind say?", ["Ann Roe's", "March", "Tom Lind"]),
    ("Roe's March visit: what happened?", ["Roe's", "March"]),
])
def test_the_names_a_question_requires(question, names):
    """A possessive ends a name; a sentence's first word is no part of one where it is a
    stopword or a small word joins it to the rest ("Ahead of Ann Roe's" is Ann Roe's)."""
    from assistant.missing import required_names

    assert required_names(question) == names


def test_reading_names_and_acronyms_stays_fast_on_hostile_text():
    """A long capitalised token, a long run of names, a long run of spaces: each read once,
    without backtracking (the whole test takes milliseconds)."""
    from assistant.missing import _initials, required_names

    assert _initials("A" + "b" * 20000) == set()
    assert _initials("Abc " * 5000) == {"aaa", "aaaa", "aaaaa", "aaaaaa"}
    assert len(required_names("A" + " " * 20000 + "B")) == 1


def test_a_hyphenated_coinage_is_as_rare_as_its_word_the_passages_lack():
    """"river-height", which no passage of the index writes, is missing only as rare as
    "height" where the passages hold "river"; "buy-to-let", none of whose words they hold,
    is missing whole."""
    from assistant.missing import missing_rare_term, rarity_words
    from assistant.question import analyse

    q = analyse("What river-height record did the storm break?")
    assert set(rarity_words(q)) >= {"river-height", "river", "height"}
    idf = {"river-height": 11.0, "river": 4.0, "height": 5.0, "record": 3.0, "storm": 3.0,
           "break": 3.0}
    passage = "The river rose to 25 feet, breaking the record set by the last storm."
    assert missing_rare_term(q, passage, idf, frozenset({"river-height"})) == 5.0
    assert missing_rare_term(q, passage, idf) == 11.0  # a term the index writes: as before
    let = analyse("How much would buy-to-let landlords pay?")
    idf = {"buy-to-let": 11.0, "buy": 4.0, "let": 4.0, "landlords": 5.0, "pay": 3.0}
    assert missing_rare_term(let, "Landlords pay more to lenders.", idf,
                             frozenset({"buy-to-let"})) == 11.0


def test_a_rare_word_held_as_its_relative_is_not_missing():
    """"bioethicist" where the passage says "bioethics professor", "co-writing" where it
    says "writing": the word is there; a name is held only as it is written."""
    from assistant.missing import missing_rare_term
    from assistant.question import analyse

    idf = {"bioethicist": 11.0, "co-writing": 9.0, "bioethicsville": 11.0}
    passage = "The bioethics professor said he is writing a film."
    assert missing_rare_term(analyse("What did the bioethicist say?"), passage, idf) == 0.0
    assert missing_rare_term(analyse("Who is co-writing the film?"), passage, idf) == 0.0
    assert missing_rare_term(analyse("What did Bioethicsville say?"), passage, idf) == 11.0
    # a quarter's short form by its words
    idf = {"q3": 9.0}
    said = "Sales rose in the third quarter."
    assert missing_rare_term(analyse("What did she say about Q3 sales?"), said, idf) == 0
    assert missing_rare_term(analyse("What did she say about Q3 sales?"), "Sales rose.", idf) == 9
    # "mid-2020" is held by 2020, "mid-2021" is not
    idf = {"mid-2020": 9.0, "mid-2021": 9.0}
    dated = "Prices rose after June 2020."
    assert missing_rare_term(analyse("How much did prices rise since mid-2020?"), dated, idf) == 0
    assert missing_rare_term(analyse("How much did prices rise since mid-2021?"), dated, idf) == 9


def test_a_peoples_name_is_held_by_its_countrys():
    """"his Australian restaurant" where the article says "in Australia": the name is
    there; a name that is no people's must be held as it is."""
    from assistant.words import words_of as _words
    from assistant.missing import _name_held

    assert _name_held("australian", _words("A restaurant in Melbourne, Australia."))
    assert _name_held("japanes", _words("He flew to Japan."))
    assert not _name_held("australian", _words("A restaurant in Melbourne."))
    assert not _name_held("sunbury", _words("The sun rose over Sunderland."))
