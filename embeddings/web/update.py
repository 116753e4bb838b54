"""Feed subscriptions and `update`: every subscribed feed fetched (conditional GET), each
new item's page fetched and its article extracted, or the item's own text indexed where
the page cannot be had; what each item became recorded in the index, so the next update
fetches only what is new. One bad feed or page never stops the others.

Subscriptions and item records live in the index's `meta.sqlite` (`store.feeds`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import BadInputError
from ..readers.common import outlet_from_url
from ..store.feeds import FeedStore, ItemRecord, Subscription
from ..urls import canonical_url, is_web_url
from .feeds import FeedError, FeedItem, parse_feed
from .fetch import Fetcher, FetchError, borrowed, private_host
from .pages import failure_reason, fetch_article, summary_article

if TYPE_CHECKING:
    from ..index import Index
    from ..records import Article
    from ..writing import AddReport

FEED_ACCEPT = ("application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,"
               "application/xml;q=0.8,text/xml;q=0.8,*/*;q=0.5")
MAX_ATTEMPTS = 3  # an item whose page failed is tried again at the next updates, this often

Progress = Callable[[str, int, int], None]  # (stage, done, total): "fetching", "embedding"


class FeedSubscriptionError(BadInputError):
    """A feed that cannot be added or removed, said plainly."""


@dataclass
class FeedResult:
    """What one update did with one feed."""

    url: str
    name: str | None
    new: int = 0  # items indexed this time (from their page or, see from_summary, the feed)
    unchanged: int = 0  # items indexed before (or given up on), not fetched again
    from_summary: int = 0  # of the new: indexed from the feed's own text
    failed: list[tuple[str, str]] = field(default_factory=list)  # (item, reason)
    error: str | None = None  # the feed itself could not be fetched or read
    not_modified: bool = False  # the server said nothing changed (conditional GET)

    @property
    def status(self) -> str:
        if self.error:
            return f"failed: {self.error}"
        if self.not_modified:
            return "not modified"
        return f"ok: {self.new} new, {len(self.failed)} failed"

    def to_dict(self) -> dict:
        return {"url": self.url, "name": self.name, "new": self.new, "unchanged": self.unchanged,
                "from_summary": self.from_summary,
                "failed": [{"item": item, "reason": reason} for item, reason in self.failed],
                "error": self.error, "not_modified": self.not_modified}


@dataclass
class UpdateReport:
    feeds: list[FeedResult] = field(default_factory=list)
    index: AddReport | None = None  # what indexing the new articles did

    def to_dict(self) -> dict:
        return {"feeds": [f.to_dict() for f in self.feeds],
                "new": sum(f.new for f in self.feeds),
                "failed": sum(len(f.failed) + bool(f.error) for f in self.feeds),
                "index": self.index.to_dict() if self.index else None}


# subscribing -----------------------------------------------------------------------------

def subscribe(index: Index, url: str, name: str | None = None,
              fetcher: Fetcher | None = None) -> Subscription:
    """Subscribe the index to the feed at `url`, after fetching it once to see that it is
    a feed (and to learn its title, the name it goes by unless `name` is given)."""
    url = url.strip()
    if not is_web_url(url):
        raise FeedSubscriptionError(f"not a web address: {url!r} (a feed's URL starts with "
                                    f"http:// or https://)")
    url = canonical_url(url)
    feeds = FeedStore(index.store)
    if feeds.find(url) is not None:
        raise FeedSubscriptionError(f"already subscribed to {url}")
    if name is not None:
        name = " ".join(name.split())
        if not name:
            raise FeedSubscriptionError("the feed's name is empty")
        if feeds.find(name) is not None:
            raise FeedSubscriptionError(f"a feed is already named {name!r}")
    try:
        with borrowed(fetcher) as fetcher:
            feed = parse_feed(fetcher.get(url, accept=FEED_ACCEPT).content, url)
    except (FetchError, FeedError) as exc:
        raise FeedSubscriptionError(f"{url} was not added: {exc.reason}") from None
    if name is None and feed.title and feeds.find(feed.title) is None:
        name = feed.title
    with index.exclusive(), index.store.transaction():
        feeds.subscribe(url, name, feed.title)
    return feeds.find(url)


def unsubscribe(index: Index, url_or_name: str) -> tuple[Subscription, int]:
    """Forget a feed (by URL or name) and its item records; its articles stay indexed.
    Returns the subscription and how many item records went with it."""
    feeds = FeedStore(index.store)
    found = feeds.find(url_or_name)
    if found is None:
        raise FeedSubscriptionError(f"no feed {url_or_name!r} is subscribed "
                                    f"(`newsdesk feeds list` names them)")
    with index.exclusive(), index.store.transaction():
        items = feeds.unsubscribe(found.url)
    return found, items


def subscriptions(index: Index) -> list[Subscription]:
    return FeedStore(index.store).subscriptions()


# updating --------------------------------------------------------------------------------

@dataclass
class _Checked:
    """A feed as fetched in this update: what to record once its articles are in."""

    subscription: Subscription
    result: FeedResult
    records: list[ItemRecord] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    keep_validators: bool = True  # a failed or partial fetch must not mark the feed as read


def update(index: Index, fetcher: Fetcher | None = None, only: list[str] | None = None,
           progress: Progress | None = None,
           on_wait: Callable[[], None] | None = None) -> UpdateReport:
    """Fetch every subscribed feed (or those `only` names, by URL or name) and index what
    is new; see the module's note."""
    feeds = FeedStore(index.store)
    subs = feeds.subscriptions()
    if only:
        chosen = []
        for wanted in only:
            found = feeds.find(wanted)
            if found is None:
                raise FeedSubscriptionError(f"no feed {wanted!r} is subscribed")
            chosen.append(found)
        subs = list({s.url: s for s in chosen}.values())
    report = UpdateReport()

    def embedding(done: int, total: int) -> None:
        if progress:
            progress("embedding new articles", done, total)

    with borrowed(fetcher) as fetcher:
        # feed by feed, each indexed and recorded before the next is fetched: an update
        # interrupted keeps the feeds it finished
        for done, sub in enumerate(subs):
            if progress:
                progress(f"fetching {sub.name or sub.url}", done, len(subs))
            articles: dict[str, Article] = {}
            try:
                checked = _check(sub, feeds.items(sub.url), fetcher, articles)
            except Exception as exc:  # noqa: BLE001 - one bad feed never stops the others
                checked = _Checked(sub, FeedResult(
                    sub.url, sub.name, error=f"could not read the feed ({type(exc).__name__})"))
            if articles:
                added = index.add(list(articles.values()), progress=embedding, on_wait=on_wait)
                report.index = report.index.merge(added) if report.index else added
            with index.exclusive(on_wait), index.store.transaction():
                feeds.record_items(sub.url, checked.records)
                feeds.checked(sub.url, checked.result.status, checked.etag,
                              checked.last_modified, checked.title,
                              keep_validators=checked.keep_validators)
            report.feeds.append(checked.result)
    return report


