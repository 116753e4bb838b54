"""Saved conversations: one SQLite file, in the user data dir unless told otherwise."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from embeddings.errors import NewsdeskError

from .answer import Answer


class HistoryError(NewsdeskError):
    """The history file cannot be used by this version (it is unchanged)."""


# Version 1, today's schema. A file written before the schema had a version (user_version 0)
# holds exactly these tables, hence IF NOT EXISTS: migrating such a file only stamps it.
_SCHEMA_V1 = (
    """CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    created TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS turns_conversation ON turns(conversation_id)",
)


def _to_v1(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1:
        db.execute(statement)


# The migrations, in order: MIGRATIONS[n - 1] takes a file from version n - 1 to version n.
# Append a new one for every change of the schema; never edit or reorder the ones here (files
# in the wild went through them). Each runs in its own transaction, with the new version
# number written in the same transaction: a failure leaves the file at the version before.
# A migration uses db.execute only (executescript would commit half-way).
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _to_v1,
]


def schema_version() -> int:
    """The version of the history file this code writes."""
    return len(MIGRATIONS)


def _refuse_newer(version: int, path: Path | str) -> None:
    latest = schema_version()
    if version > latest:
        raise HistoryError(
            f"{path} holds saved conversations of a newer newsdesk (history version {version}; "
            f"this newsdesk reads up to version {latest}). It was left as it is: upgrade "
            f"newsdesk to read it, or set NEWSDESK_HISTORY to another file.")


def migrate(db: sqlite3.Connection, path: Path | str = "the history file") -> int:
    """Bring the open database (in autocommit mode) up to schema_version(); its version.
    A file of a newer version is a HistoryError, and nothing in it is changed."""
    latest = schema_version()
    version = db.execute("PRAGMA user_version").fetchone()[0]
    _refuse_newer(version, path)
    while version < latest:
        db.execute("BEGIN IMMEDIATE")
        try:
            # another process may have migrated it while this one waited for the lock
            version = db.execute("PRAGMA user_version").fetchone()[0]
            _refuse_newer(version, path)
            if version < latest:
                MIGRATIONS[version](db)
                version += 1
                db.execute(f"PRAGMA user_version = {int(version)}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled it back itself (a full disk)
                db.execute("ROLLBACK")
            raise
    return version


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
        try:
            migrate(self.db, self.path)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise HistoryError(f"Cannot read the saved conversations in {self.path}: {exc}") from exc
        except BaseException:
            self.db.close()
            raise

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
