"""JSON and JSON Lines records with the field names news dumps commonly use."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..records import Article
from .common import (MAX_ARTICLE_CHARS, BadInput, Skipped, clean_body, outlet_from_url,
                     parse_date, path_text, too_long, valid_text, visible)

URL_FIELDS = ("url", "link", "canonical_url", "source_url")
TITLE_FIELDS = ("title", "headline")
TEXT_FIELDS = ("text", "body", "content", "article", "maintext")
DATE_FIELDS = ("publish_date", "published_at", "published", "date", "pubDate", "date_publish")
AUTHOR_FIELDS = ("authors", "author", "byline")
OUTLET_FIELDS = ("source", "outlet", "publisher", "site_name", "sitename", "source_domain")
_LIST_KEYS = ("articles", "data", "items", "results", "records")


def _first(record: dict, fields: tuple[str, ...]) -> object:
    for name in fields:
        value = record.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _name(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or value.get("id")
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _authors(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if isinstance(value, list):
        return tuple(n for n in (_name(v) for v in value) if n)
    name = _name(value)
    return (name,) if name else ()


def record_to_article(record: object, file: str | None = None, line: int | None = None,
                      position: int | None = None) -> Article:
    """An Article from one record (read from `file`, at `line` of JSON Lines or the
    `position`-th record of a JSON document); BadInput when it is not a record with text."""
    if not isinstance(record, dict):
        raise BadInput(f"not a JSON object ({type(record).__name__})")
    text = _first(record, TEXT_FIELDS)
    if not isinstance(text, str) or not visible(text):
        raise BadInput("record without text (expected one of: " + ", ".join(TEXT_FIELDS) + ")")
    if len(text) > MAX_ARTICLE_CHARS:
        raise BadInput(too_long(len(text)))
    url = _first(record, URL_FIELDS)
    url = url.strip() if isinstance(url, str) and url.strip() else None
    url = valid_text(url) if url else None
    title = _name(_first(record, TITLE_FIELDS)) or ""
    body = clean_body(text)
    if not title:
        title = body.split("\n")[0][:120]
    return Article(
        title=clean_body(title),
        body=body,
        url=url,
        outlet=clean_body(_name(_first(record, OUTLET_FIELDS)) or outlet_from_url(url) or "") or None,
        authors=tuple(clean_body(a) for a in _authors(_first(record, AUTHOR_FIELDS))),
        published=parse_date(_first(record, DATE_FIELDS)),
        source_file=file,
        source_line=line,
        source_record=position,
    )


def _records_of(document: object) -> list:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in _LIST_KEYS:
            if isinstance(document.get(key), list):
                return document[key]
        return [document]
    raise BadInput("JSON document is neither an object nor a list")


def read_json_lines(text: str, path: Path, first_line: int = 1) -> Iterator[Article | Skipped]:
    """The records of JSON Lines text, numbered from `first_line` (a shard of a file,
    `shards.read_shard`, starts further in)."""
    for number, line in enumerate(text.split("\n"), start=first_line):
        if not line.strip():
            continue
        file = path_text(path)
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(file, f"malformed JSON line ({exc.msg})", line=number)
            continue
        except (RecursionError, ValueError) as exc:  # absurd nesting, 5,000-digit numbers
            yield Skipped(file, f"unreadable JSON line ({type(exc).__name__})", line=number)
            continue
        try:
            yield record_to_article(record, file, line=number)
        except BadInput as exc:
            yield Skipped(file, exc.reason, line=number)


def read_json(text: str, path: Path, lines: bool) -> Iterator[Article | Skipped]:
    """Records from a JSON document, or from JSON Lines (also when a .json holds lines)."""
    if not text.strip():
        raise BadInput("empty file")
    if not lines:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            if "\n" in text.strip() and exc.msg == "Extra data":
                yield from read_json_lines(text, path)
                return
            raise BadInput(f"malformed JSON ({exc.msg})", exc.lineno) from None
        except (RecursionError, ValueError) as exc:
            raise BadInput(f"unreadable JSON ({type(exc).__name__})") from None
        file = path_text(path)
        for i, record in enumerate(_records_of(document), start=1):
            try:
                yield record_to_article(record, file, position=i)
            except BadInput as exc:
                yield Skipped(file, exc.reason, record=i)
        return
    yield from read_json_lines(text, path)


def read_json_file(text: str, path: Path) -> Iterator[Article | Skipped]:
    """A `.json` file's records (`READERS`)."""
    return read_json(text, path, lines=False)


def read_jsonl_file(text: str, path: Path) -> Iterator[Article | Skipped]:
    """A JSON Lines file's records (`READERS`)."""
    return read_json(text, path, lines=True)
