"""Modal screens: help, filters, and the list of saved conversations."""
from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..history import SavedConversation
from ..render import safe

INTRO = ("Type a question and press Enter; a follow-up (\"what did he say next?\") uses the "
         "conversation. Tab moves to the sources; Enter or a click opens one in the reader.")

_KEY_NAMES = {"escape": "Esc", "enter": "Enter", "tab": "Tab", "space": "Space", "up": "Up",
              "down": "Down", "left": "Left", "right": "Right", "home": "Home", "end": "End",
              "pageup": "PgUp", "pagedown": "PgDn", "delete": "Del", "backspace": "Backspace"}


def key_label(key: str) -> str:
    """One key of a binding as the help shows it: ctrl+n -> Ctrl+N, f1 -> F1, escape -> Esc."""
    *modifiers, name = key.split("+")
    name = _KEY_NAMES.get(name, name.upper() if modifiers or len(name) > 1 else name)
    return "+".join([*(m.capitalize() for m in modifiers), name])


def as_binding(binding: Binding | tuple) -> Binding:
    return binding if isinstance(binding, Binding) else Binding(*binding)


def binding_rows(bindings) -> list[tuple[str, str]]:
    """(keys, description) for each binding with a description, in the order declared."""
    rows = []
    for binding in map(as_binding, bindings):
        if not binding.description:
            continue
        keys = binding.key_display or " / ".join(key_label(k.strip()) for k in binding.key.split(","))
        rows.append((keys, binding.description))
    return rows


def _table(rows: list[tuple[str, str]]) -> Text:
    """Keys in bold in a column as wide as the widest, each description after them."""
    width = max((len(keys) for keys, _ in rows), default=0)
    text = Text()
    for i, (keys, description) in enumerate(rows):
        if i:
            text.append("\n")
        text.append(keys.ljust(width + 2), style="bold")
        text.append(description)
    return text


class HelpScreen(ModalScreen):
    """The keys, made from the live BINDINGS it is given: a binding added later shows up here."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close this help")]

    def __init__(self, sections: list[tuple[str, list]], intro: str = INTRO) -> None:
        super().__init__()
        self.sections = [(title, binding_rows(bindings)) for title, bindings in sections]
        self.intro = intro

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Static(Text("newsdesk: keys", style="bold"))
            yield Static(Text(self.intro), id="help-intro")
            with Horizontal(id="help-sections"):
                for title, rows in self.sections:
                    with Vertical(classes="help-section"):
                        yield Static(Text(title, style="bold underline"))
                        yield Static(_table(rows))
            with Horizontal(id="help-close"):
                yield Static(_table(binding_rows(self.BINDINGS)))
                yield Button("Close", id="close", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss()


def _date_or_none(value: str) -> date | None:
    value = value.strip()
    return date.fromisoformat(value) if value else None


class FilterScreen(ModalScreen[dict | None]):
    """Outlet, author and date range for the next questions (the command line's filters);
    dismissed with the new filters."""

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
            yield Label("Author")
            yield Input(f.get("author") or "", id="author")
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
        author = self.query_one("#author", Input).value.strip() or None
        self.dismiss({k: v for k, v in {"outlet": outlet, "author": author, "since": since,
                                        "until": until}.items()
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
