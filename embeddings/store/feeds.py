"""The SQL of feed subscriptions: the feeds (with what a conditional GET needs) and what
became of each of their items. Writes happen inside the caller's `MetaStore.transaction()`."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from .meta import MetaStore


@dataclass(frozen=True)
class Subscription:
    url: str
    name: str | None
    title: str | None
    etag: str | None
    last_modified: str | None
    added_at: str
    checked_at: str | None
    status: str | None
    items: int = 0  # items indexed (from their page or the feed's own text)

    def to_dict(self) -> dict:
        return {"url": self.url, "name": self.name, "title": self.title,
                "added_at": self.added_at, "checked_at": self.checked_at,
                "status": self.status, "items": self.items}


@dataclass(frozen=True)
class ItemRecord:
    """What became of one item: `state` is 'page', 'summary' or 'failed'."""

    key: str
    url: str | None
    article_id: str | None
    state: str
    reason: str | None = None
    attempts: int = 1


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class FeedStore:
    """Subscriptions in `meta.sqlite`."""

    def __init__(self, store: MetaStore):
        self.db = store.db

    def subscriptions(self) -> list[Subscription]:
        rows = self.db.execute(
            "SELECT f.url, f.name, f.title, f.etag, f.last_modified, f.added_at, f.checked_at, "
            "f.status, (SELECT count(*) FROM feed_items i WHERE i.feed_url = f.url "
            "AND i.state != 'failed') FROM feeds f ORDER BY f.added_at, f.url").fetchall()
        return [Subscription(*row) for row in rows]

    def find(self, url_or_name: str) -> Subscription | None:
        """The subscription with this URL (as given, or canonical: as subscribed) or, case
        aside, this name."""
        from ..urls import canonical_url

        wanted = url_or_name.strip()
        urls = {wanted, canonical_url(wanted)}
        return next((s for s in self.subscriptions()
                     if s.url in urls or (s.name or "").casefold() == wanted.casefold()), None)

    def subscribe(self, url: str, name: str | None, title: str | None) -> None:
        self.db.execute("INSERT INTO feeds(url, name, title, added_at) VALUES (?, ?, ?, ?)",
                        (url, name, title, now()))

    def unsubscribe(self, url: str) -> int:
        """Forget a feed and its items (their articles stay); returns the items forgotten."""
        items = self.db.execute("SELECT count(*) FROM feed_items WHERE feed_url = ?",
                                (url,)).fetchone()[0]
        self.db.execute("DELETE FROM feed_items WHERE feed_url = ?", (url,))
        self.db.execute("DELETE FROM feeds WHERE url = ?", (url,))
        return int(items)

    def items(self, feed_url: str) -> dict[str, ItemRecord]:
        return {r[0]: ItemRecord(*r) for r in self.db.execute(
            "SELECT item_key, url, article_id, state, reason, attempts FROM feed_items "
            "WHERE feed_url = ?", (feed_url,))}

    def checked(self, url: str, status: str, etag: str | None = None,
                last_modified: str | None = None, title: str | None = None,
                keep_validators: bool = False) -> None:
        """Record a check of the feed: its status, and (unless `keep_validators`) the
        ETag and Last-Modified the next conditional GET sends."""
        if keep_validators:
            self.db.execute("UPDATE feeds SET checked_at = ?, status = ? WHERE url = ?",
                            (now(), status, url))
        else:
            self.db.execute("UPDATE feeds SET checked_at = ?, status = ?, etag = ?, "
                            "last_modified = ?, title = coalesce(?, title) WHERE url = ?",
                            (now(), status, etag, last_modified, title, url))

    def record_items(self, feed_url: str, records: Iterable[ItemRecord]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO feed_items(feed_url, item_key, url, article_id, state, "
            "reason, attempts, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(feed_url, r.key, r.url, r.article_id, r.state, r.reason, r.attempts, now())
             for r in records])
