"""Printing an Answer in a terminal, safely: article text is text, never control codes."""
from __future__ import annotations

import re

from .answer import Answer, Source

# C0 and C1 control characters except tab and newline, DEL, and bidi/invisible overrides.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def safe(text: str | None) -> str:
    """Text with every control/escape character replaced by one visible symbol.

    The length is kept, so offsets into the original (quotes) still hold.
    """
    if not text:
        return ""

    def visible(m: re.Match) -> str:
        ch = m.group()
        code = ord(ch)
        if code < 0x20:
            return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL, ...
        if code == 0x7F:
            return "\u2421"
        return "\ufffd"

    return _UNSAFE.sub(visible, text)


def source_line(source: Source) -> str:
    parts = [safe(source.title)]
    meta = ", ".join(p for p in (safe(source.outlet),
                                 source.published.isoformat() if source.published else "undated") if p)
    parts.append(f"({meta})")
    return " ".join(parts)


def print_answer(answer: Answer, console=None) -> None:
    """Quotes with [n] markers, then the numbered sources with title, outlet, date, URL."""
    from rich.console import Console
    from rich.text import Text

    console = console or Console(highlight=False, soft_wrap=True)
    if not answer.found:
        console.print(Text(Answer.NOT_FOUND, style="bold"))
        if answer.see_also:
            console.print(Text("\nSee also (closest articles):", style="dim"))
            for s in answer.see_also:
                _print_source(console, s, bullet="-")
        return
    for quote in answer.quotes:
        line = Text(safe(quote.text))
        line.append(" " + "".join(f"[{n}]" for n in (quote.source, *quote.also_in)), style="cyan")
        console.print(line)
        console.print()
    console.print(Text("Sources", style="bold underline"))
    for s in answer.sources:
        _print_source(console, s, bullet=f"[{s.n}]")


def _print_source(console, source: Source, bullet: str) -> None:
    from rich.style import Style
    from rich.text import Text

    line = Text(f"{bullet} ", style="cyan")
    line.append(source_line(source))
    console.print(line)
    if source.url:
        url = safe(source.url)
        link = Text("    ")
        link.append(url, style=Style(link=url) if re.match(r"https?://\S+$", url) else "")
        console.print(link)
