"""Follow-up questions and saved conversations."""
from __future__ import annotations

import pytest

from assistant import Answer
from assistant.conversation import Conversation, contextual_query
from assistant.history import History


@pytest.mark.parametrize("question, earlier, query", [
    ("What did he say next?", ["What did Lavrov say?"], "What did Lavrov say next?"),
    ("What did he say about Washington?", ["What did Lavrov say?"],
     "What did Lavrov say about Washington?"),
    ("when was that?", ["What did Lavrov say?"], "when was that? (Lavrov)"),
    ("What did Putin say?", ["What did Lavrov say?"], "What did Putin say?"),
    ("when does it take effect?", ["Which city banned plastic bags?"],
     "when does it take effect? (city banned plastic bags)"),
    ("Who expelled 23 Russian diplomats from the embassy?", ["What did Lavrov say?"],
     "Who expelled 23 Russian diplomats from the embassy?"),
    ("What did he say?", [], "What did he say?"),
])
def test_contextual_query(question, earlier, query):
    assert contextual_query(question, earlier) == query


def test_conversation_records_question_and_query(shared_index):
    from assistant import Assistant

    conversation = Conversation(Assistant(shared_index))
    first = conversation.ask("What did Lavrov say?")
    second = conversation.ask("What did he say about the talks?")
    assert first.found and second.query == "What did Lavrov say about the talks?"
    assert second.question == "What did he say about the talks?"
    assert [t.question for t in conversation.turns] == [first.question, second.question]


def test_history_saves_and_reopens(tmp_path):
    history = History(tmp_path / "h.sqlite")
    cid = history.start("What did Lavrov say?")
    answer = Answer(question="What did Lavrov say?", query="What did Lavrov say?", found=False)
    history.add_turn(cid, answer)
    history.add_turn(cid, Answer(question="and then?", query="and then? (Lavrov)", found=False))
    history.close()
    reopened = History(tmp_path / "h.sqlite")
    (saved,) = reopened.conversations()
    assert saved.title == "What did Lavrov say?" and saved.turns == 2
    turns = reopened.turns(saved.id)
    assert [t.query for t in turns] == ["What did Lavrov say?", "and then? (Lavrov)"]
    assert turns[0].to_dict() == answer.to_dict()
    assert reopened.questions() == ["What did Lavrov say?", "and then?"]


# follow-ups that keep the thread (issue 14) ----------------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

from assistant.followup import EarlierTurn, rewrite  # noqa: E402
from assistant.mentions import NAME, ORG, PERSON, PLACE, mentions, read_genders  # noqa: E402


def test_mentions_are_typed_by_what_they_hold_and_what_stands_beside_them():
    found = {m.text: m for m in mentions(
        "Apple CEO Tim Cook met Ukraine's Volodymyr Zelensky. The Department of Justice said "
        "it would appeal, and the FBI agreed. Cook said the talks went well in Texas.")}
    assert found["Tim Cook"].kind == PERSON and found["Tim Cook"].forms == {"tim cook", "cook"}
    assert found["Volodymyr Zelensky"].kind == PERSON
    assert found["Department of Justice"].kind == ORG and found["FBI"].kind == ORG
    assert found["Ukraine"].kind == PLACE and found["Texas"].kind == PLACE
    assert found["Apple"].kind == NAME  # nothing here says what Apple is


def test_a_persons_gender_is_read_from_the_pronouns_after_their_name():
    people = [m for m in mentions("Jane Roe and John Doe spoke.") if m.kind == PERSON]
    read_genders(people, ["Jane Roe took office in May. She said her plan would work, and she "
                          "thanked John Doe. Doe said he agreed; his team had doubts."])
    assert {m.text: m.gender for m in people} == {"Jane Roe": "f", "John Doe": "m"}


def _turn(question, quotes=(), bodies=()):
    return EarlierTurn(question, question, list(quotes), [], list(bodies))


def test_a_pronoun_means_the_person_the_previous_answer_named():
    earlier = [_turn("Who was named to lead the inquiry?",
                     ["The board named Jane Roe, a former judge, to lead the inquiry."],
                     ["The board named Jane Roe to lead it. Roe said she would report in May."])]
    plan = rewrite("What did she say about the delays?", earlier)
    assert plan.query == "What did Roe say about the delays?"
    assert plan.resolved == (("she", "Jane Roe"),) and plan.leans


def test_he_and_she_pick_the_person_of_that_gender():
    body = ("Mayor John Doe met Sen. Ann Lee. Doe said he was pleased. Lee said she was not, "
            "and her staff agreed.")
    earlier = [_turn("Who met on Monday?", ["Mayor John Doe met Sen. Ann Lee."], [body])]
    assert rewrite("What did she say?", earlier).query == "What did Lee say?"
    assert rewrite("What did he say?", earlier).query == "What did Doe say?"
    assert rewrite("What did her staff do?", earlier).query == "What did Lee's staff do?"


