"""Speech attribution: who speaks in each sentence of an article."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from assistant.attribution import attribute
from embeddings.sentences import sentence_spans

STORY = (
    "The city council voted to ban plastic bags. “This is a great day for the city,” said "
    "Mayor Jane Roe. “We will keep going.”\n\n"
    "Critics were not convinced. Tom Hale, who runs a grocery store, said the ban would hurt "
    "small shops. “It’s a disaster,” he said.\n\n"
    "The agency’s chair Maria Keller told reporters the rules take effect in March. "
    "According to Keller, fines will start at $500.\n\n"
    "\"The roads will reopen by Wednesday,\" the transport chief said. Lavrov was quoted as "
    "saying that talks were over. \"Our president and his team have said we are ready,\" "
    "TASS quoted Lavrov as saying. In a statement, the company said it was reviewing it.")


def _speech() -> dict[str, tuple[str, ...]]:
    spans = sentence_spans(STORY)
    return {STORY[s:e]: a.speakers for (s, e), a in zip(spans, attribute(STORY, spans))}


@pytest.mark.parametrize("sentence, speaker", [
    ("“This is a great day for the city,” said Mayor Jane Roe.", "Mayor Jane Roe"),
    ("“We will keep going.”", "Mayor Jane Roe"),  # the quotation goes on
    ("Tom Hale, who runs a grocery store, said the ban would hurt small shops.", "Tom Hale"),
    ("“It’s a disaster,” he said.", "Tom Hale"),  # the pronoun, resolved
    ("The agency’s chair Maria Keller told reporters the rules take effect in March.",
     "The agency’s chair Maria Keller"),
    ("According to Keller, fines will start at $500.", "Keller"),
    ("\"The roads will reopen by Wednesday,\" the transport chief said.", "the transport chief"),
    ("Lavrov was quoted as saying that talks were over.", "Lavrov"),
    # a verb of speech inside the quotation is not the attribution
    ("\"Our president and his team have said we are ready,\" TASS quoted Lavrov as saying.",
     "Lavrov"),
    ("In a statement, the company said it was reviewing it.", "the company"),
])
def test_the_speaker_of_each_sentence(sentence, speaker):
    assert speaker in _speech()[sentence]


def test_sentences_without_speech_have_no_speaker():
    speech = _speech()
    assert speech["The city council voted to ban plastic bags."] == ()
    assert speech["Critics were not convinced."] == ()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab Cd“”\"',.said he she Roe\n")), max_size=300))
def test_attribution_reads_any_text(text):
    spans = sentence_spans(text)
    assert len(attribute(text, spans)) == len(spans)


def test_calling_something_a_quotation_is_speech_and_a_pronoun_takes_its_own_sentences_name():
    text = ("The report’s authors said the damage was wide. Ana Ruiz called the report “a "
            "damning indictment,” and she warned that delay was costly. A group called "
            "“Friends of the Shore” protested. The minister described the plan as “reckless.”")
    spans = sentence_spans(text)
    speakers = [a.speaker for a in attribute(text, spans)]
    assert speakers == ["The report’s authors", "Ana Ruiz", None, "The minister"]


SPEECHES = (
    "The league fined the club on Friday.\n\n"
    "“We accept it,” midfielder Nora Vance said after training.\n\n"
    "“It was a hard week for everyone. Nobody wanted this. We will learn from it.”\n\n"
    "“The fine is fair,” tweeted Oslo-based analyst and author Per Lind.\n\n"
    "“The pitch was flooded,” Karl Ode, the club’s groundsman told a local paper.\n\n"
    "“Our Northern Stadium is under water,” he said.\n\n"
    "“Earlier today we had a power cut,” it said in a statement.\n\n"
    "“The league acted too fast,” said then-Sen. Ida Berg.\n\n"
    "Following Sweden’s decision, he left. “It was the right call,” he said.")


def _speakers_of(text: str) -> dict[str, str | None]:
    spans = sentence_spans(text)
    return {text[s:e]: a.speaker for (s, e), a in zip(spans, attribute(text, spans))}


@pytest.mark.parametrize("sentence, speaker", [
    # a role without an article before the name, before or after the verb
    ("“We accept it,” midfielder Nora Vance said after training.", "midfielder Nora Vance"),
    ("“The fine is fair,” tweeted Oslo-based analyst and author Per Lind.",
     "Oslo-based analyst and author Per Lind"),
    ("“The league acted too fast,” said then-Sen. Ida Berg.", "then-Sen. Ida Berg"),
    # an appositive that the verb follows without a closing comma
    ("“The pitch was flooded,” Karl Ode, the club’s groundsman told a local paper.", "Karl Ode"),
    # "he" is the last person named outside a quotation, not a name inside it
    ("“Our Northern Stadium is under water,” he said.", "Karl Ode"),
    # "it said": some body speaks, and which is not said: no one's words in particular
    ("“Earlier today we had a power cut,” it said in a statement.", None),
    # a participle and a possessive opening a sentence are no person to be "he"
    ("“It was the right call,” he said.", "Ida Berg"),
])
def test_speakers_named_in_the_shapes_news_writes(sentence, speaker):
    assert _speakers_of(SPEECHES)[sentence] == speaker


def test_a_quotation_over_several_sentences_is_its_speakers_throughout():
    # a quotation over two paragraphs (the first left open, as news writes it), named only
    # at its end, after another speaker's words
    text = ("“We lost,” Tom Hale said.\n\n"
            "“We played badly. Nobody ran. I am angry.\n\n"
            "“The fans deserve more,” coach Ann Moss said.\n\n"
            "Moss went on. “The board agrees.\n\n"
            "“We start again on Monday.”")
    spans = sentence_spans(text)
    speakers = _speakers_of(text)
    assert len(spans) >= 7  # the sentences of the open paragraph stay apart
    for sentence in ["“We played badly.", "Nobody ran.", "I am angry.",
                     "“The fans deserve more,” coach Ann Moss said."]:
        assert speakers[sentence] == "coach Ann Moss", sentence
    assert speakers["“We lost,” Tom Hale said."] == "Tom Hale"
    assert speakers["“We start again on Monday.”"] == "Moss"


def test_a_run_of_spaces_in_a_sentence_reads_quickly_and_names_no_one():
    text = "“Yes,” " + ("Abc" + " " * 40) * 50 + "x said."
    assert len(attribute(text, sentence_spans(text))) >= 1  # (once minutes of backtracking)


def test_who_a_description_names_and_who_is_a_person():
    from assistant.attribution import person_names

    text = ("Kremlin spokesman Dmitry Peskov spoke first. “No,” the Kremlin said. "
            "“Yes,” the spokesman said.")
    assert list(_speakers_of(text).values())[1:] == ["the Kremlin", "the spokesman Dmitry Peskov"]
    assert person_names("Ted Cruz met John Reilly and Deng Xiaoping.") == [
        "Ted Cruz", "John Reilly", "Deng Xiaoping"]
    assert person_names("Following Russia’s invasion, Boris Johnson’s aides left.") == [
        "Boris Johnson"]


def test_the_allies_of_a_speaker_are_not_the_speaker():
    from assistant.speakers import speaker_score
    from assistant.question import analyse

    text = "“It was theft,” allies of Ivo Dane said on Monday."
    spans = sentence_spans(text)
    speech = attribute(text, spans)[0]
    assert speaker_score(analyse("What did Ivo Dane say about the vote?"), text, speech) == -1.0


def test_a_quotation_with_mixed_marks_is_still_a_quotation():
    text = '“The vote was rigged, Mayor Olsen said," Rita Holm said on Monday.'
    assert list(_speakers_of(text).values()) == ["Rita Holm"]


def test_a_speaker_described_by_role_is_the_person_last_named_with_it():
    text = ("Opposition leader Ada Krol called the vote a farce. Lawmakers left early.\n\n"
            "“It will not last,” the opposition leader told reporters.\n\n"
            "“We will see,” the minister said.")
    speakers = _speakers_of(text)
    assert speakers["“It will not last,” the opposition leader told reporters."] == \
        "the opposition leader Ada Krol"
    assert speakers["“We will see,” the minister said."] == "the minister"  # no minister named


def test_one_giant_word_is_read_at_once():
    text = "It began. " + "x" * 100_000 + " said Jane Roe. Then she left."
    spans = sentence_spans(text)
    assert len(attribute(text, spans)) == len(spans)  # (once minutes of backtracking)


def test_a_sentence_that_only_says_who_spoke_is_quoted_with_the_words_before_it():
    from assistant.evidence import Candidate, needs_lead_in
    from assistant.question import analyse

    body = "“How good a game was that?” Coach Ann Moss said. The team flew home."
    spans = sentence_spans(body)
    assert [body[s:e] for s, e in spans][:2] == ["“How good a game was that?”",
                                                 "Coach Ann Moss said."]
    (s0, e0), (s1, e1), (s2, e2) = spans
    tail = Candidate(0, "a", s1, e1, body[s1:e1], previous=(s0, e0), previous_text=body[s0:e0],
                     lead_in=(s0, e0))
    plain = Candidate(0, "a", s2, e2, body[s2:e2], previous=(s1, e1), previous_text=body[s1:e1],
                      lead_in=(s1, e1))
    question = analyse("What did the coach say about the game?")
    assert needs_lead_in(question, tail) and tail.lead_in[0] == s0
    assert not needs_lead_in(question, plain)


def test_it_said_is_the_body_named_last():
    """"...," it said: the words are the body's that a sentence before named, as the
    subject (a name the text writes inside a sentence too) or by an organisation's word;
    with none named, nobody's in particular, and "Critics" opening a sentence is no body."""
    text = ("Passengers of Nordline waited for hours.\n\n"
            "Nordline suffered long delays on Monday, soon after it announced a merger.\n\n"
            "“Earlier today we had a power cut,” it said in a statement.\n\n"
            "Shares of the Baltic Ferry Company fell.\n\n"
            "“We are sorry,” it said.")
    speakers = _speakers_of(text)
    assert speakers["“Earlier today we had a power cut,” it said in a statement."] == "Nordline"
    team = "The Nordline Rovers lost again.\n\n“We will fight on,” the team said."
    assert _speakers_of(team)["“We will fight on,” the team said."] == "the team Nordline Rovers"
    assert speakers["“We are sorry,” it said."] == "Baltic Ferry Company"
    unnamed = "Critics were not convinced.\n\n“We had a power cut,” it said."
    assert _speakers_of(unnamed)["“We had a power cut,” it said."] is None


