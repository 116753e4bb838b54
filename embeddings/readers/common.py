"""What every reader shares: the skip record, decoding, dates and text clean-up."""
from __future__ import annotations

import codecs
import os
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ..records import source_text


@dataclass(frozen=True)
class Skipped:
    """Input that was not indexed, with where it was and why."""

    file: str  # the file (or folder; an article's id where it was read from none)
    reason: str
    line: int | None = None  # where in the file, when known
    record: int | None = None  # which record of a JSON document

    @property
    def source(self) -> str:
        """Where, as shown: "path", "path:line" or "path#record"."""
        return source_text(self.file, self.line, self.record)

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


def path_text(path: str | os.PathLike) -> str:
    """A path as text that any store or terminal takes: a name with bytes that are not
    UTF-8 (held by Python as lone surrogates) shows them as `\\xff` escapes, the same way
    each time, so sources still compare and prune."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")


# One limit on an article's text in every format (a text file, an HTML page, one JSON
# record): past it an article is refused with its size, not read further.
MAX_ARTICLE_CHARS = 20_000_000


def too_long(chars: int) -> str:
    return f"too long for one article ({chars:,} characters; the limit is {MAX_ARTICLE_CHARS:,})"


class BadInput(Exception):
    """A whole file cannot be read; `line` names where, when known."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line


def gzipped(path: Path) -> bool:
    """A .gz file, or any file that starts with gzip's header. (OSError: unreadable.)"""
    if path.suffix.lower() == ".gz":
        return True
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def read_bytes(path: Path, limit: int) -> tuple[bytes, str | None]:
    """The file's bytes, gunzipped when it is a .gz file; at most `limit` bytes either way.
    With them, what was lost, if anything: a truncated or damaged .gz gives the part that
    could be unpacked, and says where it stopped."""
    if not gzipped(path):
        return path.read_bytes(), None
    parts, size, lost, clean = [], 0, None, False
    unpack = zlib.decompressobj(wbits=47)  # a gzip (or zlib) header, read as it comes
    with open(path, "rb") as f:
        data = f.read(1 << 20)
        while data:
            try:  # at most what the limit leaves, so a small bomb cannot fill memory
                piece = unpack.decompress(data, limit + 1 - size)
            except zlib.error as exc:
                lost = f"damaged gzip data ({exc}); read what came before it"
                break
            parts.append(piece)
            size += len(piece)
            if size > limit:
                raise BadInput(f"gzip file unpacks to more than {limit / 2**20:.0f} MiB")
            if unpack.eof:  # a member ends; another may follow, as gzip allows
                data = unpack.unused_data or f.read(1 << 20)
                clean = not data
                unpack = zlib.decompressobj(wbits=47)
            else:
                data = unpack.unconsumed_tail or f.read(1 << 20)
    if lost is None and not clean:
        lost = "truncated gzip file; read what it held up to the cut"
    if not size:
        raise BadInput(f"corrupt gzip file ({lost or 'nothing in it'})")
    return b"".join(parts), lost


def looks_binary(data: bytes) -> bool:
    """NUL bytes or mostly non-text bytes in the first 8 KiB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls / len(head) > 0.1


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes) -> str:
    """Text in whatever encoding it is in: a BOM's (UTF-8, -16, -32), else UTF-8, else what
    charset-normalizer finds it to be (Latin-1, Windows-1252, UTF-16 without a BOM, ...).
    Bytes that no text encoding explains (NULs, controls) raise BadInput."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise BadInput(f"invalid {encoding.upper()} (at byte {exc.start})") from None
    if looks_binary(data):  # NULs: UTF-16 or -32 without a BOM, or no text at all
        text = _detected(data, wide_only=True)
        if text is None or looks_binary(text.encode("utf-8", "surrogatepass")):
            raise BadInput("binary file, not text")
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = _detected(data)
        if text is None:
            line = data.count(b"\n", 0, exc.start) + 1
            raise BadInput(f"not text in UTF-8 or any encoding recognised (byte "
                           f"0x{data[exc.start]:02x})", line) from None
        return text


def decode_prefix(data: bytes) -> str:
    """The whole lines of text in `data`, bytes cut short at an arbitrary point (a truncated
    archive): a character the cut split (up to 3 bytes in UTF-8, -16 or -32) is left out,
    then the line it was in."""
    parts = [data[:len(data) - cut] for cut in range(4) if len(data) > cut]
    text = None
    if not data.startswith(tuple(bom for bom, _ in _BOMS if bom != codecs.BOM_UTF8)) \
            and not looks_binary(data):
        for part in parts:  # UTF-8 first, as decode_text tries it
            try:
                text = part.decode("utf-8-sig")
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        for part in parts:
            try:
                text = decode_text(part)
                break
            except BadInput:
                continue
        else:
            raise BadInput("the readable part is not text in any encoding recognised")
    return text[:text.rfind("\n") + 1] or text


