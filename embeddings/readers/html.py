"""HTML pages: main text and metadata extracted with trafilatura, made for news pages."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..records import Article
from .common import BadInput, one_article_text, clean_body, outlet_from_url, parse_date, path_text, visible


def read_html_article(html: str, path: Path) -> Article:
    import trafilatura

    if not html.strip():
        raise BadInput("empty file")
    # the page's own date or none: htmldate's extensive search guesses one from any
    # number on the page, and falls back to 1995-01-01
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True,
                                      date_extraction_params={"extensive_search": False,
                                                              "original_date": True})
    if doc is None or not (doc.text or "").strip():
        raise BadInput("no article text found in the page")
    title = clean_body(doc.title or "") or path.stem
    lines = [ln for ln in doc.text.split("\n")]
    if lines and lines[0].strip() == title:
        lines = lines[1:]  # the headline repeated as the first line of text
    body = "\n\n".join(clean_body(ln) for ln in lines if ln.strip())
    if not visible(body):
        raise BadInput("no article text found in the page")
    url = doc.url or None
    authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
    return Article(title=title, body=body, url=url,
                   outlet=doc.sitename or outlet_from_url(url),
                   authors=authors, published=parse_date(doc.date), source_file=path_text(path))


def read_html_file(html: str, path: Path) -> Iterator[Article]:
    """An HTML page: one article (`READERS`)."""
    yield read_html_article(one_article_text(html), path)
