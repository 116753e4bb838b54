"""Saved conversations across versions of the history file."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from assistant.history import History

DATA = Path(__file__).parent / "data"


def test_a_file_written_by_version_1_reads_back_intact(tmp_path):
    # history-v1.sqlite was written by the History of schema version 1 (tests/data/make_history_v1.py)
    path = tmp_path / "history.sqlite"
    shutil.copyfile(DATA / "history-v1.sqlite", path)
    expected = json.loads((DATA / "history-v1.json").read_text(encoding="utf-8"))
    history = History(path)
    try:
        assert [vars(c) for c in history.conversations()] == expected["conversations"]
        assert history.questions() == expected["questions"]
        for conversation in history.conversations():
            turns = [a.to_dict() for a in history.turns(conversation.id)]
            assert turns == expected["turns"][str(conversation.id)]
            assert len(turns) == conversation.turns
        quoted = history.turns(1)[0]
        assert quoted.found and quoted.quotes[0].also_in == (2,)
        assert quoted.quotes[0].text.endswith("talks “must go on”.")
        # and it is still a working history: a new turn is saved after the old ones
        history.add_turn(1, history.turns(2)[0])
        assert [a.question for a in history.turns(1)][-1] == expected["questions"][-1]
    finally:
        history.close()
