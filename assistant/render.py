"""Printing an Answer in a terminal, safely: article text is text, never control codes."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .answer import Answer, Generation, Source

if TYPE_CHECKING:
    from .generation.verify import CheckedQuote

# DEL, C1 controls and bidi/invisible overrides; for the terminal also the C0 controls
# except tab and newline (json.dumps escapes those itself).
_INVISIBLE = r"\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_UNSAFE = re.compile(rf"[\x00-\x08\x0b-\x1f{_INVISIBLE}]")
_JSON_UNSAFE = re.compile(rf"[{_INVISIBLE}]")


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


def one_line(text: str | None) -> str:
    """`safe` text on one line: a field (title, outlet, URL) never starts a line of its own."""
    return " ".join(safe(text).split())


def link_target(url: str | None) -> str | None:
    """`url` where it may be a link or be opened: http(s) with a host, and no whitespace or
    control character anywhere in it; else None (it is shown as text only)."""
    from urllib.parse import urlsplit

    if not url or _UNSAFE.search(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def json_text(value, indent: int | None = 2) -> str:
    """JSON for a terminal: readable Unicode, but every control or bidi character escaped."""
    import json

    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def source_line(source: Source) -> str:
    parts = [one_line(source.title)]
    meta = ", ".join(p for p in (one_line(source.outlet),
                                 source.published.isoformat() if source.published else "undated") if p)
    parts.append(f"({meta})")
    return " ".join(parts)


def copies_line(source: Source) -> str | None:
    """"also published by City Times, Daily Post (3 outlets)" for a wire story, else None."""
    others = source.also_published_by()
    if not others:
        return None
    return (f"also published by {', '.join(one_line(o) for o in others)} "
            f"({len(others) + 1} outlets)")


_CHECK_MARKS = {"verified": ("✓ verified", "green"),
                "corrected": ("✓ found in another source, citation corrected", "green"),
                "not_found": ("✗ not in the sources", "red")}


def check_line(check: "CheckedQuote", source_style: str):
    """One checked quote of a generated answer as rich Text: verdict, words, source."""
    from rich.text import Text

    label, style = _CHECK_MARKS[check.status]
    line = Text(f"{label}: ", style=style)
    line.append(f"“{safe(check.text)}”")
    if check.source:
        line.append(f" [{check.source}]", style=source_style)
    return line


def _print_generated(console, answer: Answer, generation: Generation, streamed: bool) -> None:
    from rich.text import Text

    if not streamed:
        console.print(Text(safe(generation.text)))
    elif generation.text != generation.raw:
        console.print(Text("\nAfter checking the quotes and citations:", style="bold"))
        console.print(Text(safe(generation.text)))
    console.print()
    checks = generation.verification.quotes if generation.verification else []
    if checks:
        console.print(Text("Quotes checked against the sources", style="bold underline"))
    for q in checks:
        console.print(check_line(q, source_style="cyan"))
    console.print()
    console.print(Text("Sources", style="bold underline"))
    for s in answer.sources:
        _print_source(console, s, bullet=f"[{s.n}]")


def print_answer(answer: Answer, console=None, streamed: bool = False) -> None:
    """Quotes with [n] markers, then the numbered sources with title, outlet, date, URL."""
    from rich.console import Console
    from rich.text import Text

    console = console or Console(highlight=False, soft_wrap=True)
    generation = answer.generation
    if generation and generation.error:
        console.print(Text(f"The model could not answer ({safe(generation.error)}); "
                           "the quotes below are the extractive answer.", style="yellow"))
    elif generation and generation.replaced_by_extractive:
        console.print(Text("The generated answer quoted words the sources do not hold (--strict); "
                           "the extractive answer follows.", style="yellow"))
    elif generation and generation.text:
        _print_generated(console, answer, generation, streamed)
        return
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
    if (copies := copies_line(source)) is not None:
        console.print(Text(f"    {copies}", style="dim"))
    if source.url:
        target = link_target(source.url)
        link = Text("    ")
        link.append(one_line(source.url), style=Style(link=target) if target else "")
        console.print(link)
