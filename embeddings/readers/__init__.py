"""Readers: files and folders in, `Article`s (or `Skipped` records naming file and line) out.

What a folder holds is read, and everything not read is named with its reason: hidden
(dot) files and folders, folders that cannot be listed, and symlinks that are not
followed. A symlink to a file inside the folder given is read; one that leads outside it,
and any symlink to a folder, is followed only with `follow_symlinks` (so indexing a folder
never quotes a file from elsewhere on the machine that a link points to). A path
given by name is read even when it is itself a link: the user chose it."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..lazy import lazy_names
from ..records import Article
from .common import (MAX_ARTICLE_CHARS, BadInput, Skipped, decode_prefix, decode_text,  # noqa: F401
                     path_text, read_bytes)

__all__ = ["Skipped", "article_files", "read_paths", "read_file", "record_to_article", "reader_suffix",
           "ARTICLE_SUFFIXES"]

# the readers of each format load when a file of that format is read: a search imports
# `readers.common` (and so this package) and needs none of them
__getattr__ = lazy_names(__name__, {"record_to_article": ".jsonrecords"})

# The reader of each format, by file suffix (a `.gz` after it is read through): adding a
# format is a module in this package and a line here. Each reader takes the file's text and
# path and yields `Article`s and `Skipped` records; its module loads when a file of its
# format is read.
READERS: dict[str, str] = {
    ".txt": ".text:read_text_file", ".md": ".text:read_text_file",
    ".markdown": ".text:read_text_file", ".text": ".text:read_text_file",
    ".json": ".jsonrecords:read_json_file",
    ".jsonl": ".jsonrecords:read_jsonl_file", ".ndjson": ".jsonrecords:read_jsonl_file",
    ".html": ".html:read_html_file", ".htm": ".html:read_html_file",
    ".xhtml": ".html:read_html_file",
}
ARTICLE_SUFFIXES = frozenset(READERS)
MAX_FILE_BYTES = 512 * 1024 * 1024  # past this a file is refused, not read into memory


def reader_suffix(path: Path) -> str | None:
    """The suffix that chooses the reader (the one before a `.gz`), if one is known."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    return last if last in READERS else None


def _reader(suffix: str):
    from importlib import import_module

    module, _, name = READERS[suffix].partition(":")
    return getattr(import_module(module, __name__), name)


def _sniff(text: str) -> str:
    """The suffix a file without a known one reads as, by how its text starts."""
    head = text.lstrip()[:512].lower()
    if head.startswith(("{", "[")):
        return ".json"
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return ".html"
    return ".txt"


def read_file(path: Path) -> Iterator[Article | Skipped]:
    """Everything one file holds; a file that cannot be read at all yields one Skipped."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadInput(f"file too large ({size / 2**20:.0f} MiB; the limit is "
                           f"{MAX_FILE_BYTES / 2**20:.0f} MiB)")
        data, lost = read_bytes(path, MAX_FILE_BYTES)
        if lost:  # what could be read is read; the file is named as not read whole
            text = decode_prefix(data)
            yield Skipped(path_text(path), lost)
        else:
            text = decode_text(data)
        yield from _reader(reader_suffix(path) or _sniff(text))(text, path)
    except BadInput as exc:
        yield Skipped(path_text(path), exc.reason, line=exc.line or None)
    except OSError as exc:
        yield Skipped(path_text(path), f"cannot read ({exc.strerror or exc})")


NOT_FOLLOWED = "symlink not followed (--follow-symlinks reads it)"


def _inside(path: Path, folders: list[Path]) -> bool:
    return any(path == f or f in path.parents for f in folders)


def _real(path: Path) -> Path | None:
    """Where `path` leads, or None for a link that loops (a -> b -> a)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return None


def _walk(folder: Path, follow_symlinks: bool) -> Iterator[Path | Skipped]:
    """The files under `folder` in a stable order, and a Skipped for each thing not read."""
    inside = [folder.resolve()]
    errors: list[OSError] = []
    seen = {folder.resolve()}  # folders entered, by their real path: links cannot loop
    for root, dirs, files in os.walk(folder, onerror=errors.append, followlinks=follow_symlinks):
        yield from _unlistable(errors)
        here = Path(root)
        keep = []
        for name in sorted(dirs):
            sub = here / name
            if name.startswith("."):
                yield Skipped(path_text(sub), "hidden folder")
            elif sub.is_symlink() and not follow_symlinks:
                yield Skipped(path_text(sub), f"folder {NOT_FOLLOWED}")
            elif (real := _real(sub)) is None or real in seen:
                yield Skipped(path_text(sub), "symlink to a folder read already")
            else:
                seen.add(real)
                keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            file = here / name
            if name.startswith("."):
                yield Skipped(path_text(file), "hidden file")
            elif file.is_symlink() and (real := _real(file)) is None:
                yield Skipped(path_text(file), "symlink that loops")
            elif file.is_symlink() and not follow_symlinks and not _inside(real, inside):
                yield Skipped(path_text(file), f"leads outside the folder given; {NOT_FOLLOWED}")
            else:
                yield file
    yield from _unlistable(errors)


def _unlistable(errors: list[OSError]) -> Iterator[Skipped]:
    for error in errors:
        yield Skipped(path_text(error.filename or "?"),
                      f"cannot read folder ({error.strerror or error})")
    errors.clear()


def article_files(paths: Iterable[str | os.PathLike],
                  follow_symlinks: bool = False) -> Iterator[Path | Skipped]:
    """The article files under files and folders (recursively), in a stable order, without
    reading them, and a Skipped for each thing that will not be read; see the module's note
    for what is not read, and why."""
    for raw in paths:
        path = Path(raw).absolute()  # sources are recorded absolute, so --prune works anywhere
        if path.is_dir():
            for file in _walk(path, follow_symlinks):
                if isinstance(file, Skipped):
                    yield file
                elif not file.is_file():  # FIFOs, sockets, devices, broken links: never opened
                    yield Skipped(path_text(file), "not a regular file")
                elif reader_suffix(file) is None:
                    yield Skipped(path_text(file),
                                  f"not an article file ({path_text(file.suffix) or 'no suffix'})")
                else:
                    yield file
        elif path.is_file():
            yield path
        elif path.exists():
            yield Skipped(path_text(path), "not a regular file")
        else:
            yield Skipped(path_text(path), "no such file or folder")


def read_paths(paths: Iterable[str | os.PathLike],
               follow_symlinks: bool = False) -> Iterator[Article | Skipped]:
    """Articles from files and folders (recursively), in a stable order (`article_files`)."""
    for file in article_files(paths, follow_symlinks):
        if isinstance(file, Skipped):
            yield file
        else:
            yield from read_file(file)
