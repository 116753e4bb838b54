"""The reader: the full article, scrolled to the quoted passage, which is selected."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea
from textual.widgets.text_area import Selection

from embeddings import Article

from ..render import link_target, one_line, safe


def location(body: str, offset: int) -> tuple[int, int]:
    """(row, column) of a character offset, as TextArea counts them."""
    row = body.count("\n", 0, offset)
    column = offset - (body.rfind("\n", 0, offset) + 1)
    return row, column


class ReaderScreen(Screen):
    BINDINGS = [
        Binding("n", "next_quote", "Next quote"),
        Binding("p", "previous_quote", "Previous quote"),
        Binding("o", "open_url", "Open URL"),
        Binding("c", "copy_quote", "Copy quote"),
        Binding("escape,q", "close", "Close"),
    ]

    def __init__(self, article: Article, spans: list[tuple[int, int]], current: int = 0) -> None:
        super().__init__()
        self.article = article
        self.spans = spans
        self.current = current

    def compose(self) -> ComposeResult:
        a = self.article
        with Vertical(id="reader-head"):
            yield Static(Text(one_line(a.title), style="bold"), id="reader-title")
            meta = f"{one_line(a.outlet) or 'unknown outlet'} · " \
                   f"{a.published.isoformat() if a.published else 'undated'}"
            yield Static(Text(meta, style="dim"), id="reader-meta")
            yield Static(Text(one_line(a.url) or "(no URL)", style="underline"), id="reader-url")
            yield Static(Text(self._position(), style="dim"), id="reader-position")
        yield TextArea(safe(a.body), read_only=True, soft_wrap=True, id="reader-body",
                       highlight_cursor_line=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_quote()

    def _position(self) -> str:
        if not self.spans:
            return "no quoted passage in this article"
        return f"quote {self.current + 1} of {len(self.spans)}"

    @property
    def quote_text(self) -> str:
        if not self.spans:
            return ""
        s, e = self.spans[self.current]
        return self.article.body[s:e]

    def show_quote(self) -> None:
        body = self.query_one("#reader-body", TextArea)
        self.query_one("#reader-position", Static).update(Text(self._position(), style="dim"))
        if not self.spans:
            return
        s, e = self.spans[self.current]
        body.selection = Selection(location(self.article.body, s), location(self.article.body, e))
        body.focus()
        self.call_after_refresh(body.scroll_cursor_visible, True)

    def action_next_quote(self) -> None:
        if self.spans:
            self.current = (self.current + 1) % len(self.spans)
            self.show_quote()

    def action_previous_quote(self) -> None:
        if self.spans:
            self.current = (self.current - 1) % len(self.spans)
            self.show_quote()

    def action_open_url(self) -> None:
        target = link_target(self.article.url)
        if target:
            self.app.open_url(target)
        elif self.article.url:
            self.notify("Only a plain http or https address is opened.", severity="warning")
        else:
            self.notify("This article has no URL.", severity="warning")

    def action_copy_quote(self) -> None:
        # printable text only: the clipboard escape (OSC 52) carries no byte of the article's
        text = one_line(self.quote_text or self.article.title)
        target = link_target(self.article.url)
        self.app.copy_to_clipboard(f"“{text}” {target or ''}".strip())
        self.notify("Quote copied with its URL." if target else "Quote copied.")

    def action_close(self) -> None:
        self.dismiss()