def test_it_said_after_a_one_word_speaker_is_that_speaker():
    """"Velko said ... ¶ “...,” it said": the one-word speaker named since the last body
    (a name no person was named by), not the holiday named before it."""
    text = ("Workers had to stay through the Spring Festival holiday.\n\n"
            "In a statement Thursday, Velko said it understood the concerns.\n\n"
            "“We apologize for an input error,” it said.")
    assert _speakers_of(text)["“We apologize for an input error,” it said."] == "Velko"
    person = ("Ivo Dane spoke first. Dane said the plan would fail.\n\n"
              "“We apologize,” it said.")
    assert _speakers_of(person)["“We apologize,” it said."] is None


def test_a_role_with_the_persons_name_beside_it_and_a_name_before_a_role():
    """"The nominee in Ohio, Ann Roe, has said ...": the role and the name; "..., Ann Roe,
    communications director at the council told ...": Roe, not the role after her name."""
    speakers = _speakers_of(
        "The Republican nominee in Ohio, Ann Roe, has said that the vote was “rigged.”\n\n"
        "“The tide rises 2 meters,” depending on the hour, Jane Gardner, communications "
        "director at the Climate Board told reporters.")
    assert speakers["The Republican nominee in Ohio, Ann Roe, has said that the vote was "
                    "“rigged.”"] == "The Republican nominee in Ohio Ann Roe"
    assert speakers["“The tide rises 2 meters,” depending on the hour, Jane Gardner, "
                    "communications director at the Climate Board told reporters."] \
        == "Jane Gardner"


