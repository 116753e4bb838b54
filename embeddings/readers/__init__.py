"""Readers: files and folders in, `Article`s (or `Skipped` records naming file and line) out."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..lazy import lazy_names
from ..records import Article
from .common import BadInput, Skipped, decode_text, read_bytes

__all__ = ["Skipped", "read_paths", "read_file", "record_to_article", "ARTICLE_SUFFIXES"]

# the readers of each format load when a file of that format is read: a search imports
# `readers.common` (and so this package) and needs none of them
__getattr__ = lazy_names(__name__, {"record_to_article": ".jsonrecords"})

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
ARTICLE_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | HTML_SUFFIXES
MAX_FILE_BYTES = 512 * 1024 * 1024  # past this a file is refused, not read into memory
MAX_SINGLE_ARTICLE_CHARS = 20_000_000


def _kind(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    for kind, group in (("text", TEXT_SUFFIXES), ("json", JSON_SUFFIXES),
                        ("jsonl", JSONL_SUFFIXES), ("html", HTML_SUFFIXES)):
        if last in group:
            return kind
    return None


def _sniff(text: str) -> str:
    head = text.lstrip()[:512].lower()
    if head.startswith(("{", "[")):
        return "json"
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return "html"
    return "text"


def read_file(path: Path) -> Iterator[Article | Skipped]:
    """Everything one file holds; a file that cannot be read at all yields one Skipped."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadInput(f"file too large ({size / 2**20:.0f} MiB; the limit is "
                           f"{MAX_FILE_BYTES / 2**20:.0f} MiB)")
        text = decode_text(read_bytes(path, MAX_FILE_BYTES))
        kind = _kind(path) or _sniff(text)
        if kind in ("json", "jsonl"):
            from .jsonrecords import read_json

            yield from read_json(text, path, lines=kind == "jsonl")
            return
        if not text.strip():
            raise BadInput("empty file")
        if len(text) > MAX_SINGLE_ARTICLE_CHARS:
            raise BadInput(f"too long for one article ({len(text):,} characters)")
        if kind == "html":
            from .html import read_html_article as reader
        else:
            from .text import read_text_article as reader
        yield reader(text, path)
    except BadInput as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        yield Skipped(where, exc.reason)
    except OSError as exc:
        yield Skipped(str(path), f"cannot read ({exc.strerror or exc})")


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def read_paths(paths: Iterable[str | os.PathLike]) -> Iterator[Article | Skipped]:
    """Articles from files and folders (recursively), in a stable order."""
    for raw in paths:
        path = Path(raw).absolute()  # sources are recorded absolute, so --prune works anywhere
        if path.is_dir():
            for file in _walk(path):
                if not file.is_file():  # FIFOs, sockets, devices: never opened
                    yield Skipped(str(file), "not a regular file")
                elif _kind(file) is None:
                    yield Skipped(str(file), f"not an article file ({file.suffix or 'no suffix'})")
                else:
                    yield from read_file(file)
        elif path.is_file():
            yield from read_file(path)
        elif path.exists():
            yield Skipped(str(path), "not a regular file")
        else:
            yield Skipped(str(path), "no such file or folder")
