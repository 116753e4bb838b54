"""Questions that ask for someone's words: who the speaker is, and which sentences are theirs."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("question, speaker, surname", [
    ("How did J.D. Power's Mike Taylor explain the rankings?", "J.D. Power's Mike Taylor", "taylor"),
    ("What did White House chief of staff Ron Klain tell staff?",
     "White House chief of staff Ron Klain", "klain"),
    ("What did state police Col. Nathaniel McQueen Jr. say about the trooper?",
     "state police Col. Nathaniel McQueen Jr", "mcqueen"),
    ("Why did analyst Mary Johnson tell the paper that it matters?", "analyst Mary Johnson",
     "johnson"),
    ("How did the agency's chief characterize the report?", "the agency's chief", "agency's"),
    ("Whom did state Sen. Ann Roe blame for the failures?", "state Sen. Ann Roe", "roe"),
    ("How did Ada Kryst answer the final question?", "Ada Kryst", "kryst"),
])
def test_whose_words_a_question_asks_for(question, speaker, surname):
    from assistant.question import analyse

    q = analyse(question)
    assert q.speaker == speaker and q.speaker_keys[0] == surname
    assert q.wants.kind == "other"  # a "said" question asks for words, not a value



@pytest.mark.parametrize("question, speaker", [
    ("What was Jane Roe's reaction to the vote?", "Jane Roe"),
    ("What was the governor's response to the flooding?", "the governor"),
    ("What reason did Tom Hale give for delaying the launch?", "Tom Hale"),
    ("What warning did the city council issue about the water?", "the city council"),
    ("What did Anna Berg urge lawmakers to do?", "Anna Berg"),
    ("What did Paul Ford have to say about the election?", "Paul Ford"),
    ("What was the cause of the fire and what was the company's response?", "the company"),
    # nouns that look like reporting verbs are not read as verbs
    ("What did the note say?", "the note"),
    ("What did Ohio State Rep. Ann Lee say about the maps?", "Ohio State Rep. Ann Lee"),
    ("What was the reason for the delay?", None),
    ("What was the company's revenue in 2019?", None),
    ("What was Apple's posted revenue?", None),
    ("What has Tesla posted in quarterly profit?", None),
    ("What message did the flag send?", None),
    ("According to the report, what caused the crash?", None),
    ("What worry did Ana Roe of Open Net raise about the apps?", "Ana Roe of Open Net"),
    ("What concerns did the mayor express about the plan?", "the mayor"),
    # a passive reporting verb has no speaker for its subject
    ("What was the vote when the judge was confirmed to the court?", None),
    ("What was the envoy told about the talks?", None),
])
def test_other_ways_of_asking_for_someones_words(question, speaker):
    from assistant.question import analyse

    q = analyse(question)
    assert q.speaker == speaker
    if speaker is not None:
        assert q.wants.kind == "other"



def test_a_source_named_by_according_to_keeps_the_figure_asked_for():
    """The source of a figure is no speaker whose words are wanted: the sentence with the
    figure need not name them. The source of a reason ("according to X, why") is."""
    from assistant.question import analyse

    for question in ("How many homes were sold last year, according to Land Registry?",
                     "According to Ann Roe, how many ships sank?"):
        q = analyse(question)
        assert q.speaker is None and q.wants.kind == "count"



@pytest.mark.parametrize("question, speaker", [
    ("What was Maria Lopez quoted as saying about the strike?", "Maria Lopez"),
    ("What was said by the union leader?", "the union leader"),
    ("What message did Maria Lopez have for the strikers?", "Maria Lopez"),
    ("What were Maria Lopez's words to the strikers?", "Maria Lopez"),
    ("What was the deal quoted at?", None),  # a price, not a speaker
    ("What impact did the storm have?", None),
])
def test_quoted_and_said_by_name_the_speaker(question, speaker):
    from assistant.question import analyse

    assert analyse(question).speaker == speaker



@pytest.mark.parametrize("question, surname", [
    ("What did Mary Quill of the Senior Readers League say about the cuts?", "quill"),
    ("What did astronomer Lena Park of the University of Ulm say about the comet?", "park"),
    ("What did Central Bank chief economist Ivo Dane say about rates?", "dane"),
    ("What did Harbor Airlines say about the delays?", "harbor"),
    ("What did Vance reportedly tell the players?", "vance"),
    ("What did Ann Roe of Goldman Sachs say about rates?", "roe"),
    ("What did agency co-chair Jörg Pähler say about the report?", "pähler"),
    # a body's name, with an "of" inside it, before the role and the person
    ("Why did Marlow Division of Parks spokesperson Ida Brook say the lake closed?", "brook"),
    ("How did Essex County Sheriff Tom Vale defend the search?", "vale"),
    ("What did Sen. Ann Roe, R-Ohio, say about the bill?", "roe"),
    ("What did the Health Department say about the outbreak?", "health"),
])
def test_the_speakers_own_name_leads_their_keys(question, surname):
    from assistant.question import analyse

    assert analyse(question).speaker_keys[0] == surname



@pytest.mark.parametrize("question", ["Who did the Rovers beat in the final?",
                                      "Who is the man who said it?"])
def test_a_question_asking_for_no_ones_words(question):
    from assistant.question import analyse

    assert analyse(question).speaker is None



@pytest.mark.parametrize("question, speaker, surname", [
    ("What did the Harbour League's Ann Roe warn could happen?",
     "the Harbour League's Ann Roe", "roe"),
    ("According to Ann Roe, why did the plan fail?", "Ann Roe", "roe"),
    # the body, a role no title list holds, then the person
    ("According to Harbour State University geologist Ann Roe, what is the risk of a flood?",
     "Harbour State University geologist Ann Roe", "roe"),
    # a role word before a body's name is no role of the person's
    ("What did botanist Ann Roe of Friends for Green Harbours say about the trees?",
     "botanist Ann Roe of Friends for Green Harbours", "roe"),
    # "and" joins two speakers: no role between a body and a person
    ("According to Ann Roe and Tom Dunn, why did the plan fail?", "Ann Roe", "roe"),
])
def test_the_person_after_a_bodys_name_and_the_source_of_a_why(question, speaker, surname):
    from assistant.question import analyse

    q = analyse(question)
    assert q.speaker == speaker and q.speaker_keys[0] == surname



def test_a_bodys_spokesperson_is_the_spokesperson_a_sentence_names():
    from assistant.speakers import is_speaker
    from assistant.question import analyse

    q = analyse("What did Nordline's spokesperson say about the delays?")
    assert is_speaker(q, "the spokesperson")
    assert not is_speaker(analyse("What did Nordline's harbour office say?"), "the office")


def test_a_speaker_with_a_long_run_of_capitals_reads_quickly():
    """A run of capitals after a role word, then a mark no name holds: one way to read it
    (it once took seconds, doubling with each capital)."""
    from assistant.question import analyse

    q = analyse("What did a reporter " + "QWERTYUIOPASDFGHJKLZXCVBNM" * 2 + "! say?")
    assert q.speaker and q.speaker_keys


def test_a_reporting_word_after_an_article_is_no_speakers_verb():
    """"what is the compound that gets the blame": "blame" is a noun there, and nobody's
    words are asked for; "what did the coach say" still asks for the coach's."""
    from assistant.question import analyse

    assert analyse("What is the compound in bread that gets the blame for it?").speaker is None
    assert analyse("What did the team's coach say about the loss?").speaker == "the team's coach"
    # a reporting word as often a noun, after an article and a word inside the question
    assert analyse("Why did the singer put off the big reveal she teased?").speaker is None
    assert analyse("What did the spokesman call the decision?").speaker == "the spokesman"
