"""A small real news site on 127.0.0.1 for the feed and fetch tests.

`FeedSite` serves an RSS 2.0 and an Atom 1.0 feed, the article pages they link to (built
from conftest's CORPUS_RECORDS and two more stories) and the pages that go wrong in the
ways the web does: a 404, a redirect loop, a slow answer, a PDF, a page too large, a feed
cut off. Feeds answer conditional GETs (ETag, Last-Modified) with 304. Every request is
logged (`requests`), and `add_item` publishes a new story while the site runs.

Routes:
  /rss.xml             three articles (links with utm params), /missing/story-a (404, full
                       paragraph in its description), /missing/story-b (404, no description)
  /atom.xml            two articles (one through /redirect/<slug>), /slow, /not-html, /huge, /loop-a
  /broken.xml          a feed cut off before its first item
  /articles/<slug>.html  an article page
  /redirect/<slug>     301 to /articles/<slug>.html
  /loop-a, /loop-b     302 to each other (the first Location relative, the second absolute)
  /to-ftp              302 to an ftp:// address
  /slow                answers after `slow_seconds`
  /trickle             sends a byte every 0.1 s for `slow_seconds`
  /not-html            a PDF
  /huge                an HTML page of `huge_bytes`; /huge?chunked=1 sends it with no length
"""
from __future__ import annotations

import hashlib
import html
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from conftest import CORPUS_RECORDS

TRACKING = "?utm_source=rss&utm_medium=feed"

MORE_STORIES = [
    {"title": "Library to open on Sundays from April",
     "text": "The central library will open on Sundays from next month, the city's culture "
             "department announced on Thursday.\n\n"
             "Doors will open from 10 a.m. to 4 p.m. every Sunday starting April 2. \"Families "
             "have asked us for this for years, and we are glad to say yes,\" said head librarian "
             "Grace Okafor.\n\n"
             "The extra hours are paid for by a $120,000 state grant, which also covers two new "
             "part-time staff for the children's section.",
     "publish_date": "2023-03-09T09:30:00Z", "authors": ["Lena Brandt"], "source": "City Times"},
    {"title": "New bus route links hospital and train station",
     "text": "A new bus route between the general hospital and the central train station "
             "starts running on Monday, the county transit authority said.\n\n"
             "Route 14 will run every 15 minutes on weekdays and every half hour at weekends. "
             "\"Patients and nurses told us the old connection took far too long,\" said transit "
             "director Omar Haddad.\n\n"
             "Tickets cost the same as on other county routes, and the first week is free.",
     "publish_date": "2023-01-16T07:45:00Z", "authors": "Sam Ortiz", "source": "County Herald"},
]

MISSING_A_SUMMARY = (
    "The old mill bridge on River Road will close for six weeks from May 2 while crews replace "
    "its rusted steel beams, the county roads department said on Friday. Drivers are asked to use "
    "the Elm Street crossing instead, and a free shuttle will carry pedestrians across the river "
    "every twenty minutes. \"The bridge is safe today, but it will not stay safe without this "
    "work,\" said county engineer Felix Moreau.")


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def when(text: str | datetime) -> datetime:
    """A publish date as an aware UTC datetime (a date alone is midnight UTC)."""
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=timezone.utc)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class Story:
    slug: str
    title: str
    paragraphs: list[str]
    published: datetime
    authors: list[str] = field(default_factory=list)
    source: str = "City Times"


@dataclass
class Item:
    """One feed item: `path` on this site (with any query), and what the feed says of it."""
    title: str
    path: str
    published: datetime
    summary: str | None = None


@dataclass
class Logged:
    method: str
    path: str  # with the query
    headers: dict[str, str]  # names in lower case
    time: float  # time.monotonic() when the request arrived
    status: int


def story_from_record(record: dict) -> Story:
    authors = record.get("authors") or []
    return Story(slug=slugify(record["title"]), title=record["title"],
                 paragraphs=record["text"].split("\n\n"), published=when(record["publish_date"]),
                 authors=[authors] if isinstance(authors, str) else list(authors),
                 source=record.get("source", "City Times"))


