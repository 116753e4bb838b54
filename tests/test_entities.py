"""The entity recogniser (spaCy's small English model, from its PyPI package) and what it
changes in reading a sentence's answer kind."""
from __future__ import annotations

import pytest

from assistant import entities as entities_module
from assistant.answer_types import answer_score, wanted
from assistant.entities import available, entities

PERSON = "On board is an all-civilian crew under the command of entrepreneur Jared Isaacman."
PROGRAMME = "Kestrel is the first of three flights under the Polaris Programme."


def test_the_recogniser_loads_offline_from_its_package():
    assert available()
    (person,), (programme,) = entities([PERSON]), entities([PROGRAMME])
    assert ("Jared Isaacman", "PERSON") in person
    assert not any(label == "PERSON" for _, label in programme)


def test_a_sentence_is_read_once_and_every_text_gets_its_own_entities():
    texts = [PERSON, PROGRAMME, PERSON]
    first = entities(texts)
    assert first[0] == first[2] and first[0] != first[1]
    assert entities_module._SEEN[PERSON] == first[0]


@pytest.mark.parametrize("question, sentence, score", [
    # a person is one the recogniser labels so; another new name is a loose fit at most
    ("Who commands the Kestrel mission?", PERSON, 1.0),
    ("Who commands the Kestrel mission?", PROGRAMME, 0.5),
    # a place the words place is one only with a place the recogniser finds
    ("Where will the ship be towed?", "It will be towed to Mobile, Alabama, next year.", 1.0),
    ("Where will the ship be towed?", "The ship was built in a Reuters Shipyard deal.", 0.5),
    # an organisation
    ("Which company made the vaccine?", "The vaccine was made by Acme Holdings Inc.", 1.0),
    ("Which company made the vaccine?", "The vaccine was tested in Kenya and Peru.", 0.5),
])
def test_the_kind_of_name_is_the_recognisers(question, sentence, score):
    want = wanted(question)
    (found,) = entities([sentence])
    assert answer_score(want, sentence, entities=found) == score


def test_without_entities_the_words_alone_decide():
    """No recogniser (None): the kind is read from the words, as before; an empty reading
    (a sentence the recogniser was not run on) leaves at most a loose fit."""
    want = wanted("Who commands the Kestrel mission?")
    assert answer_score(want, PROGRAMME) == 1.0  # two capitalised words: a person, by words
    assert answer_score(want, PROGRAMME, entities=()) == 0.5


def test_the_sentence_naming_a_person_wins_a_who_question(encoder):
    """Of two sentences alike in words, the one that names a person answers "who"."""
    from assistant.evidence import Candidate, score
    from assistant.question import analyse

    question = analyse("Who is in command of the Kestrel flight?")
    cands = [Candidate(0, "a1", 0, len(t), t) for t in (PROGRAMME, PERSON)]
    score(question, cands, encoder.encode)
    programme, person = cands
    assert person.scores["answer"] == 1.0 and programme.scores["answer"] == 0.5


def test_with_entities_off_the_recogniser_is_not_asked(encoder, monkeypatch):
    """`NEWSDESK_ENTITIES=off` (an `Assistant` made with entities=False): the words alone
    decide, and the recogniser is never run."""
    from assistant.evidence import Candidate, score
    from assistant.question import analyse

    def no_reading(texts):
        raise AssertionError("the recogniser was asked")

    monkeypatch.setattr("assistant.evidence.entities", no_reading)
    cands = [Candidate(0, "a1", 0, len(PROGRAMME), PROGRAMME)]
    score(analyse("Who is in command of the Kestrel flight?"), cands, encoder.encode,
          read_names=False)
    assert cands[0].scores["answer"] == 1.0


def test_the_assistant_passes_its_entities_setting_on(tmp_path):
    from assistant.session import answerer_for
    from assistant.settings import Settings
    from embeddings import Index

    index = Index.open(tmp_path / "ix", create=True)
    on = answerer_for(index, Settings.load({"index": tmp_path / "ix"}, {}))
    off = answerer_for(index, Settings.load({"index": tmp_path / "ix"}, {"NEWSDESK_ENTITIES": "off"}))
    assert on.entities and not off.entities