def _detected(data: bytes, wide_only: bool = False) -> str | None:
    """`data` decoded as charset-normalizer judges it encoded; only as UTF-16 or -32 with
    `wide_only`; None where it finds no encoding that fits."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:1 << 20])
    best = matches.best()
    if best is None or (wide_only and not best.encoding.startswith(("utf_16", "utf_32"))):
        return None
    # A short text fits several single-byte code pages equally well (Windows-1250 and
    # -1252, a DOS or old Mac page), and the detector's first is then a toss-up; the
    # language it hears is the better guide: among the pages that fit as well as its
    # first, take the Windows page made for that language (1252 for Western ones, as
    # browsers read a page labelled latin1, 1250 for Czech, 1254 for Turkish, ...).
    # (A DOS or Mac page is never saved news: the Windows page for the language replaces
    # it even where the detector left that page out as decoding the same.)
    tied = {m.encoding for m in matches if m.percent_chaos <= best.percent_chaos}
    encoding = best.encoding
    terminal = encoding.startswith(_TERMINAL_CODE_PAGES)
    page = next((p for languages, p in _PAGE_FOR.items() if best.language in languages),
                "cp1252" if terminal else None)
    if page and (page in tied or terminal):
        encoding = page
    for name in dict.fromkeys((encoding, best.encoding)):
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):  # a byte past the part examined
            continue
    return None


_TERMINAL_CODE_PAGES = ("cp437", "cp850", "cp852", "cp858", "cp775", "cp1125", "mac_")
_PAGE_FOR = {  # languages (as charset-normalizer names them) -> the Windows code page
    frozenset("""English French German Spanish Portuguese Italian Dutch Swedish Danish
        Norwegian Finnish Icelandic Catalan Basque Galician Irish Welsh Afrikaans Indonesian
        Malay Swahili Unknown""".split()): "cp1252",
    frozenset("Czech Polish Slovak Hungarian Slovene Croatian Romanian Bosnian".split()):
        "cp1250",
    frozenset(["Turkish"]): "cp1254",
    frozenset("Estonian Latvian Lithuanian".split()): "cp1257",
    frozenset(["Greek"]): "cp1253",
    frozenset("Russian Ukrainian Bulgarian Serbian Belarusian Macedonian".split()): "cp1251",
}


def visible(text: str) -> bool:
    """Whether `text` holds anything a reader sees: a letter, digit, punctuation or
    symbol, not only spaces, zero-width and format characters, or lone marks."""
    import unicodedata

    return any(unicodedata.category(ch)[0] in "LNPS" for ch in text)


_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")


def valid_text(text: str) -> str:
    """Lone surrogates (from JSON escapes or undecodable argv) and NULs made U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


# a terminal's escape sequences (CSI: colours, cursor moves; OSC: window titles, links) and
# the other control characters, but tab and newline
_CONTROLS = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                       r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def without_controls(text: str) -> str:
    """`text` with escape sequences and control characters read as spaces: what is left
    is the words' own ("\\x1b[31mJohn Smith" reads as "John Smith")."""
    return _CONTROLS.sub(" ", text)


def clean_body(text: str) -> str:
    """Normalised newlines, no trailing spaces, paragraphs separated by one blank line."""
    text = valid_text(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def paragraphs_to_body(paragraphs: list[str]) -> str:
    return "\n\n".join(p for p in (clean_body(p) for p in paragraphs) if p)


def parse_date(value: object) -> date | None:
    """A date from an ISO string, a free-form date stated in full, an epoch number, or
    None: an article without a stated date is undated, never given one."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            stamp = value / 1000 if value > 1e11 else value
            return datetime.utcfromtimestamp(stamp).date()
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or len(value) > 100:
        return None
    return _explicit_date(value.strip())


_YEAR = re.compile(r"\b(?:1[89]|2\d)\d\d\b")


def _explicit_date(text: str) -> date | None:
    """The date `text` states in full (day, month and year), else None: "Tuesday" or
    "May 4 and 5" name no year, "Dec 2018" no day, and a parser that fills what is missing
    from today (dateutil's way) would invent them."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    if not _YEAR.search(text):
        return None
    from dateutil import parser as dateparser

    try:  # parsed against two different defaults: any part taken from them differs
        first = dateparser.parse(text, default=datetime(1904, 2, 2)).date()
        second = dateparser.parse(text, default=datetime(1908, 3, 3)).date()
    except (ValueError, OverflowError, TypeError):
        return None
    return first if first == second else None


def outlet_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def one_article_text(text: str) -> str:
    """The text of a file that holds one article, refused when empty or too long."""
    if not text.strip():
        raise BadInput("empty file")
    if len(text) > MAX_ARTICLE_CHARS:
        raise BadInput(too_long(len(text)))
    return text
