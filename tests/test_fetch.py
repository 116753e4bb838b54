"""The polite HTTP client against a real local news site (no model, no network beyond 127.0.0.1)."""
from __future__ import annotations

import time
import traceback

import pytest
from llm_servers import free_port

from embeddings.web.fetch import Fetcher, FetchError, default_user_agent

pytest_plugins = ["feed_site"]  # the `feed_site` fixture

STORM = "/articles/storm-closes-schools-across-the-county.html"
BUS = "new-bus-route-links-hospital-and-train-station"


@pytest.fixture
def fetcher():
    """No politeness delay (a test of it sets its own), and a short timeout."""
    with Fetcher(host_delay=0, timeout=5) as f:
        yield f


def failure(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    assert caught.value.url == url and str(caught.value) == f"{url}: {caught.value.reason}"
    return caught.value


def test_fetches_a_page(feed_site, fetcher):
    url = feed_site.url(STORM + "?utm_source=rss&utm_medium=feed")
    page = fetcher.get(url)
    assert (page.status, page.url, page.media_type, page.charset) == (200, url, "text/html", "utf-8")
    assert b"<h1>Storm closes schools across the county</h1>" in page.content
    assert not page.not_modified


def test_conditional_get_round_trip(feed_site, fetcher):
    first = fetcher.get(feed_site.url("/rss.xml"))
    assert first.status == 200 and first.media_type == "application/rss+xml" and first.etag
    again = fetcher.get(feed_site.url("/rss.xml"), etag=first.etag)
    assert again.not_modified and again.status == 304 and again.content == b""
    assert again.etag == first.etag  # kept for the next time
    last = feed_site.requests[-1]
    assert (last.status, last.headers["if-none-match"]) == (304, first.etag)
    by_date = fetcher.get(feed_site.url("/rss.xml"), last_modified=first.last_modified)
    assert by_date.not_modified and feed_site.requests[-1].headers["if-modified-since"] == first.last_modified

    feed_site.add_item("rss", "new-park", "New park opens", ["A park opened."], "2023-05-01T10:00:00Z")
    changed = fetcher.get(feed_site.url("/rss.xml"), etag=first.etag, last_modified=first.last_modified)
    assert changed.status == 200 and changed.etag != first.etag and b"New park opens" in changed.content


def test_http_error(feed_site, fetcher):
    assert failure(fetcher, feed_site.url("/missing/story-a")).reason == "HTTP 404 Not Found"


def test_redirect_loop(feed_site, fetcher):
    assert failure(fetcher, feed_site.url("/loop-a")).reason == "redirect loop"
    assert [r.path for r in feed_site.requests] == ["/loop-a", "/loop-b"]


def test_follows_a_redirect(feed_site, fetcher):
    page = fetcher.get(feed_site.url(f"/redirect/{BUS}?utm_source=rss&utm_medium=feed"))
    assert page.url == feed_site.url(f"/articles/{BUS}.html")
    assert b"Route 14" in page.content
    assert [r.status for r in feed_site.requests] == [301, 200]


def test_too_many_redirects(feed_site):
    with Fetcher(host_delay=0, max_redirects=0) as fetcher:
        error = failure(fetcher, feed_site.url(f"/redirect/{BUS}"))
    assert error.reason == "too many redirects (more than 0)"


def test_refuses_a_redirect_to_another_scheme(feed_site, fetcher):
    assert "non-web address" in failure(fetcher, feed_site.url("/to-ftp")).reason


def test_slow_page_times_out(feed_site):
    start = time.monotonic()
    with Fetcher(host_delay=0, timeout=0.5) as fetcher:
        assert failure(fetcher, feed_site.url("/slow")).reason == "timed out after 0.5 s"
    assert time.monotonic() - start < 2 < feed_site.slow_seconds


def test_trickling_page_times_out(feed_site):
    """Each byte comes well within the read timeout; the whole body does not."""
    feed_site.slow_seconds = 3
    start = time.monotonic()
    with Fetcher(host_delay=0, timeout=0.5) as fetcher:
        assert failure(fetcher, feed_site.url("/trickle")).reason == "timed out after 0.5 s"
    assert time.monotonic() - start < 2


def test_not_html_is_the_callers_business(feed_site, fetcher):
    document = fetcher.get(feed_site.url("/not-html"))
    assert (document.media_type, document.charset) == ("application/pdf", None)
    assert document.content.startswith(b"%PDF-1.4")


@pytest.mark.parametrize("path", ["/huge", "/huge?chunked=1"])  # with Content-Length, and without
def test_huge_page(feed_site, path):
    with Fetcher(host_delay=0, max_bytes=100_000) as fetcher:
        assert failure(fetcher, feed_site.url(path)).reason == "larger than 0.1 MiB (the limit)"


def test_sends_its_user_agent(feed_site, fetcher):
    fetcher.get(feed_site.url(STORM))
    assert default_user_agent().startswith("newsdesk/") and "news reader" in default_user_agent()
    assert feed_site.requests[-1].headers["user-agent"] == default_user_agent()
    with Fetcher(user_agent="tester/1", host_delay=0) as other:
        other.get(feed_site.url(STORM))
    assert feed_site.requests[-1].headers["user-agent"] == "tester/1"


def test_spaces_requests_to_one_host(feed_site):
    with Fetcher(host_delay=0.3) as fetcher:
        fetcher.get(feed_site.url("/rss.xml"))
        fetcher.get(feed_site.url(STORM))
        assert fetcher.waited > 0
        first, second = feed_site.requests
        assert second.time - first.time >= 0.3
        # another host does not wait for this one
        waited = fetcher.waited
        fetcher.get(f"http://localhost:{feed_site.port}{STORM}")
        assert fetcher.waited == waited


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file.txt", "file:///etc/passwd", "news today",
                                 "http://"])
def test_refuses_what_is_not_a_web_address(feed_site, fetcher, url):
    assert failure(fetcher, url).reason == "not a web address"
    assert feed_site.requests == []


def test_closed_port(fetcher):
    port = free_port()  # free once closed: nothing listens there
    error = failure(fetcher, f"http://127.0.0.1:{port}/rss.xml")
    assert error.reason == "connection refused"
    told = "".join(traceback.format_exception(error))
    assert "httpx" not in told and "httpcore" not in told  # no chained library traceback