def _check(sub: Subscription, known: dict[str, ItemRecord], fetcher: Fetcher,
           articles: dict[str, Article]) -> _Checked:
    """Fetch one feed and its new items' pages; their articles go into `articles`."""
    result = FeedResult(sub.url, sub.name)
    checked = _Checked(sub, result)
    try:
        response = fetcher.get(sub.url, sub.etag, sub.last_modified, accept=FEED_ACCEPT)
    except FetchError as exc:
        result.error = exc.reason
        return checked
    if response.not_modified:
        result.not_modified = True
        result.unchanged = sum(r.state != "failed" for r in known.values())
        return checked
    try:
        feed = parse_feed(response.content, response.url)
    except FeedError as exc:
        result.error = exc.reason
        return checked
    outlet = feed.title or sub.title or outlet_from_url(sub.url)
    # a feed on the open web may not send us to this machine or a private network; a
    # feed served from one (an intranet's, a test's) may link there
    public_only = not private_host(urlsplit(sub.url).hostname or "")
    for item in feed.items:
        before = known.get(item.key)
        if before is not None and (before.state != "failed" or before.attempts >= MAX_ATTEMPTS):
            result.unchanged += 1
            continue
        record = _fetch_item(item, outlet, fetcher, articles, public_only)
        if before is not None:
            record = replace(record, attempts=before.attempts + 1)
        checked.records.append(record)
        if record.state == "failed":
            result.failed.append((item.link or item.title, record.reason or "failed"))
        else:
            result.new += 1
            result.from_summary += record.state == "summary"
    checked.title = feed.title
    # while an item may still be tried again, the feed must be read again: the next
    # update asks with the validators of before, and gets the whole feed
    checked.keep_validators = any(r.state == "failed" and r.attempts < MAX_ATTEMPTS
                                  for r in checked.records)
    checked.etag, checked.last_modified = response.etag, response.last_modified
    return checked


def _fetch_item(item: FeedItem, outlet: str | None, fetcher: Fetcher,
                articles: dict[str, Article], public_only: bool) -> ItemRecord:
    """One new item: its page's article, else the feed's own text, else a failure."""
    article, reason = None, "the item has no link"
    if item.link:
        try:
            article = fetch_article(fetcher, item.link, title=item.title, outlet=outlet,
                                    public_only=public_only)
        except Exception as exc:  # noqa: BLE001 - one bad page never stops the others
            reason = failure_reason(exc)
    if article is not None:
        # the page's own metadata first; the feed's where the page has none
        article = replace(article, published=article.published or item.published,
                          authors=article.authors or item.authors)
        state = "page"
        reason = None
    else:
        article = summary_article(item, outlet)
        state = "summary" if article is not None else "failed"
        if article is None and reason and item.summary:
            reason += "; the feed's own text is too short to index"
    if article is not None:
        articles.setdefault(article.id, article)
    return ItemRecord(item.key, article.url if article else item.link,
                      article.id if article else None, state, reason)
