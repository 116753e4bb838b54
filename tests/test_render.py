"""Article text reaches the terminal as text: escape sequences are shown, never run."""
from __future__ import annotations

import io
from datetime import date

from rich.console import Console

from assistant import Answer, Quote, Source
from assistant.render import print_answer, safe


def test_safe_replaces_control_and_escape_characters():
    hostile = "a\x1b]8;;http://evil\x07click\x1b]8;;\x07 \x1b[2J\x9b31m\u202eevil\r\nb\tc"
    out = safe(hostile)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out and "\u202e" not in out
    assert "\r" not in out and "\n" in out and "\t" in out
    assert "␛" in out


def test_printed_answer_carries_no_escape_from_articles():
    body = "He said \x1b[31m[bold]red[/bold]\x1b[0m words. \x1b]0;title\x07"
    answer = Answer(question="q", query="q", found=True,
                    quotes=[Quote(text=body, start=0, end=len(body), source=1, article_id="a")],
                    sources=[Source(1, "a", "Title [link=http://x]x[/link]\x1b[5m", "https://x.example/a",
                                    "Out\x1blet", date(2020, 1, 2))])
    buffer = io.StringIO()
    print_answer(answer, Console(file=buffer, force_terminal=False, width=100))
    text = buffer.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "[bold]red[/bold]" in text and "[link=http://x]x[/link]" in text
    assert "https://x.example/a" in text and "2020-01-02" in text


def test_not_found_is_said_plainly():
    buffer = io.StringIO()
    print_answer(Answer(question="q", query="q", found=False), Console(file=buffer, width=80))
    assert "The indexed articles don't answer this." in buffer.getvalue()
