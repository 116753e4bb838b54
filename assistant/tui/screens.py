"""Modal screens: help, filters, and the list of saved conversations."""
from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..history import SavedConversation
from ..render import safe

HELP = """\
Type a question and press Enter. Follow-ups ("what did he say next?") use the conversation.

  Enter          ask                      Up / Down    earlier questions
  Tab            move to the sources      Enter/click  open a source in the reader
  Ctrl+N         new conversation         Ctrl+O       open a saved conversation
  Ctrl+F         filters (outlet, dates)  Ctrl+P       command palette (themes too)
  F1             this help                Ctrl+Q       quit

In the reader:  n / p  next / previous quote   o  open the URL in the browser
                c  copy the quote with its URL   Esc  close
"""


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("newsdesk: keys", style="bold"))
            yield Static(Text(HELP))
            yield Button("Close", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss()


def _date_or_none(value: str) -> date | None:
    value = value.strip()
    return date.fromisoformat(value) if value else None


class FilterScreen(ModalScreen[dict | None]):
    """Outlet and date range for the next questions; dismissed with the new filters."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, filters: dict) -> None:
        super().__init__()
        self.filters = filters

    def compose(self) -> ComposeResult:
        f = self.filters
        with Vertical(classes="dialog"):
            yield Static(Text("Filters for the next questions", style="bold"))
            yield Label("Outlet")
            yield Input(f.get("outlet") or "", placeholder="e.g. Reuters", id="outlet")
            yield Label("Published since (YYYY-MM-DD)")
            yield Input(f["since"].isoformat() if f.get("since") else "", id="since")
            yield Label("Published until (YYYY-MM-DD)")
            yield Input(f["until"].isoformat() if f.get("until") else "", id="until")
            yield Static("", id="filter-error")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Clear", id="clear")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self._apply()
        elif event.button.id == "clear":
            self.dismiss({})
        else:
            self.dismiss(None)

    def _apply(self) -> None:
        try:
            since = _date_or_none(self.query_one("#since", Input).value)
            until = _date_or_none(self.query_one("#until", Input).value)
        except ValueError:
            self.query_one("#filter-error", Static).update(
                Text("Dates are written YYYY-MM-DD, e.g. 2022-01-31.", style="red"))
            return
        outlet = self.query_one("#outlet", Input).value.strip() or None
        self.dismiss({k: v for k, v in {"outlet": outlet, "since": since, "until": until}.items()
                      if v is not None})

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConversationsScreen(ModalScreen[int | None]):
    """Saved conversations, newest first; dismissed with the chosen id."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, saved: list[SavedConversation]) -> None:
        super().__init__()
        self.saved = saved

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Saved conversations", style="bold"))
            if not self.saved:
                yield Static(Text("No saved conversations yet.", style="dim"))
            yield OptionList(*(Option(Text(f"{safe(c.title)}  ·  {c.turns} questions  ·  {c.updated}"),
                                      id=f"conv-{c.id}") for c in self.saved), id="conversations")
            yield Button("Cancel", id="cancel")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id.split("-")[1]))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