def test_the_company_is_the_organisation_named_before():
    earlier = [_turn("Why is Acme Corp closing its plant?",
                     ["Acme Corp said demand had fallen, the agency reported."])]
    assert rewrite("How did the company's chief react?", earlier).query == \
        "How did Acme Corp's chief react?"
    # "the court" stands only for an organisation that is a court
    assert rewrite("What did the court decide?", earlier).query.startswith("What did the court")


def test_it_for_an_event_carries_the_previous_question_along():
    earlier = [_turn("Which city banned plastic bags?")]
    assert rewrite("When does it take effect?", earlier).query == \
        "When does it take effect? (city banned plastic bags)"


@pytest.mark.parametrize("question, previous, query", [
    ("And in 2021?", "How many migrants crossed the border in 2020?",
     "How many migrants crossed the border in 2021?"),
    ("And about Washington?", "What did Lavrov say?", "What did Lavrov say about Washington?"),
    ("What about the Senate?", "How did the House vote on the bill?",
     "How did the Senate vote on the bill?"),
])
def test_a_fragment_is_the_previous_question_with_one_part_swapped(question, previous, query):
    assert rewrite(question, [_turn(previous)]).query == query


def test_a_question_with_its_own_subject_is_left_as_it_is():
    earlier = [_turn("What did Lavrov say?", ["Lavrov said the talks failed."])]
    plan = rewrite("Who won the national chess championship?", earlier)
    assert plan.query == "Who won the national chess championship?" and not plan.leans


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200), st.text(max_size=300))
def test_rewrite_takes_any_text(question, earlier, quote):
    plan = rewrite(question, [EarlierTurn(earlier, earlier, [quote], [quote], [quote])])
    assert isinstance(plan.query, str)
    if not question.strip():
        assert plan.query == ""


def test_a_follow_up_stays_in_the_story_and_names_whom_the_answer_quoted(shared_index):
    from assistant import Assistant

    conversation = Conversation(Assistant(shared_index))
    first = conversation.ask("Who won the national chess championship?")
    assert first.thread is None and "Priya Nair" in first.quotes[0].text
    second = conversation.ask("What did she tell reporters?")
    assert second.query == "What did Nair tell reporters?" and second.thread == "story"
    assert second.found and "can't believe it" in second.quotes[0].text
    assert {s.url for s in second.sources} == {"https://news.example/chess"}


def test_a_new_topic_carries_nothing_along(shared_index):
    from assistant import Assistant

    conversation = Conversation(Assistant(shared_index))
    conversation.ask("What did Lavrov say?")
    answer = conversation.ask("When does the plastic bag ban take effect?")
    assert answer.thread == "new topic"
    assert answer.query == "When does the plastic bag ban take effect?"
    assert "March 1, 2023" in answer.quotes[0].text


def test_a_first_question_is_answered_as_if_asked_alone(shared_index):
    from assistant import Assistant

    assistant = Assistant(shared_index)
    alone = assistant.ask("When does the plastic bag ban take effect?").to_dict()
    assert Conversation(assistant).ask("When does the plastic bag ban take effect?").to_dict() \
        == alone


def test_an_edited_query_is_asked_as_written(shared_index):
    from assistant import Assistant

    conversation = Conversation(Assistant(shared_index))
    conversation.ask("Who won the national chess championship?")
    answer = conversation.ask("What did Priya Nair say?", as_written=True)
    assert answer.query == "What did Priya Nair say?" and answer.thread == "story"


def test_the_story_filter_keeps_a_search_inside_the_articles(shared_index):
    from embeddings import Filters, Query

    chess = next(h.article.id for h in shared_index.search("chess championship"))
    hits = shared_index.search(Query("plastic bag ban", k=10,
                                     filters=Filters(articles=frozenset({chess}))))
    assert hits and {h.article.id for h in hits} == {chess}
    assert shared_index.search(Query("ban", filters=Filters(articles=frozenset()))) == []


def test_references_and_fragments_read_whole_words():
    earlier = [_turn("Who spoke?", ["Admiral John Lee said the navy would sail."])]
    assert rewrite("What did he say about the fleet?", earlier).query == \
        "What did Lee say about the fleet?"  # "lee" in "fleet" is not Lee named
    assert rewrite("And in 2021?", [_turn("How many sold in 2020 and 12020?")]).query == \
        "How many sold in 2021 and 12020?"
    # a whole statement after "And" is no fragment: the user's words are kept
    statement = "And Biden vetoed the bill because of inflation?"
    assert rewrite(statement, [_turn("What did Jane Roe say about the merger?")]).query == statement

