"""A query over a list of values, in groups under SQLite's limit on parameters."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

GROUP = 500  # values in one IN (...): well under SQLite's 999-parameter floor


def rows_in(db: sqlite3.Connection, sql: str, values: Iterable) -> Iterator[tuple]:
    """The rows of `sql`, whose one `{marks}` is an IN list, over all of `values`."""
    values = list(values)
    for i in range(0, len(values), GROUP):
        part = values[i:i + GROUP]
        yield from db.execute(sql.format(marks=",".join("?" * len(part))), part)


def execute_in(db: sqlite3.Connection, sql: str, values: Iterable) -> None:
    """Run `sql` (a change, with one `{marks}` IN list) over all of `values`."""
    for _ in rows_in(db, sql, values):
        pass