STORIES = [story_from_record(r) for r in CORPUS_RECORDS + MORE_STORIES]


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a fetcher past its timeout or size cap) is no error to print."""

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FeedSite:
    """The site; a context manager (start/stop). `url(path)` is the full URL of a path."""

    site_name = "City Times"

    def __init__(self, slow_seconds: float = 5.0, huge_bytes: int = 3 * 2**20):
        self.slow_seconds = slow_seconds
        self.huge_bytes = huge_bytes
        self.requests: list[Logged] = []
        self.stories: dict[str, Story] = {s.slug: s for s in STORIES}
        corpus, more = STORIES[:3], STORIES[3:]
        self.feeds: dict[str, list[Item]] = {
            "rss": [Item(s.title, f"/articles/{s.slug}.html{TRACKING}", s.published) for s in corpus]
            + [Item("Old mill bridge to close for repairs", "/missing/story-a",
                    when("2023-04-21T15:00:00Z"), summary=MISSING_A_SUMMARY),
               Item("Council publishes draft budget", "/missing/story-b", when("2023-04-20T12:00:00Z"))],
            "atom": [Item(more[0].title, f"/articles/{more[0].slug}.html{TRACKING}", more[0].published),
                     Item(more[1].title, f"/redirect/{more[1].slug}{TRACKING}", more[1].published),
                     Item("Live: election night results", "/slow", when("2023-04-02T21:00:00Z"),
                          summary="Results as they come in."),
                     Item("Annual report 2022 (PDF)", "/not-html", when("2023-03-31T08:00:00Z"),
                          summary="The council's annual report."),
                     Item("Photos: winter festival", "/huge", when("2023-02-05T18:00:00Z"),
                          summary="Our best pictures of the weekend."),
                     Item("Road works this week", "/loop-a", when("2023-02-01T06:00:00Z"),
                          summary="Where the traffic will be slow.")],
        }
        for items in self.feeds.values():
            items.sort(key=lambda i: i.published, reverse=True)
        # both feeds last changed when their newest item was published
        self.modified: dict[str, datetime] = {
            name: max(i.published for i in items) for name, items in self.feeds.items()}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- running --------------------------------------------------------------------------

    def start(self) -> FeedSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real sites do

            def log_message(self, *args):
                pass

            def do_GET(self):
                site._handle(self, body=True)

            def do_HEAD(self):
                site._handle(self, body=False)

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),  # quick to stop
                                        name="feed-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # a slow or trickling answer ends now
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._httpd = self._thread = None

    def __enter__(self) -> FeedSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "the site is not running"
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- content --------------------------------------------------------------------------

    def add_item(self, feed_name: str, slug: str, title: str, paragraphs: list[str],
                 published: str | datetime, author: str | None = None) -> str:
        """Publish a story: its page, and an item at the top of feed "rss" or "atom" (which
        changes the feed's ETag and Last-Modified). Returns the page's URL."""
        name = feed_name.removesuffix(".xml")
        moment = when(published)
        with self._lock:
            self.stories[slug] = Story(slug, title, list(paragraphs), moment,
                                       [author] if author else [], self.site_name)
            self.feeds[name].insert(0, Item(title, f"/articles/{slug}.html{TRACKING}", moment))
            now = datetime.now(timezone.utc).replace(microsecond=0)
            self.modified[name] = max(now, self.modified[name].replace(microsecond=0) + timedelta(seconds=1))
        return self.url(f"/articles/{slug}.html")

    def feed_body(self, name: str) -> bytes:
        with self._lock:
            items = list(self.feeds[name])
            modified = self.modified[name]
        return (self._rss(items, modified) if name == "rss" else self._atom(items, modified)).encode()

    def _rss(self, items: list[Item], modified: datetime) -> str:
        e = html.escape
        parts = [f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{self.site_name}: Local news</title>
    <link>{self.url("/")}</link>
    <atom:link href="{self.url("/rss.xml")}" rel="self" type="application/rss+xml"/>
    <description>News from the city and the county.</description>
    <language>en-us</language>
    <lastBuildDate>{http_date(modified)}</lastBuildDate>
    <ttl>30</ttl>"""]
        for item in items:
            authors, summary = self._teaser(item)
            parts.append(f"""    <item>
      <title>{e(item.title)}</title>
      <link>{e(self.url(item.path))}</link>
      <guid isPermaLink="false">{e(self._guid(item))}</guid>
      <pubDate>{http_date(item.published)}</pubDate>""")
            if authors:
                parts.append(f"      <dc:creator>{e(', '.join(authors))}</dc:creator>")
            if summary:
                parts.append(f"      <description>{e(summary)}</description>")
            parts.append("    </item>")
        parts.append("  </channel>\n</rss>\n")
        return "\n".join(parts)

    def _atom(self, items: list[Item], modified: datetime) -> str:
        e = html.escape
        parts = [f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>{self.site_name}: Features</title>
  <subtitle>Longer reads from the city and the county.</subtitle>
  <link href="{self.url("/")}"/>
  <link rel="self" type="application/atom+xml" href="{self.url("/atom.xml")}"/>
  <id>tag:127.0.0.1,2023:features</id>
  <updated>{modified.isoformat().replace("+00:00", "Z")}</updated>"""]
        for item in items:
            authors, summary = self._teaser(item)
            stamp = item.published.isoformat().replace("+00:00", "Z")
            parts.append(f"""  <entry>
    <title>{e(item.title)}</title>
    <link rel="alternate" type="text/html" href="{e(self.url(item.path))}"/>
    <id>{e(self._guid(item))}</id>
    <published>{stamp}</published>
    <updated>{stamp}</updated>""")
            if authors:
                parts.append("".join(f"    <author><name>{e(a)}</name></author>\n" for a in authors).rstrip())
            if summary:
                parts.append(f"    <summary>{e(summary)}</summary>")
            parts.append("  </entry>")
        parts.append("</feed>\n")
        return "\n".join(parts)

    def _teaser(self, item: Item) -> tuple[list[str], str | None]:
        """What a feed says of an item besides its title: the story's authors, and the
        item's own summary or else the story's first paragraph."""
        story = self._story_of(item)
        return (story.authors if story else []), \
            item.summary or (story.paragraphs[0] if story else None)

    def _guid(self, item: Item) -> str:
        # stable across runs and ports, as a real site's guids are
        return f"tag:citytimes.example,2023:{urlsplit(item.path).path.strip('/')}"

    def _story_of(self, item: Item) -> Story | None:
        path = urlsplit(item.path).path
        slug = path.removeprefix("/articles/").removeprefix("/redirect/").removesuffix(".html")
        return self.stories.get(slug)

    def article_page(self, story: Story) -> bytes:
        e = html.escape
        stamp = story.published.isoformat().replace("+00:00", "Z")
        canonical = self.url(f"/articles/{story.slug}.html")
        byline = (f"By <span class=\"author\" rel=\"author\">{e(', '.join(story.authors))}</span> · "
                  if story.authors else "")
        paragraphs = "\n".join(f"      <p>{e(p, quote=False)}</p>" for p in story.paragraphs)
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(story.title)} | {e(story.source)}</title>
  <meta name="description" content="{e(story.paragraphs[0])}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{e(story.title)}">
  <meta property="og:site_name" content="{e(story.source)}">
  <meta property="og:url" content="{canonical}">
  <meta property="article:published_time" content="{stamp}">
  {"".join(f'<meta name="author" content="{e(a)}">' for a in story.authors)}
  <link rel="canonical" href="{canonical}">
  <link rel="alternate" type="application/rss+xml" title="{self.site_name}" href="{self.url('/rss.xml')}">
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <header class="masthead">
    <a class="logo" href="/">{e(story.source)}</a>
    <nav><ul>
      <li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
      <li><a href="/weather">Weather</a></li><li><a href="/subscribe">Subscribe</a></li>
    </ul></nav>
  </header>
  <main>
    <article>
      <h1>{e(story.title)}</h1>
      <p class="byline">{byline}<time datetime="{stamp}">{story.published:%B} {story.published.day}, {story.published.year}</time></p>
{paragraphs}
    </article>
    <aside class="related"><h2>Most read</h2><ul>
      <li><a href="/news/parking-fees">Parking fees to rise in the new year</a></li>
      <li><a href="/sport/derby">Derby ends in a draw</a></li>
    </ul></aside>
  </main>
  <footer>
    <p>© 2023 {e(story.source)}. All rights reserved.</p>
    <p><a href="/privacy">Privacy</a> · <a href="/terms">Terms of use</a> · <a href="/contact">Contact us</a></p>
  </footer>
</body>
</html>
""".encode()

    def huge_page(self) -> bytes:
        head = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                b"<title>Photos: winter festival</title></head><body><article><h1>Photos: winter festival</h1>\n")
        tail = b"</article></body></html>\n"
        filler = b"<p><img src=\"/photos/festival.jpg\" alt=\"Lanterns on the river at the winter festival\"></p>\n"
        room = max(self.huge_bytes - len(head) - len(tail), 0)
        body = (filler * (room // len(filler) + 1))[:room]
        return head + body + tail

    # -- serving --------------------------------------------------------------------------

    def _record(self, handler: BaseHTTPRequestHandler, arrived: float, status: int) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            self.requests.append(Logged(handler.command, handler.path, headers, arrived, status))

    def _handle(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        arrived = time.monotonic()
        path = urlsplit(handler.path).path
        query = urlsplit(handler.path).query
        headers: dict[str, str] = {}
        content = b""
        status = 200
        if path in ("/rss.xml", "/atom.xml"):
            name = path[1:].removesuffix(".xml")
            content = self.feed_body(name)
            etag = '"' + hashlib.sha256(content).hexdigest()[:20] + '"'
            with self._lock:
                modified = self.modified[name]
            headers = {"Content-Type": f"application/{name}+xml; charset=utf-8", "ETag": etag,
                       "Last-Modified": http_date(modified), "Cache-Control": "max-age=300"}
            if self._unchanged(handler, etag, modified):
                status, content = 304, b""
                del headers["Content-Type"]
        elif path == "/broken.xml":
            content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n  <channel>\n'
                       f'    <title>{self.site_name}: Breaking</title>\n    <link>{self.url("/")}</link>\n'
                       f'    <description>Breaking news as it happ').encode()
            headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
        elif path.startswith("/articles/") and path.endswith(".html"):
            with self._lock:
                story = self.stories.get(path.removeprefix("/articles/").removesuffix(".html"))
            if story is None:
                status, content, headers = self._not_found()
            else:
                content = self.article_page(story)
                headers = {"Content-Type": "text/html; charset=utf-8"}
        elif path.startswith("/redirect/"):
            status, headers = 301, {"Location": f"/articles/{path.removeprefix('/redirect/')}.html"}
        elif path == "/to-ftp":
            status, headers = 302, {"Location": "ftp://127.0.0.1/annual-report.pdf"}
        elif path in ("/loop-a", "/loop-b"):
            status, headers = 302, {"Location": "/loop-b" if path == "/loop-a" else self.url("/loop-a")}
        elif path == "/slow":
            if self._stopping.wait(self.slow_seconds):
                return
            content = b"<!DOCTYPE html><html><head><title>Live</title></head><body><p>Results soon.</p></body></html>"
            headers = {"Content-Type": "text/html; charset=utf-8"}
        elif path == "/trickle":
            self._record(handler, arrived, 200)
            self._trickle(handler)
            return
        elif path == "/not-html":
            content = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
            headers = {"Content-Type": "application/pdf"}
        elif path == "/huge":
            self._record(handler, arrived, 200)
            self._send_huge(handler, chunked="chunked=1" in query, body=body)
            return
        else:
            status, content, headers = self._not_found()
        self._record(handler, arrived, status)  # before answering: a test reads it right after
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            if status != 304:
                handler.send_header("Content-Length", str(len(content)))
            handler.end_headers()
            if body and content:
                handler.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _not_found(self) -> tuple[int, bytes, dict[str, str]]:
        page = (b"<!DOCTYPE html><html><head><title>Page not found</title></head>"
                b"<body><h1>Sorry, we could not find that page.</h1></body></html>")
        return 404, page, {"Content-Type": "text/html; charset=utf-8"}

    def _unchanged(self, handler: BaseHTTPRequestHandler, etag: str, modified: datetime) -> bool:
        """The conditional GET rules: If-None-Match wins; else If-Modified-Since."""
        match = handler.headers.get("If-None-Match")
        if match is not None:
            tags = [t.strip().removeprefix("W/") for t in match.split(",")]
            return "*" in tags or etag in tags
        since = handler.headers.get("If-Modified-Since")
        if since:
            try:
                return parsedate_to_datetime(since) >= modified.replace(microsecond=0)
            except (TypeError, ValueError):
                return False
        return False

    def _send_huge(self, handler: BaseHTTPRequestHandler, chunked: bool, body: bool) -> None:
        page = self.huge_page()
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            if chunked:
                handler.send_header("Transfer-Encoding", "chunked")
            else:
                handler.send_header("Content-Length", str(len(page)))
            handler.end_headers()
            if not body:
                return
            for start in range(0, len(page), 64 * 1024):
                piece = page[start:start + 64 * 1024]
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                handler.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True

    def _trickle(self, handler: BaseHTTPRequestHandler) -> None:
        """A byte every 0.1 s for `slow_seconds`: each read is quick, the whole is not."""
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            deadline = time.monotonic() + self.slow_seconds
            while time.monotonic() < deadline and not self._stopping.wait(0.1):
                handler.wfile.write(b"1\r\n.\r\n")
                handler.wfile.flush()
            handler.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True


@pytest.fixture
def feed_site():
    """A running FeedSite, stopped after the test."""
    with FeedSite() as site:
        yield site


if __name__ == "__main__":  # python tests/feed_site.py: browse it, or subscribe to it by hand
    with FeedSite() as running:
        print("serving", running.url("/rss.xml"), "and", running.url("/atom.xml"), "(Ctrl-C ends)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
