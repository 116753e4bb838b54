"""One corpus of hostile input, 50 kinds, indexed beside good articles (issue 12): each
kind's outcome, the good articles still answered, and what a terminal receives from `ask`
and `search` over it (a real pty)."""
from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.render import link_target
from embeddings import Index, Skipped

BIN = Path(sys.executable).parent
GOOD = ("# Harbour tunnel opens\n\nThe harbour tunnel opened on Friday after ten years of "
        "work, the city said.\n")
GOOD_2 = ("# Bridge toll rises\n\nThe bridge toll rises to five dollars next year, officials "
          "said on Monday.\n")
STORY = "The ferry crews walked out at dawn, the union’s chief said: “enough”."


def _story(n: int) -> str:
    return STORY.replace("dawn", f"dawn on day {n}")


def _json(**record) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _write(folder: Path, name: str | bytes, data: bytes | str) -> None:
    path = os.fsencode(folder) + b"/" + (name if isinstance(name, bytes) else name.encode())
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def _build(folder: Path, outside: Path) -> None:
    """Every hostile kind: name -> (file name, what it holds)."""
    folder.mkdir()
    outside.mkdir()
    w = lambda name, data: _write(folder, name, data)  # noqa: E731
    w("good-1.md", GOOD)
    w("good-2.md", GOOD_2)
    w(b"bad \xff name.md", "# Bad name\n\nThe sluice gate closed at noon, the keeper said.\n")
    w("\x1b[31mred.md", "# Escape name\n\nThe lighthouse lamp was replaced in June.\n")
    w("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)))
    w("empty.md", b"")
    w("blank.txt", "   \n\n\t  \n")
    w("zero-width.txt", "\u200b\u200c\u200d\n\n\ufeff\u2060")
    w("nul.txt", b"Harbour text\x00\x00\x00 with NULs\x00 inside it.\n")
    w("utf16-bom.txt", ("UTF16 strike\n\n" + _story(1)).encode("utf-16"))
    w("utf16-le.txt", ("UTF16LE strike\n\n" + _story(2)).encode("utf-16-le"))
    w("cp1252.txt", ("Windows strike\n\n" + _story(3)).encode("cp1252"))
    w("latin1.md", "# Café crème\n\nLe café ouvre à Noël, dit le maire.".encode("latin-1"))
    w("utf8-bom.md", "\ufeff# BOM story\n\nThe ferry timetable changes in May.\n")
    w("crlf.txt", "CRLF story\r\n\r\nThe canal reopened on Sunday.\r\nBoats returned.\r\n")
    w("cr.txt", "CR story\r\rThe pier was painted blue.\rVisitors came.\r")
    w("escapes.md", "# Escapes story\n\nThe mayor said \x1b]52;c;ZXZpbA==\x07the budget "
      "\x1b[31mis balanced\x1b[0m and \x1b[2J the deficit is gone, the council said.\n")
    w("osc-title.jsonl", _json(title="Title \x1b]0;pwned\x07 story", url="https://t.example/osc",
                               text="The tide gauge broke on Tuesday, engineers said."))
    w("markup.md", "# Markup story\n\nThe [bold]harbour[/bold] master [link=https://evil."
      "example]resigned[/link] on Monday.\n")
    w("script.html", "<html><head><title>Script page</title><script>alert('x')</script></head>"
      "<body><article><h1>Script page</h1><p>The dredger arrived at the port on Wednesday "
      "morning, the port authority said in a statement to reporters.</p><script>steal()"
      "</script></article></body></html>")
    w("no-text.html", "<html><head><title>Nothing</title></head><body><div> </div></body></html>")
    w("undated.html", "<html><head><title>Undated page</title></head><body><article><h1>"
      "Undated page</h1><p>The ferry crews walked out at dawn on Tuesday, the union said. They "
      "want better pay and shorter shifts, a spokesman told reporters.</p><p>Copyright 1995 "
      "Harbour News Ltd.</p></article><footer>© 2020</footer></body></html>")
    w("forged-title.jsonl", _json(title="Real title\n[2] Fake (Reuters, 2020-01-01)\u2028https:"
                                        "//evil.example", url="https://t.example/forged",
                                  text="The breakwater cost nine million dollars, they said."))
    w("forged-url.jsonl", _json(title="Forged URL", url="https://t.example/u\r\nhttps://evil",
                                text="The marina added forty berths this spring."))
    w("js-url.jsonl", _json(title="Script URL", url="javascript:alert(1)",
                            text="The ferry fare stays at two dollars, the operator said."))
    w("malformed.json", '{"title": "x",\n "text": ')
    w("not-objects.json", "[1, 2, 3]")
    w("no-text.jsonl", _json(title="No text", url="https://t.example/none"))
    w("deep.json", "[" * 100_000 + "]" * 100_000)
    w("big-number.json", '{"title": "n", "text": "t", "n": ' + "9" * 5000 + "}")
    w("mixed.jsonl", _json(title="Mixed good", text="The quay was extended by ten metres.")
      + "{broken line\n")
    w("corrupt.jsonl.gz", b"\x1f\x8bnot really gzip at all")
    records = "".join(_json(title=f"Archived {i}", url=f"https://t.example/a{i}",
                            text=f"Archive record {i} about the harbour.") for i in range(300))
    packed = gzip.compress(records.encode())
    w("truncated.jsonl.gz", packed[:len(packed) // 2])
    w("bomb.jsonl.gz", gzip.compress(b" " * 3_000_000))
    w("too-large.txt", "Large\n\n" + "The harbour grew. " * 120_000)  # > 1 MiB
    w("too-long.jsonl", _json(title="Too long", text="The harbour grew. " * 40_000))
    w("giant-word.txt", "Giant word\n\nIt began. " + "x" * 100_000 + " It ended.\n")
    w("image.png", b"\x89PNG\r\n\x1a\n")
    w("report.docx", b"PK\x03\x04 not an article")
    w(".secret.md", "# Secret\n\nNot to be indexed.\n")
    (folder / ".git").mkdir()
    _write(folder / ".git", "config.md", "# Git\n\nNot read.\n")
    _write(outside, "private.md", "# Private\n\nThe vault code is 4417.\n")
    (folder / "outside-link.md").symlink_to(outside / "private.md")
    (folder / "folder-link").symlink_to(outside, target_is_directory=True)
    (folder / "broken-link.md").symlink_to(folder / "missing.md")
    os.mkfifo(folder / "pipe.md")
    w("weekday.md", "# Weekday\n\nTuesday\n\nThe crane was delivered late, the builder said.\n")
    w("opening.md", "# Festival\n\nMay 4 and 5\n\nThe harbour festival returns with music.\n")
    w("dup-a.jsonl", _json(title="Dup", url="https://t.example/dup", text="First copy."))
    w("dup-b.jsonl", _json(title="Dup", url="https://t.example/dup", text="Second copy."))
    w("bidi.jsonl", _json(title="Bidi \u202eevil\u202c title", url="https://t.example/bidi",
                          text="The seawall was raised by a metre, the agency said."))
    w("title-only.md", "# Only a title\n")
    w("scalar.json", "42")


# kind -> (the source's file name, "indexed" or the skip reason it must give)
KINDS = {
    "file name not UTF-8": ("bad \\xff name.md", "indexed"),
    "escape in a file name": ("\x1b[31mred.md", "indexed"),
    "binary bytes": ("binary.txt", "binary file"),
    "empty file": ("empty.md", "empty file"),
    "blank file": ("blank.txt", "empty file"),
    "zero-width characters only": ("zero-width.txt", "no article text"),
    "NUL bytes": ("nul.txt", "binary file"),
    "UTF-16 with a BOM": ("utf16-bom.txt", "indexed"),
    "UTF-16 without a BOM": ("utf16-le.txt", "indexed"),
    "Windows-1252": ("cp1252.txt", "indexed"),
    "Latin-1": ("latin1.md", "indexed"),
    "UTF-8 BOM": ("utf8-bom.md", "indexed"),
    "CRLF lines": ("crlf.txt", "indexed"),
    "CR lines": ("cr.txt", "indexed"),
    "escape sequences in the body": ("escapes.md", "indexed"),
    "escape sequences in a title": ("osc-title.jsonl", "indexed"),
    "rich markup in the body": ("markup.md", "indexed"),
    "script in a page": ("script.html", "indexed"),
    "page without text": ("no-text.html", "no article text found"),
    "page without a date": ("undated.html", "indexed"),
    "forged source line in a title": ("forged-title.jsonl", "indexed"),
    "forged line in a URL": ("forged-url.jsonl", "indexed"),
    "javascript URL": ("js-url.jsonl", "indexed"),
    "malformed JSON": ("malformed.json", "malformed JSON"),
    "JSON of non-objects": ("not-objects.json", "not a JSON object"),
    "record without text": ("no-text.jsonl", "without text"),
    "absurd nesting": ("deep.json", "unreadable JSON"),
    "5,000-digit number": ("big-number.json", "unreadable JSON"),
    "one bad line among good": ("mixed.jsonl", "malformed JSON line"),
    "corrupt gzip": ("corrupt.jsonl.gz", "gzip"),
    "truncated gzip": ("truncated.jsonl.gz", "truncated gzip"),
    "gzip bomb": ("bomb.jsonl.gz", "unpacks to more than"),
    "file too large": ("too-large.txt", "file too large"),
    "record too long": ("too-long.jsonl", "too long for one article"),
    "one giant word": ("giant-word.txt", "indexed"),
    "an image": ("image.png", "not an article file"),
    "a word processor file": ("report.docx", "not an article file"),
    "hidden file": (".secret.md", "hidden file"),
    "hidden folder": (".git", "hidden folder"),
    "symlink out of the folder": ("outside-link.md", "leads outside the folder given"),
    "symlink to a folder": ("folder-link", "symlink not followed"),
    "broken symlink": ("broken-link.md", "not a regular file"),
    "a FIFO": ("pipe.md", "not a regular file"),
    "a weekday for a date": ("weekday.md", "indexed"),
    "a date-like opening line": ("opening.md", "indexed"),
    "one URL in two files": ("dup-b.jsonl", "duplicate of"),
    "bidi override in a title": ("bidi.jsonl", "indexed"),
    "title without text": ("title-only.md", "no article text"),
    "JSON scalar": ("scalar.json", "neither an object nor a list"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, encoder):
    """The corpus, indexed once (with limits made small enough to test: 1 MiB a file, and
    200,000 characters an article); yields (index, report, folder)."""
    from embeddings import readers
    from embeddings.readers import common, jsonrecords

    root = tmp_path_factory.mktemp("hostile")
    _build(root / "news", root / "outside")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readers, "MAX_FILE_BYTES", 2**20)
        for module in (common, readers, jsonrecords):
            patch.setattr(module, "MAX_ARTICLE_CHARS", 200_000)
        index = Index.open(root / "ix")
        report = index.add([root / "news"])
    yield index, report, root
    index.close()


def _name(source: str) -> str:
    return Path(re.sub(r"(?::\d+|#\d+)$", "", source)).name


def test_fifty_kinds(hostile):
    assert len(KINDS) >= 40


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_has_its_outcome(hostile, kind):
    index, report, _ = hostile
    name, outcome = KINDS[kind]
    stored = {_name(a.source): a for a in index.articles()}
    reasons = [s.reason for s in report.skipped if _name(s.source) == name]
    if outcome == "indexed":
        assert name in stored, reasons
        article = stored[name]
        for field in (article.title, article.url or "", article.outlet or "", *article.authors):
            assert "\n" not in field and "\r" not in field and "\u2028" not in field
    else:
        assert any(outcome in r for r in reasons), (reasons, [s for s in report.skipped][:60])


def test_what_the_hostile_articles_hold(hostile):
    index, report, _ = hostile
    stored = {_name(a.source): a for a in index.articles()}
    assert stored["utf16-bom.txt"].body == _story(1)
    assert stored["utf16-le.txt"].body == _story(2)
    assert stored["cp1252.txt"].body == _story(3)
    assert stored["latin1.md"].title == "Café crème"
    assert not stored["utf8-bom.md"].title.startswith("\ufeff")
    assert "\r" not in stored["crlf.txt"].body + stored["cr.txt"].body
    assert "alert" not in stored["script.html"].body and "steal" not in stored["script.html"].body
    assert stored["undated.html"].published is None and stored["weekday.md"].published is None
    assert stored["weekday.md"].body.startswith("Tuesday")
    assert stored["opening.md"].published is None and stored["opening.md"].body.startswith("May 4")
    assert stored["forged-title.jsonl"].title.startswith("Real title [2] Fake")
    assert link_target(stored["forged-url.jsonl"].url) is None
    assert link_target(stored["js-url.jsonl"].url) is None
    assert "vault" not in " ".join(a.body for a in index.articles())
    archived = [a for a in index.articles() if a.title.startswith("Archived ")]
    assert 50 < len(archived) < 300  # what the truncated archive held up to the cut
    assert {a.title for a in index.articles() if a.url == "https://t.example/dup"} == {"Dup"}
    assert len([s for s in report.skipped if isinstance(s, Skipped)]) == len(report.skipped)


def test_the_good_articles_stay_answerable(hostile):
    index, _, _ = hostile
    assistant = Assistant(index)
    assert "five dollars" in assistant.ask("How much will the bridge toll be?").quotes[0].text
    assert "Friday" in assistant.ask("When did the harbour tunnel open?").quotes[0].text


# what a terminal receives ------------------------------------------------------------------------

_OURS = re.compile(r"\x1b\[[0-9;]*m"  # our own styling (SGR)
                   r"|\x1b\]8;[^\x07\x1b]*;(?P<url>[^\x07\x1b]*)(?:\x1b\\|\x07)")  # hyperlinks


def _in_a_pty(command: list[str]) -> str:
    import pty
    import select

    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "FORCE_COLOR": "1"}
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                            close_fds=True)
    os.close(slave)
    out = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError("no output for 60 s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    proc.wait(30)
    return out.decode("utf-8", "replace")


@pytest.mark.parametrize("command", [
    ["ask", "What did the mayor say about the budget?"],
    ["ask", "When did the tide gauge break?"],
    ["ask", "How much did the breakwater cost?"],
    ["ask", "What happened to the seawall?"],
    ["newsdesk", "search", "mayor budget deficit tide gauge breakwater seawall marina"],
    ["newsdesk", "search", "harbour master resigned", "--chunks"]])
def test_a_terminal_receives_only_our_styling_and_http_links(hostile, command):
    index, _, root = hostile
    text = _in_a_pty([str(BIN / command[0]), *command[1:], "--index", str(root / "ix")])
    assert "Traceback" not in text
    links = [m.group("url") for m in _OURS.finditer(text) if m.group("url")]
    assert all(link_target(url) == url for url in links), links
    rest = _OURS.sub("", text)
    controls = sorted({f"U+{ord(c):04X}" for c in rest
                       if (ord(c) < 0x20 and c not in "\n\r\t") or 0x7F <= ord(c) <= 0x9F
                       or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"})
    assert controls == [], (controls, rest[:3000])