def test_a_name_then_a_role_and_what_that_is():
    """"Ida Bram, president of the Harbor Guild, the union for its 9,000 pilots, said ...":
    Bram speaks, not the union the second part describes."""
    from assistant.attribution import attribute
    from embeddings.sentences import sentence_spans

    text = ("Ida Bram, president of the Harbor Guild, the union for its 9,000 pilots, said "
            "the job has become grueling.")
    assert attribute(text, sentence_spans(text))[0].speaker == "Ida Bram"


def test_readings_that_keep_the_speaker_they_had():
    """A quotation reopened with a straight mark in a new paragraph is still the speaker's;
    "it said" is no capitalised common noun that spoke ("Analysts said"); a sentence about
    "he" leaves the person it names to "she"; a role's name beside it only where it is a
    name alone; a name after a preposition and a quantifier's role are no name and role."""
    reopened = _speakers_of('Ann Lee leads the team.\n\n"We will win.\n\n"More work is '
                            'ahead," she said.')
    assert reopened['"We will win.'] == reopened['"More work is ahead," she said.'] == "Ann Lee"
    analysts = "Apple unveiled a phone. Analysts said demand is strong.\n\n“We won,” it said."
    assert _speakers_of(analysts)["“We won,” it said."] != "Analysts"
    she = _speakers_of("Ivo Dane spoke first.\n\nHe introduced his successor, Ida Bram.\n\n"
                       "“I am honoured,” she said.")
    assert she["“I am honoured,” she said."] == "Ida Bram"
    assert list(_speakers_of("The company, led by Jane Roe, said it would.").values()) == [
        "The company"]
    assert list(_speakers_of("Unlike Joe Biden, most Republicans said no.").values()) == [
        "most Republicans"]


