"""Saved conversations: one SQLite file, in the user data dir unless told otherwise."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .answer import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_conversation ON turns(conversation_id);
"""


def default_history_path() -> Path:
    """`NEWSDESK_HISTORY`, else `conversations.sqlite` in the user data dir."""
    from .settings import Settings

    return Settings.load().history_file


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SavedConversation:
    id: int
    title: str
    updated: str
    turns: int


class History:
    def __init__(self, path: Path | None = None):
        self.path = Path(path or default_history_path())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def start(self, title: str) -> int:
        now = _now()
        return self.db.execute("INSERT INTO conversations(title, created, updated) VALUES (?, ?, ?)",
                               (title[:200], now, now)).lastrowid

    def add_turn(self, conversation_id: int, answer: Answer) -> None:
        now = _now()
        self.db.execute("INSERT INTO turns(conversation_id, question, answer, created) "
                        "VALUES (?, ?, ?, ?)",
                        (conversation_id, answer.question, json.dumps(answer.to_dict()), now))
        self.db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))

    def conversations(self, limit: int = 100) -> list[SavedConversation]:
        rows = self.db.execute(
            "SELECT c.id, c.title, c.updated, count(t.id) FROM conversations c "
            "LEFT JOIN turns t ON t.conversation_id = c.id GROUP BY c.id "
            "ORDER BY c.updated DESC, c.id DESC LIMIT ?", (limit,))
        return [SavedConversation(*r) for r in rows]

    def turns(self, conversation_id: int) -> list[Answer]:
        rows = self.db.execute("SELECT answer FROM turns WHERE conversation_id = ? ORDER BY id",
                               (conversation_id,))
        return [Answer.from_dict(json.loads(r[0])) for r in rows]

    def questions(self, limit: int = 200) -> list[str]:
        """Earlier questions, oldest first, for recalling with the arrow keys."""
        rows = self.db.execute("SELECT question FROM turns ORDER BY id DESC LIMIT ?", (limit,))
        return [r[0] for r in reversed(rows.fetchall())]
