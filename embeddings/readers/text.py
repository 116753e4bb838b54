"""Markdown and plain-text articles, including the seed format saved from news sites.

Seed shape: `# Title`, `By [Outlet](#)`, a date line, bold photo-credit lines, the body,
`**Related article: [...](#)**` boilerplate, and an `Original url:` trailer with `<url>`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..records import Article
from .common import BadInput, one_article_text, clean_body, paragraphs_to_body, parse_date, path_text, visible

_BYLINE = re.compile(r"^By\s+(?:\[(?P<linked>[^\]]+)\]\([^)]*\)|(?P<plain>.+))$")
_BOLD_LINE = re.compile(r"^\*\*.*\*\*$")
_RELATED = re.compile(r"^\**\s*Related articles?:", re.IGNORECASE)
_URL_TRAILER = re.compile(r"^Original url:\s*(?:<(?P<url>[^>\s]+)>|(?P<bare>\S+))?\s*$", re.IGNORECASE)
_ANGLE_URL = re.compile(r"^<(?P<url>https?://[^>\s]+)>$")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline_markdown_to_text(paragraph: str) -> str:
    return _MD_BOLD.sub(r"\1", _MD_LINK.sub(r"\1", paragraph))


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def read_text_article(text: str, path: Path) -> Article:
    """One article from a Markdown or text file; seed-style metadata when present."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise BadInput("empty file")
    paras = _paragraphs(text)
    title = outlet = url = None
    published = None

    if paras and paras[0].startswith("# ") and "\n" not in paras[0]:
        title = paras.pop(0)[2:].strip()
        if paras and (m := _BYLINE.match(paras[0])) and "\n" not in paras[0]:
            outlet = (m.group("linked") or m.group("plain")).strip()
            paras.pop(0)
        if paras and len(paras[0]) < 60 and (d := parse_date(paras[0])):
            published = d
            paras.pop(0)
        while paras and _BOLD_LINE.match(paras[0]) and "\n" not in paras[0]:
            paras.pop(0)  # photo credits above the story

    body_paras: list[str] = []
    for i, para in enumerate(paras):
        m = _URL_TRAILER.match(para.split("\n")[0])
        if m:
            url = m.group("url") or m.group("bare")
            rest = para.split("\n")[1:] + paras[i + 1:]
            for line in rest:
                if not url and (u := _ANGLE_URL.match(line.strip())):
                    url = u.group("url")
            break
        if _RELATED.match(para):
            continue
        body_paras.append(_inline_markdown_to_text(para))

    if title is None:
        first = body_paras[0] if body_paras else ""
        first_line = first.split("\n")[0].lstrip("#").strip()
        if len(body_paras) > 1 and 0 < len(first_line) <= 200 and "\n" not in first:
            title = first_line
            body_paras.pop(0)
        else:
            title = path.stem
    body = paragraphs_to_body(body_paras)
    if not visible(body):
        raise BadInput("no article text")
    return Article(title=clean_body(title), body=body, url=url, outlet=outlet,
                   published=published, source_file=path_text(path))


def read_text_file(text: str, path: Path) -> Iterator[Article]:
    """A text or Markdown file: one article (`READERS`)."""
    yield read_text_article(one_article_text(text), path)
