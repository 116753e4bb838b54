"""HTML pages: main text and metadata extracted with trafilatura, made for news pages."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..records import Article
from .common import BadInput, one_article_text, clean_body, outlet_from_url, parse_date, path_text, visible


def html_article(html: str, title: str | None = None, url: str | None = None,
                 outlet: str | None = None, source_file: str | None = None) -> Article:
    """The article of one page. The page's own metadata (its canonical URL, see `_own_url`;
    its site name, headline) comes first; `title`, `url` and `outlet` stand in where it has
    none (a file's name, the address it was fetched from, a feed's name); the outlet is
    last the URL's host. BadInput when the page holds no article text."""
    import trafilatura

    if not html.strip():
        raise BadInput("empty page")
    # the page's own date or none: htmldate's extensive search guesses one from any
    # number on the page, and falls back to 1995-01-01
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True,
                                      date_extraction_params={"extensive_search": False,
                                                              "original_date": True})
    if doc is None or not (doc.text or "").strip():
        raise BadInput("no article text found in the page")
    title = clean_body(doc.title or "") or title or ""
    lines = [ln for ln in doc.text.split("\n")]
    if lines and lines[0].strip() == title:
        lines = lines[1:]  # the headline repeated as the first line of text
    body = "\n\n".join(clean_body(ln) for ln in lines if ln.strip())
    if not visible(body):
        raise BadInput("no article text found in the page")
    url = _own_url(doc.url, url)
    authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
    return Article(title=title, body=body, url=url,
                   outlet=doc.sitename or outlet or outlet_from_url(url),
                   authors=authors, published=parse_date(doc.date), source_file=source_file)


def _own_url(claimed: str | None, fetched: str | None) -> str | None:
    """The page's own canonical URL (its `rel=canonical` or `og:url`) where it may be
    trusted, else the address it was fetched from. A fetched page may only name a URL of
    its own site: a syndicated copy that names the original publisher's page would
    otherwise take that article's place (one URL, one article). A saved file has no
    address of its own: its page names it."""
    from ..urls import is_web_url

    if not claimed or not is_web_url(claimed):
        return fetched
    if fetched is None or outlet_from_url(claimed) == outlet_from_url(fetched):
        return claimed
    return fetched


def read_html_file(html: str, path: Path) -> Iterator[Article]:
    """An HTML page: one article (`READERS`)."""
    yield html_article(one_article_text(html), title=path.stem, source_file=path_text(path))
