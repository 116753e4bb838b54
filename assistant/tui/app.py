"""NewsdeskApp: ask, read and check, in the terminal. Holds no retrieval or answer logic."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Input, LoadingIndicator, Static

from ..answer import Answer
from ..conversation import Conversation
from ..history import History
from ..render import safe
from ..settings import Settings
from .reader import ReaderScreen
from .screens import ConversationsScreen, FilterScreen, HelpScreen
from .views import AnswerView, Notice, QuestionView

MAX_QUESTION_CHARS = 10_000


class QuestionInput(Input):
    """The question line; Up and Down recall earlier questions."""

    BINDINGS = [Binding("up", "older", "Earlier question", show=False),
                Binding("down", "newer", "Later question", show=False),
                Binding("ctrl+r", "app.edit_query", "Edit the last searched query", show=False)]

    def __init__(self, past: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.past = list(past)
        self.cursor = len(self.past)

    def remember(self, question: str) -> None:
        if not self.past or self.past[-1] != question:
            self.past.append(question)
        self.cursor = len(self.past)

    def action_older(self) -> None:
        if self.cursor > 0:
            self.cursor -= 1
            self.value = self.past[self.cursor]
            self.cursor_position = len(self.value)

    def action_newer(self) -> None:
        if self.cursor < len(self.past):
            self.cursor += 1
            self.value = self.past[self.cursor] if self.cursor < len(self.past) else ""
            self.cursor_position = len(self.value)


class NewsdeskApp(App):
    TITLE = "newsdesk"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+n", "new_conversation", "New"),
        Binding("ctrl+o", "open_conversation", "Open saved"),
        Binding("ctrl+f", "filters", "Filters"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, settings: Settings | None = None, index=None,
                 history: History | None = None, index_path: Path | None = None,
                 as_of: date | None = None, k: int | None = None, backend=None,
                 strict: bool = False) -> None:
        """`settings` as the command line gave them (default: the environment's); the
        other arguments, for a library user or a test, override them: an open `index`, a
        `history`, a generation `backend` object."""
        super().__init__()
        settings = settings or Settings.load().configure_engine()
        changes = {name: value for name, value in (("index", index_path), ("as_of", as_of),
                                                    ("k", k), ("strict", strict or None))
                   if value is not None}
        self.settings = settings.replace(**changes) if changes else settings
        self.backend = backend
        self.index = index
        self.history = history
        self.conversation: Conversation | None = None
        self.conversation_id: int | None = None
        self.filters: dict = dict(self.settings.filters)
        self.answers: list[Answer] = []
        self.busy = False
        self.index_problem: str | None = None
        # the question line holds a searched query recalled for editing (Ctrl+R): it is
        # asked as written, not rewritten again
        self.query_recalled = False
        self.recalled_text = ""

    # layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="conversation")
        yield QuestionInput(self.history.questions() if self.history else [],
                            placeholder="Ask about your articles… (F1 for help)", id="question",
                            max_length=MAX_QUESTION_CHARS)
        yield Footer()

    def on_mount(self) -> None:
        if self.history is None:
            try:
                self.history = History(self.settings.history_file)
                self.query_one(QuestionInput).past = self.history.questions()
            except Exception as exc:  # history is a convenience; never block asking
                self.say(f"Conversations will not be saved: {exc}", "warning")
        self.query_one(QuestionInput).focus()
        if self.index is None:
            self.say("Opening the index…")
            self.open_index()
        else:
            self.index_ready()

    def say(self, message: str, kind: str = "info") -> None:
        view = self.query_one("#conversation", VerticalScroll)
        view.mount(Notice(message, kind))
        view.scroll_end(animate=False)

    # the index ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="index")
    def open_index(self) -> None:
        from embeddings.errors import NewsdeskError

        from ..session import start_session
        from ..settings import IndexUnavailable

        try:  # warm: the model and the keyword postings now, not on the first question
            session = start_session(self.settings, warm=True, backend=self.backend)
        except IndexUnavailable as exc:
            advice = exc.advice()
            self.call_from_thread(self.index_missing, advice[:1].upper() + advice[1:])
            return
        except NewsdeskError as exc:  # e.g. a generation backend that cannot be made
            self.call_from_thread(self.index_missing, str(exc))
            return
        except (OSError, ValueError, RuntimeError) as exc:
            self.call_from_thread(self.index_missing, f"Cannot open the index: {exc}")
            return
        self.index = session.index
        self.call_from_thread(self.index_ready, session.answerer)

    def index_missing(self, message: str) -> None:
        self.index_problem = message
        self.say(message, "error")

    def index_ready(self, answerer=None) -> None:
        if answerer is None:  # an index the caller opened
            from ..session import answerer_for

            answerer = answerer_for(self.index, self.settings, backend=self.backend)
        self.conversation = Conversation(answerer, rewriter=self.settings.rewrite)
        articles = len(self.index)
        if articles == 0:
            self.index_problem = (f"The index at {self.index.path} is empty. Add articles:\n"
                                  f"  newsdesk index PATH... --index {self.index.path}")
            self.say(self.index_problem, "error")
        else:
            self.say(f"Ready: {articles:,} article{'' if articles == 1 else 's'}. "
                     "Ask a question.")
        self.update_subtitle()

    # asking ---------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        if self.busy:
            self.notify("Still answering the previous question.", severity="warning")
            return
        # asked as written only while the line still holds the recalled query, edited
        as_written, self.query_recalled = self.query_recalled, False
        event.input.value = ""
        event.input.remember(question)
        view = self.query_one("#conversation", VerticalScroll)
        view.mount(QuestionView(question))
        if self.index_problem:
            self.say(self.index_problem, "error")
            return
        if self.conversation is None:
            self.say("The index is still opening; ask again in a moment.", "warning")
            return
        view.mount(LoadingIndicator(classes="working"))
        view.scroll_end(animate=False)
        self.busy = True
        self.ask(question, as_written)

    def on_input_changed(self, event: Input.Changed) -> None:
        # emptied, or replaced by an earlier question (Up/Down): what comes next is a question
        value = event.value
        if not value.strip() or (value in getattr(event.input, "past", ()) and
                                 value != self.recalled_text):
            self.query_recalled = False

    def action_edit_query(self) -> None:
        """Put the last answer's searched query into the question line, to fix and ask as
        written (a follow-up whose reference was resolved wrongly, say)."""
        if not self.answers:
            self.notify("Nothing searched yet.", severity="warning")
            return
        field = self.query_one(QuestionInput)
        self.recalled_text = field.value = self.answers[-1].query
        field.cursor_position = len(field.value)
        field.focus()
        self.query_recalled = True

    @work(thread=True, group="ask")
    def ask(self, question: str, as_written: bool = False) -> None:
        from embeddings.errors import NewsdeskError

        self.conversation.filters = dict(self.filters)

        def on_text(piece: str) -> None:  # a generated answer, as the model writes it
            self.call_from_thread(self.stream_piece, piece)

        try:
            answer = self.conversation.ask(question, as_of=self.settings.as_of,
                                           as_written=as_written, on_text=on_text)
        except NewsdeskError as exc:  # an expected failure: its message says it all
            self.call_from_thread(self.answer_failed, str(exc))
            return
        except Exception as exc:  # shown, not raised: the app keeps running
            self.call_from_thread(self.answer_failed, f"Something went wrong: {exc}")
            return
        self.call_from_thread(self.show_answer, answer)

    def stream_piece(self, piece: str) -> None:
        """Show a generated answer as the model writes it."""
        view = self.query_one("#conversation", VerticalScroll)
        streaming = self.query(".streaming")
        if streaming:
            widget = streaming.first()
            widget.text += safe(piece)
        else:
            widget = Static(classes="streaming")
            widget.text = safe(piece)
            view.mount(widget)
        widget.update(Text(widget.text))
        view.scroll_end(animate=False)

    def _stop_working(self) -> None:
        self.busy = False
        for indicator in self.query(".working, .streaming"):
            indicator.remove()

    def answer_failed(self, message: str) -> None:
        self._stop_working()
        self.say(message, "error")

    def show_answer(self, answer: Answer, save: bool = True) -> None:
        self._stop_working()
        view = self.query_one("#conversation", VerticalScroll)
        self.answers.append(answer)
        view.mount(AnswerView(answer, len(self.answers) - 1))
        view.scroll_end(animate=False)
        if save and self.history is not None:
            if self.conversation_id is None:
                self.conversation_id = self.history.start(answer.question)
            self.history.add_turn(self.conversation_id, answer)

    # sources and the reader -------------------------------------------------------------------
    def on_answer_view_open_source(self, event: AnswerView.OpenSource) -> None:
        self.open_reader(event.answer, event.n, event.from_see_also)

    def action_open_source(self, n: int, answer_number: int | None = None) -> None:
        """Open source n of an answer (by default the latest), as a click on [n] does."""
        if answer_number is not None and 0 <= answer_number < len(self.answers):
            self.open_reader(self.answers[answer_number], n)
        elif self.answers:
            self.open_reader(self.answers[-1], n)

    def open_reader(self, answer: Answer, n: int, from_see_also: bool = False) -> None:
        sources = answer.see_also if from_see_also else answer.sources
        source = next((s for s in sources if s.n == n), None)
        if source is None or self.index is None:
            return
        article = self.index.get(source.article_id)
        if article is None:
            self.notify("That article is no longer in the index.", severity="warning")
            return
        self.push_screen(ReaderScreen(article, answer.quote_spans(n, article.id, article.body)))

    # conversations, filters, help ------------------------------------------------------------
    def action_new_conversation(self) -> None:
        if self.conversation is not None:
            self.conversation.clear()
        self.conversation_id = None
        self.answers = []
        self.query_one("#conversation", VerticalScroll).remove_children()
        self.say("New conversation.")

    def action_open_conversation(self) -> None:
        if self.history is None:
            return

        def load(conversation_id: int | None) -> None:
            if conversation_id is None:
                return
            self.action_new_conversation()
            self.conversation_id = conversation_id
            view = self.query_one("#conversation", VerticalScroll)
            answers = self.history.turns(conversation_id)
            for answer in answers:
                view.mount(QuestionView(answer.question))
                self.show_answer(answer, save=False)
            if self.conversation is not None:
                self.conversation.resume(answers)

        self.push_screen(ConversationsScreen(self.history.conversations()), load)

    def action_filters(self) -> None:
        def apply(filters: dict | None) -> None:
            if filters is not None:
                self.filters = filters
                self.update_subtitle()
                self.notify("Filters cleared." if not filters else "Filters set for the next questions.")

        self.push_screen(FilterScreen(self.filters), apply)

    def clear_filters(self) -> None:
        self.filters = {}
        self.update_subtitle()

    def update_subtitle(self) -> None:
        parts = []
        if self.filters.get("outlet"):
            parts.append(f"outlet: {self.filters['outlet']}")
        if self.filters.get("author"):
            parts.append(f"author: {self.filters['author']}")
        if self.filters.get("since") or self.filters.get("until"):
            since = self.filters.get("since")
            until = self.filters.get("until")
            parts.append(f"dates: {since.isoformat() if since else '…'} to "
                         f"{until.isoformat() if until else '…'}")
        self.sub_title = safe("filters: " + "; ".join(parts)) if parts else ""

    def help_sections(self) -> list[tuple[str, list[Binding]]]:
        """The keys for the help, from the live BINDINGS of the app, its question line and the
        reader: a binding added to one of them is in the help with no more to do."""
        chat = list(self.BINDINGS)
        if self.ENABLE_COMMAND_PALETTE:
            chat.append(Binding(self.COMMAND_PALETTE_BINDING, "command_palette",
                                "Commands (themes too)"))
        return [("In the chat", chat + list(QuestionInput.BINDINGS)),
                ("In the reader", list(ReaderScreen.BINDINGS))]

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_sections()))

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Filters", "Set outlet and date range for the next questions",
                            self.action_filters)
        yield SystemCommand("Clear filters", "Search all articles again", self.clear_filters)
        yield SystemCommand("New conversation", "Start over", self.action_new_conversation)
        yield SystemCommand("Open saved conversation", "Reopen a past conversation",
                            self.action_open_conversation)
        yield SystemCommand("Help", "Keys and how to use newsdesk", self.action_help)