def test_a_quotation_closed_by_a_straight_mark_after_a_curly_one_names_its_speaker():
    """A quotation opened with “ in one sentence and closed with " in the next: the next
    one's name after the close is the speaker of both, not words inside a new quotation."""
    text = ("“All parties must respect the law. Civilians must be protected,\" Fabrizio "
            "Carboni, the regional director, said in a statement.")
    assert list(_speakers_of(text).values()) == ["Fabrizio Carboni"] * 2


def test_a_name_after_said_then_when_and_a_pronoun_subject_keep_the_speaker():
    """"said Kishida after the first case": Kishida, and the quotation that follows his; a
    sentence whose subject is "he" goes on about him, so the people it names do not take
    over "he said"."""
    speakers = _speakers_of(
        "“We must act,” said Ota Kishi after the first case was found. “Better too much.”\n\n"
        "“We are proud,” said Jon Ferro, the union's president.\n\n"
        "He thanked Ida Bram and the officials for the deal.\n\n"
        "“Everybody pulled together,” he said.")
    assert speakers["“Better too much.”"] == "Ota Kishi"
    assert speakers["“Everybody pulled together,” he said."] == "Jon Ferro"


def test_he_after_a_sentence_that_opens_with_a_person_is_that_person():
    """A sentence that opens with a person is about them: a later "he said" is theirs, not
    the other person named at its end."""
    text = ("“The vote was wrong,” Ann Holt wrote to Rep. Tom Dunn.\n\n"
            "Dunn never answered the letter but voted this week to honour Joe Hatch.\n\n"
            "He said the first vote “was rushed.”")
    assert _speakers_of(text)["He said the first vote “was rushed.”"] == "Dunn"
    # one who does not open it is not the subject: the last named still is
    text = ("“The vote was wrong,” Ann Holt wrote to Rep. Tom Dunn.\n\n"
            "This week, after a letter from Dunn, the House voted to honour Joe Hatch.\n\n"
            "He said the first vote “was rushed.”")
    assert _speakers_of(text)["He said the first vote “was rushed.”"] == "Joe Hatch"
    # a surname that opens a longer name is no subject ("Dunn Street")
    text = ("“The vote was wrong,” Ann Holt wrote to Rep. Tom Dunn.\n\n"
            "Dunn Street residents asked the council to honour Joe Hatch.\n\n"
            "He said the first vote “was rushed.”")
    assert _speakers_of(text)["He said the first vote “was rushed.”"] == "Joe Hatch"


def test_she_is_the_person_named_last_by_surname_too():
    """"she said" is the last person named: by a full name, or by the surname of a person
    named before (a blog's three capitalised words named in between are no later)."""
    text = ("“Rules can change,” Ada Kryst said.\n\n"
            "Soon after, Kryst built a blog on fashion, White Collar Glam.\n\n"
            "For her last question, Kryst was asked about the movement.\n\n"
            "“I don’t think it went too far,” she said.")
    assert _speakers_of(text)["“I don’t think it went too far,” she said."] == "Kryst"


def test_a_name_with_a_possessive_inside_is_a_things_not_a_persons():
    """"he said" after "a gallon of Frank's Red Hot" is still the man named before it."""
    from assistant.attribution import person_names

    assert person_names("A gallon of Frank’s Red Hot and Boris Johnson’s car.") == ["Boris Johnson"]
    text = ("“It hurt,” Jason Roe said.\n\n"
            "In the fridge is a gallon of Frank's Red Hot.\n\n"
            "\"Hot peppers give you a high,\" he said.")
    assert _speakers_of(text)["\"Hot peppers give you a high,\" he said."] == "Jason Roe"


def test_a_publication_is_no_person_for_he():
    text = ("Ann Roe met the editors. Time Magazine named her person of the year.\n\n"
            "“The fight is here,” she told the visitors.")
    assert _speakers_of(text)["“The fight is here,” she told the visitors."] == "Ann Roe"


def test_a_full_name_is_not_outrun_by_its_own_surname():
    text = "Jane Roe arrived. Jane Roe spoke to the crowd. “Fine,” she said."
    assert _speakers_of(text)["“Fine,” she said."] == "Jane Roe"


def test_a_possessive_ends_a_persons_name():
    from assistant.attribution import person_names

    assert person_names("Vladimir Putin’s Russia met Frank’s Red Hot.") == ["Vladimir Putin"]


