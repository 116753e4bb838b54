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


def test_a_sentence_is_read_once_and_every_text_gets_its_own_entities(monkeypatch):
    nlp = entities_module._pipeline()
    read: list[str] = []
    real_pipe = nlp.pipe

    def counting_pipe(texts, **kwargs):
        texts = list(texts)
        read.extend(texts)
        return real_pipe(texts, **kwargs)

    monkeypatch.setattr(nlp, "pipe", counting_pipe)
    monkeypatch.setattr(entities_module, "_SEEN", {})
    texts = [PERSON, PROGRAMME, PERSON]
    first = entities(texts)
    assert read == [PERSON, PROGRAMME]  # the repeated text read once
    assert first[0] == first[2] and first[0] != first[1]
    assert entities(texts) == first and read == [PERSON, PROGRAMME]  # then from the cache


def test_a_full_cache_starts_again_and_still_answers_every_text(monkeypatch):
    monkeypatch.setattr(entities_module, "_SEEN", {})
    monkeypatch.setattr(entities_module, "_SEEN_AT_MOST", 3)
    entities([PERSON, PROGRAMME])
    found = entities([PERSON, "Ann Roe met Bob Lee in Paris.", "Acme Inc. won."])
    assert ("Jared Isaacman", "PERSON") in found[0] and len(found) == 3


def test_hostile_sentences_are_read_safely():
    """An escape sequence reads as a space (the name stays a person); a "sentence" of
    megabytes is read up to READ_AT_MOST characters, not whole."""
    (escaped,), (huge,) = entities(["\x1b[31mJared Isaacman\x1b[0m spoke."]), \
        entities(["Jared Isaacman spoke. " + "word " * 400_000])
    assert ("Jared Isaacman", "PERSON") in escaped
    assert ("Jared Isaacman", "PERSON") in huge


def test_thinc_is_imported_without_torch_and_torch_still_imports_after():
    import subprocess
    import sys

    code = ("import sys; from assistant.entities import available; assert available(); "
            "assert 'torch' not in sys.modules, 'thinc imported torch'; "
            "import thinc.compat; assert not thinc.compat.has_torch; "
            "import torch; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-800:]


def test_without_the_recogniser_nothing_is_read(monkeypatch):
    monkeypatch.setattr(entities_module, "_loaded", None)
    assert not available() and entities([PERSON]) is None


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
    """Of two sentences alike in words, the one that names a person answers "who", though
    the other, read by its words alone, scores higher."""
    from assistant.evidence import Candidate, score
    from assistant.question import analyse

    question = analyse("Who is in command of the Kestrel flight?")
    texts = ("The Kestrel flight is under the command of the Polaris Programme.",
             "The Kestrel crew is under the command of Jared Isaacman.")
    cands = [Candidate(0, "a1", 0, len(t), t) for t in texts]
    score(question, cands, encoder.encode, read_names=False)
    by_words = [c.scores["total"] for c in cands]
    assert by_words[0] > by_words[1]  # by their words, the programme's sentence wins
    score(question, cands, encoder.encode)
    programme, person = cands
    assert person.scores["answer"] == 1.0 and programme.scores["answer"] == 0.5
    assert person.scores["total"] > programme.scores["total"]


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


def test_the_assistant_reads_names_as_its_setting_says(shared_index, monkeypatch):
    from assistant.session import answerer_for
    from assistant.settings import Settings

    asked: list[int] = []
    real = entities_module.entities

    def counting(texts):
        asked.append(len(texts))
        return real(texts)

    monkeypatch.setattr("assistant.evidence.entities", counting)
    question = "Who met the Russian foreign minister?"
    for environ, reads in (({"NEWSDESK_ENTITIES": "off"}, False), ({}, True)):
        asked.clear()
        answerer_for(shared_index, Settings.load({}, environ)).ask(question)
        assert bool(asked) == reads, environ


def test_a_warm_session_loads_the_recogniser_where_the_settings_use_it(shared_index, monkeypatch):
    """The chat and the servers (warm sessions) load it at start, not on the first question
    that asks for a name; with NEWSDESK_ENTITIES=off, never."""
    from assistant.session import start_session
    from assistant.settings import Settings

    loads: list[bool] = []
    monkeypatch.setattr(entities_module, "available", lambda: loads.append(True) or True)
    for environ, loaded in (({"NEWSDESK_ENTITIES": "off"}, []), ({}, [True])):
        loads.clear()
        settings = Settings.load({"index": shared_index.path}, environ)
        session = start_session(settings, warm=True)
        session.close()
        assert loads == loaded, environ
