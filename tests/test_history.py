"""Saved conversations across versions of the history file."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from assistant import history as history_module
from assistant.history import History, HistoryError

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


def _version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def _schema(path: Path) -> list:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        db.close()


def _rows(path: Path) -> dict:
    db = sqlite3.connect(path)
    try:
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
                for table in ("conversations", "turns")}
    finally:
        db.close()


def test_today_is_version_1_and_an_unversioned_file_is_version_1(tmp_path):
    assert history_module.schema_version() == 1
    assert _version(DATA / "history-v1.sqlite") == 0  # written before there were versions
    path = tmp_path / "history.sqlite"
    shutil.copyfile(DATA / "history-v1.sqlite", path)
    History(path).close()
    assert _version(path) == 1
    assert _schema(path) == _schema(DATA / "history-v1.sqlite")  # only stamped
    assert _rows(path) == _rows(DATA / "history-v1.sqlite")
    History(tmp_path / "new.sqlite").close()
    assert _version(tmp_path / "new.sqlite") == 1
    assert _schema(tmp_path / "new.sqlite") == _schema(path)


def test_a_newer_file_is_refused_clearly_and_left_as_it_is(tmp_path):
    path = tmp_path / "history.sqlite"
    shutil.copyfile(DATA / "history-v1.sqlite", path)
    newer = history_module.schema_version() + 1
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {newer}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError) as caught:
        History(path)
    message = str(caught.value)
    assert str(path) in message and "newer newsdesk" in message
    assert f"version {newer}" in message and "NEWSDESK_HISTORY" in message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite"]  # no journal left


def test_a_file_that_is_not_a_database_is_a_history_error(tmp_path):
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"not a database at all, " * 100)
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="Cannot read the saved conversations"):
        History(path)
    assert path.read_bytes() == before


def test_migrations_run_in_order_each_committed_on_its_own(tmp_path, monkeypatch):
    ran = []

    def add_pinned(db):
        ran.append(2)
        db.execute("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")

    def broken(db):
        ran.append(3)
        db.execute("CREATE TABLE tags (name TEXT)")
        raise RuntimeError("migration 3 failed")

    path = tmp_path / "history.sqlite"
    shutil.copyfile(DATA / "history-v1.sqlite", path)
    monkeypatch.setattr(history_module, "MIGRATIONS",
                        [*history_module.MIGRATIONS, add_pinned, broken])
    with pytest.raises(RuntimeError, match="migration 3"):
        History(path)
    assert ran == [2, 3]
    assert _version(path) == 2  # version 2 kept; 3 rolled back whole
    names = [row[1] for row in _schema(path)]
    assert "tags" not in names
    db = sqlite3.connect(path)
    assert db.execute("SELECT pinned FROM conversations").fetchall() == [(0,), (0,)]
    db.close()

    history_module.MIGRATIONS[-1] = lambda db: (ran.append("3 fixed"),
                                                db.execute("CREATE TABLE tags (name TEXT)"))
    history = History(path)
    assert _version(path) == 3 and ran == [2, 3, "3 fixed"]
    assert len(history.turns(1)) == 2
    history.close()
    History(path).close()  # nothing left to run
    assert ran == [2, 3, "3 fixed"]


def test_a_file_made_newer_while_waiting_for_the_lock_is_refused(tmp_path, monkeypatch):
    # another newsdesk, newer, migrated the file between the first look and the lock
    path = tmp_path / "history.sqlite"
    shutil.copyfile(DATA / "history-v1.sqlite", path)
    newer = history_module.schema_version() + 1

    def newer_by_then(db):
        raise AssertionError("no migration runs on a newer file")

    monkeypatch.setattr(history_module, "MIGRATIONS", [newer_by_then])
    real_connect = sqlite3.connect

    class Racing:
        def __init__(self, *args, **kwargs):
            self.db = real_connect(*args, **kwargs)
            self.looks = 0

        def execute(self, sql, *args):
            if sql == "BEGIN IMMEDIATE":
                other = real_connect(path)
                other.execute(f"PRAGMA user_version = {newer}")
                other.close()
            return self.db.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.db, name)

    monkeypatch.setattr(history_module.sqlite3, "connect", Racing)
    with pytest.raises(HistoryError, match="newer newsdesk"):
        History(path)
    monkeypatch.undo()
    assert _version(path) == newer
    assert _rows(path) == _rows(DATA / "history-v1.sqlite")
