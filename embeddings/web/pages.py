"""Web pages as articles: fetched politely, the article extracted as from a saved page
(`readers.html`), and a feed item's own text where the page cannot be had."""
from __future__ import annotations

from ..readers.common import BadInput, decode_text
from ..records import Article
from .feeds import FeedItem
from .fetch import Fetcher, FetchError, Response, borrowed

HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
MIN_SUMMARY_WORDS = 20  # a feed item's text shorter than this is a teaser, not an article


def page_article(response: Response, title: str | None = None,
                 outlet: str | None = None) -> Article:
    """The article of a fetched page; BadInput when it is not a web page or holds none."""
    from ..readers.html import html_article

    media = response.media_type
    if media is not None and media not in HTML_TYPES:
        raise BadInput(f"not a web page ({media})")
    data = response.content
    text = None
    if response.charset:
        try:
            text = data.decode(response.charset)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = decode_text(data)
    return html_article(text, title=title, url=response.url, outlet=outlet)


def fetch_article(fetcher: Fetcher, url: str, title: str | None = None,
                  outlet: str | None = None, public_only: bool = False) -> Article:
    """The article at `url`; FetchError or BadInput (each with a short reason) if none.
    `public_only`: see `Fetcher.get`."""
    return page_article(fetcher.get(url, accept=PAGE_ACCEPT, public_only=public_only),
                        title=title, outlet=outlet)


def summary_article(item: FeedItem, outlet: str | None) -> Article | None:
    """The article a feed item's own text makes, when it holds enough to quote."""
    if len(item.summary.split()) < MIN_SUMMARY_WORDS:
        return None
    return Article(title=item.title or item.summary.split("\n")[0][:120], body=item.summary,
                   url=item.link, outlet=outlet, authors=item.authors, published=item.published)


def failure_reason(exc: Exception) -> str:
    if isinstance(exc, (FetchError, BadInput)):
        return exc.reason
    return f"could not read the page ({type(exc).__name__})"


def fetch_pages(urls: list[str], fetcher: Fetcher | None = None,
                progress=None) -> tuple[list[Article], list]:
    """The articles of these pages, and a `readers.Skipped` naming each that gave none
    (`newsdesk index https://...`). `progress(done, total)` after each page."""
    from ..readers import Skipped

    articles: list[Article] = []
    skipped: list[Skipped] = []
    with borrowed(fetcher) as fetcher:
        for done, url in enumerate(urls, start=1):
            try:
                articles.append(fetch_article(fetcher, url))
            except Exception as exc:  # noqa: BLE001 - one bad page never stops the others
                skipped.append(Skipped(url, failure_reason(exc)))
            if progress:
                progress(done, len(urls))
    return articles, skipped
