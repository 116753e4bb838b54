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
