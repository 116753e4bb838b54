"""Feeds and pages from a real local news site (tests/feed_site.py, on 127.0.0.1): subscribe,
update (RSS 2.0, Atom, broken XML, a 404 item, a redirect loop, a slow page, a page that is
not HTML, a huge page), the ETag round trip that fetches nothing, canonical URLs shared
with saved files, and the CLI's `feeds`, `update` and `index URL`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from embeddings import Index
from embeddings.store.feeds import FeedStore
from embeddings.web import update as feeds
from embeddings.web.fetch import Fetcher, default_user_agent

pytest_plugins = ["feed_site"]  # the `feed_site` fixture

BIN = Path(sys.executable).parent
CHESS = "/articles/local-teenager-wins-national-chess-title.html"


@pytest.fixture
def fetcher():
    """Quick to give up, little to read, and a short politeness delay (measured below)."""
    with Fetcher(timeout=0.5, max_bytes=200_000, host_delay=0.05) as f:
        yield f


@pytest.fixture
def subscribed(tmp_path, feed_site, fetcher):
    index = Index.open(tmp_path / "ix")
    feeds.subscribe(index, feed_site.url("/rss.xml"), fetcher=fetcher)
    feeds.subscribe(index, feed_site.url("/atom.xml"), name="Atom news", fetcher=fetcher)
    yield index
    index.close()


def by_name(report: feeds.UpdateReport) -> dict[str, feeds.FeedResult]:
    return {f.name: f for f in report.feeds}


def test_subscribing_checks_the_feed_and_names_it(tmp_path, feed_site, fetcher):
    with Index.open(tmp_path / "ix") as index:
        sub = feeds.subscribe(index, feed_site.url("/rss.xml") + "?utm_source=x", fetcher=fetcher)
        assert sub.url == feed_site.url("/rss.xml") and sub.name == "City Times: Local news"
        with pytest.raises(feeds.FeedSubscriptionError, match="already subscribed"):
            feeds.subscribe(index, feed_site.url("/rss.xml"), fetcher=fetcher)
        with pytest.raises(feeds.FeedSubscriptionError, match="not added: not a readable feed"):
            feeds.subscribe(index, feed_site.url("/broken.xml"), fetcher=fetcher)
        with pytest.raises(feeds.FeedSubscriptionError, match="not added: HTTP 404"):
            feeds.subscribe(index, feed_site.url("/nothing.xml"), fetcher=fetcher)
        with pytest.raises(feeds.FeedSubscriptionError, match="not a web address"):
            feeds.subscribe(index, "file:///etc/passwd", fetcher=fetcher)
        assert [s.url for s in feeds.subscriptions(index)] == [sub.url]
        gone, _ = feeds.unsubscribe(index, "city times: local NEWS")  # by name, case aside
        assert gone.url == sub.url and feeds.subscriptions(index) == []


def test_update_indexes_new_items_and_says_what_failed_and_why(subscribed, feed_site, fetcher):
    # a feed whose XML broke since it was subscribed: the others are read all the same
    with subscribed.store.transaction():
        FeedStore(subscribed.store).subscribe(feed_site.url("/broken.xml"), "Breaking", None)
    report = feeds.update(subscribed, fetcher=fetcher)
    found = by_name(report)
    rss, atom, broken = found["City Times: Local news"], found["Atom news"], found["Breaking"]
    assert broken.error.startswith("not a readable feed") and broken.new == 0
    # RSS: three pages, one 404 item indexed from the feed's own text, one 404 without any
    assert (rss.new, rss.from_summary, rss.unchanged) == (4, 1, 0)
    assert rss.failed == [(feed_site.url("/missing/story-b"), "HTTP 404 Not Found")]
    # Atom: two pages (one behind a redirect); a slow page, a PDF, a huge page and a
    # redirect loop fail, each with its reason (their teasers are too short to index)
    assert (atom.new, atom.from_summary) == (2, 0)
    reasons = dict(atom.failed)
    assert reasons[feed_site.url("/slow")].startswith("timed out after 0.5 s")
    assert reasons[feed_site.url("/not-html")].startswith("not a web page (application/pdf)")
    assert reasons[feed_site.url("/huge")].startswith("larger than")
    assert reasons[feed_site.url("/loop-a")].startswith("redirect loop")
    assert report.index.added == 6 and len(subscribed) == 6
    assert json.loads(json.dumps(report.to_dict()))["new"] == 6

    articles = {a.url: a for a in subscribed.articles()}
    chess = articles[feed_site.url(CHESS)]  # tracking parameters dropped: the canonical URL
    assert chess.outlet == "City Times" and chess.published.isoformat() == "2021-06-20"
    assert "Priya Nair won the national chess championship" in chess.body
    bridge = articles[feed_site.url("/missing/story-a")]  # from the feed's own text
    assert bridge.outlet == "City Times: Local news" and "Felix Moreau" in bridge.body
    assert bridge.published.isoformat() == "2023-04-21"
    bus = next(a for a in articles.values() if "bus route" in a.title.lower())
    assert bus.url == feed_site.url("/articles/new-bus-route-links-hospital-and-train-station.html")

    from assistant import Assistant

    answer = Assistant(subscribed).ask("Who won the national chess championship?")
    assert answer.found and answer.sources[0].url == feed_site.url(CHESS)
    quote = answer.quotes[0]
    assert subscribed.get(quote.article_id).body[quote.start:quote.end] == quote.text


def test_failed_items_are_tried_again_while_the_feed_is_unchanged(subscribed, feed_site,
                                                                   fetcher):
    """A page that failed is fetched again at the next updates (MAX_ATTEMPTS in all), though
    the feed has not changed: the feed is asked for without its new ETag meanwhile."""
    feeds.update(subscribed, fetcher=fetcher)
    for attempt in range(2, feeds.MAX_ATTEMPTS + 1):
        feed_site.clear_log()
        report = feeds.update(subscribed, fetcher=fetcher)
        assert ("/rss.xml", 200) in [(r.path, r.status) for r in feed_site.requests]
        assert "/missing/story-b" in [r.path for r in feed_site.requests]
        rss = by_name(report)["City Times: Local news"]
        assert (rss.new, rss.unchanged, len(rss.failed)) == (0, 4, 1)
        records = FeedStore(subscribed.store).items(feed_site.url("/rss.xml"))
        assert max(r.attempts for r in records.values()) == attempt


def test_an_update_fetches_nothing_when_the_feeds_are_unchanged(subscribed, feed_site, fetcher):
    for _ in range(feeds.MAX_ATTEMPTS):  # until the failed items are given up on
        feeds.update(subscribed, fetcher=fetcher)
    feed_site.clear_log()
    report = feeds.update(subscribed, fetcher=fetcher)
    assert sorted((r.path, r.status) for r in feed_site.requests) == [("/atom.xml", 304),
                                                                     ("/rss.xml", 304)]
    assert all(r.headers.get("if-none-match") for r in feed_site.requests)
    assert all(f.not_modified and f.new == 0 for f in report.feeds) and report.index is None
    assert by_name(report)["City Times: Local news"].unchanged == 4


def test_a_new_item_is_fetched_alone_and_failed_items_are_tried_again(subscribed, feed_site,
                                                                      fetcher):
    feeds.update(subscribed, fetcher=fetcher)
    page = feed_site.add_item("rss", "ferry-returns", "Ferry service returns after repairs",
                              ["The harbour ferry returns to service on Saturday after three "
                               "months of engine repairs, the port authority said.",
                               "\"Crossings will run every hour from 7 a.m.,\" said harbour "
                               "master Ines Walter."], "2023-05-02T08:00:00Z")
    feed_site.clear_log()
    report = feeds.update(subscribed, fetcher=fetcher)
    rss = by_name(report)["City Times: Local news"]
    assert (rss.new, rss.unchanged) == (1, 4)
    fetched = [r.path for r in feed_site.requests if r.path.startswith("/articles/")]
    assert fetched == ["/articles/ferry-returns.html?utm_source=rss&utm_medium=feed"]
    assert rss.failed and rss.failed[0][0].endswith("/missing/story-b")  # tried again (2 of 3)
    assert subscribed.search_articles("harbour ferry engine repairs")[0].article.url == page
    records = FeedStore(subscribed.store).items(feed_site.url("/rss.xml"))
    assert {r.state for r in records.values()} == {"page", "summary", "failed"}
    assert max(r.attempts for r in records.values()) == 2


def test_requests_are_polite(subscribed, feed_site, fetcher):
    """A clear User-Agent on every request, and requests to one site spaced by the delay."""
    feed_site.clear_log()
    feeds.update(subscribed, fetcher=fetcher)
    log = feed_site.requests
    assert log and all(r.headers.get("user-agent") == default_user_agent() for r in log)
    assert default_user_agent().startswith("newsdesk/")
    gaps = [b.time - a.time for a, b in zip(log, log[1:])]
    assert min(gaps) >= 0.045 and fetcher.waited > 0


def test_a_page_from_a_feed_and_the_same_page_saved_are_one_article(subscribed, feed_site,
                                                                    fetcher, tmp_path):
    import httpx

    feeds.update(subscribed, fetcher=fetcher)
    before = len(subscribed)
    saved = tmp_path / "saved"
    saved.mkdir()
    page = httpx.get(feed_site.url(CHESS + "?utm_source=newsletter&fbclid=abc")).text
    (saved / "chess.html").write_text(page)  # its canonical link carries no tracking
    report = subscribed.add([saved])
    assert len(subscribed) == before and report.added == 0


def test_the_cli_subscribes_updates_and_indexes_a_page(tmp_path, feed_site):
    ix = str(tmp_path / "ix")
    env = {**os.environ, "NEWSDESK_INDEX": ix}

    def newsdesk(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "newsdesk"), *args], capture_output=True, text=True,
                              env=env, timeout=300)

    added = newsdesk("feeds", "add", feed_site.url("/rss.xml"), "--name", "Local", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["name"] == "Local"
    refused = newsdesk("feeds", "add", feed_site.url("/broken.xml"))
    assert refused.returncode == 2 and "not a readable feed" in refused.stderr
    assert "Traceback" not in refused.stderr
    updated = newsdesk("update", "--json", "--timeout", "1", "--delay", "0")
    assert updated.returncode == 0, updated.stderr
    counts = json.loads(updated.stdout)["feeds"][0]
    assert (counts["new"], counts["from_summary"], len(counts["failed"])) == (4, 1, 1)
    assert counts["failed"][0]["reason"] == "HTTP 404 Not Found"
    listed = json.loads(newsdesk("feeds", "list", "--json").stdout)
    assert listed[0]["items"] == 4 and listed[0]["status"].startswith("ok: 4 new")

    page = feed_site.url("/articles/library-to-open-on-sundays-from-april.html")
    indexed = newsdesk("index", page, feed_site.url("/not-html"), "--json")
    assert indexed.returncode == 0, indexed.stderr
    summary = json.loads(indexed.stdout)
    assert summary["added"] == 1
    assert summary["skipped"] == [{"source": feed_site.url("/not-html"),
                                   "reason": "not a web page (application/pdf)"}]
    asked = newsdesk("search", "Sunday library opening hours", "--json", "-k", "1")
    assert json.loads(asked.stdout)[0]["url"] == page
    removed = newsdesk("feeds", "remove", "Local")
    assert removed.returncode == 0 and "4 articles stay in the index" in removed.stdout
    assert json.loads(newsdesk("feeds", "list", "--json").stdout) == []


def test_a_fetched_page_may_only_name_a_url_of_its_own_site():
    """A syndicated copy whose canonical link names the original publisher's page keeps
    the address it was fetched from: one URL, one article, and each outlet its own."""
    from embeddings.readers.html import html_article

    def page(canonical: str) -> str:
        return (f'<html><head><title>Farms face cuts</title><link rel="canonical" '
                f'href="{canonical}"><meta property="og:site_name" content="Daily Post">'
                f'</head><body><article><h1>Farms face cuts</h1><p>The regional water '
                f'authority said on Thursday that it would ration supplies to farms in the '
                f'valley from the first of June, after the driest spring in forty years.</p>'
                f'</article></body></html>')

    fetched = "https://www.dailypost.example/farms-face-cuts"
    copy = html_article(page("https://citytimes.example/water-rationing"), url=fetched)
    assert copy.url == fetched and copy.outlet == "Daily Post"
    own = html_article(page("https://dailypost.example/farms-face-cuts"), url=fetched + "?x=1")
    assert own.url == "https://dailypost.example/farms-face-cuts"
    saved = html_article(page("https://citytimes.example/water-rationing"))  # a saved file
    assert saved.url == "https://citytimes.example/water-rationing"


def test_canonical_urls_drop_only_what_names_no_other_page():
    from embeddings.urls import canonical_url

    assert canonical_url("HTTPS://News.Example:443/x?utm_source=rss&id=2&fbclid=z#top") == \
        "https://news.example/x?id=2"
    for kept in ("https://a.example/rss?cat=news&region=us", "https://a.example/news.php?12345",
                 "https://a.example/a;jsessionid=1?b=2&a=1", "http://a.example:8080/x",
                 "https://t.example/u https://evil", "urn:isbn:123", "not a url"):
        assert canonical_url(kept) == kept


def test_a_link_from_a_feed_on_the_open_web_may_not_lead_to_a_private_address(feed_site,
                                                                               fetcher):
    """(The local site is itself private, so its own feeds may link to it: checked here
    on the fetcher that `update` asks with `public_only` for a public feed's links.)"""
    from embeddings.web.fetch import FetchError, private_host

    assert private_host("127.0.0.1") and private_host("169.254.169.254")
    assert private_host("10.1.2.3") and not private_host("93.184.216.34")
    with pytest.raises(FetchError, match="refused: 127.0.0.1 is this machine"):
        fetcher.get(feed_site.url(CHESS), public_only=True)
    assert fetcher.get(feed_site.url(CHESS)).status == 200
