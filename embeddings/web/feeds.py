"""RSS 0.9x/1.0/2.0 and Atom feeds read with feedparser: the feed's name and its items
(link, headline, summary as plain text, date, authors)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from ..readers.common import clean_body, visible
from ..urls import is_web_url


class FeedError(Exception):
    """What was fetched is not a feed that can be read; `reason` is said to the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FeedItem:
    key: str  # the item's id (guid), else its link, else a hash of its headline
    link: str | None  # absolute
    title: str
    summary: str  # the item's own text (content, else summary), as plain paragraphs
    published: date | None
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    title: str | None
    link: str | None  # the site's home page
    items: list[FeedItem] = field(default_factory=list)


def parse_feed(content: bytes, url: str) -> Feed:
    """The feed in `content` (fetched from `url`: relative links resolve against it).
    A document with XML errors is read as far as feedparser can; FeedError when it yields
    no feed at all."""
    import feedparser

    parsed = feedparser.parse(content, response_headers={"content-location": url})
    meta = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    if parsed.get("bozo") and not entries:
        problem = parsed.get("bozo_exception")
        raise FeedError(f"not a readable feed ({_first_line(problem) or 'malformed'})")
    if not entries and not parsed.get("version") and not meta.get("title"):
        raise FeedError("not a feed (no RSS or Atom found)")
    items = [item for entry in entries if (item := _item(entry)) is not None]
    return Feed(title=_text(meta.get("title")) or None, link=meta.get("link") or None,
                items=items)


def _item(entry) -> FeedItem | None:
    link = entry.get("link") or None
    if link and not is_web_url(link):
        link = None
    title = _text(entry.get("title")) or ""
    summary = ""
    for content in entry.get("content", []) or []:
        summary = html_text(content.get("value", ""))
        if summary:
            break
    if not summary:
        summary = html_text(entry.get("summary", "") or "")
    if not (link or title or summary):
        return None
    key = entry.get("id") or link or "title:" + hashlib.sha256(
        (title + summary).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    authors = tuple(a for a in (_text(x.get("name")) for x in entry.get("authors", []) or [])
                    if a)
    return FeedItem(str(key), link, title, summary, _day(entry), authors)


def _day(entry) -> date | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(name)
        if value:
            try:
                return date(value.tm_year, value.tm_mon, value.tm_mday)
            except (ValueError, AttributeError):
                continue
    return None


_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "pre"}


def html_text(markup: str) -> str:
    """The text of an HTML fragment (a feed's summary) as paragraphs; markup, scripts and
    styles dropped. Text that is not HTML comes back cleaned."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup:
        return clean_body(markup.replace("&nbsp;", " "))
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return ""
    for bad in root.xpath(".//script|.//style|.//noscript"):
        bad.drop_tree()
    parts: list[str] = []

    def walk(node) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag.lower() in _BLOCKS:
                parts.append("\n\n")
            walk(child)
            if tag.lower() in _BLOCKS:
                parts.append("\n\n")
            if child.tail:
                parts.append(child.tail)

    walk(root)
    text = clean_body("".join(parts))
    return text if visible(text) else ""


def _text(value) -> str:
    return " ".join(html_text(str(value)).split()) if value else ""


def _first_line(problem) -> str:
    return str(problem).strip().split("\n")[0][:120] if problem else ""
