"""Widgets of the conversation: a question, the working indicator, an answer."""
from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..answer import Answer, Generation, Source
from ..render import check_line, copies_line, one_line, safe, source_line


# how a follow-up was searched, after its query (Answer.thread)
THREADS = {"story": " · in this story's articles, then all articles",
           "new topic": " · a new topic: all articles"}


class QuestionView(Static):
    """The user's question, shown as plain text (never markup)."""

    def __init__(self, question: str) -> None:
        text = safe(question)
        if len(text) > 600:
            text = text[:600] + f"… ({len(question):,} characters)"
        super().__init__(Text(text), classes="question")


class Notice(Static):
    """A line from the app itself: how to build an index, an error, a hint."""

    def __init__(self, message: str, kind: str = "info") -> None:
        super().__init__(Text(message), classes=f"notice {kind}")


def source_option(source: Source) -> Option:
    line = Text(f"[{source.n}] ", style="bold")
    line.append(source_line(source))
    if (copies := copies_line(source)) is not None:
        line.append(f"\n    {copies}", style="dim")
    if source.url:
        line.append("\n    ")
        line.append(one_line(source.url), style="underline")
    return Option(line, id=f"source-{source.n}")


class AnswerView(Vertical):
    """Quotes with [n] markers, then the numbered sources; a source opens the reader."""

    class OpenSource(Message):
        def __init__(self, answer: Answer, n: int, from_see_also: bool = False) -> None:
            super().__init__()
            self.answer = answer
            self.n = n
            self.from_see_also = from_see_also

    def __init__(self, answer: Answer, number: int = 0) -> None:
        super().__init__(classes="answer")
        self.answer = answer
        self.answer_number = number  # which answer of the conversation, for [n] clicks

    def compose(self) -> ComposeResult:
        a = self.answer
        yield Static(Text(f"searched: {safe(a.query)}{THREADS.get(a.thread, '')}",
                          style="dim italic"), classes="query")
        generation = a.generation
        if generation and generation.error:
            yield Static(Text(f"The model could not answer ({safe(generation.error)}); "
                              "these are the extractive quotes.", style="yellow"), classes="notice")
        elif generation and generation.replaced_by_extractive:
            yield Static(Text("The generated answer quoted words the sources do not hold; "
                              "these are the extractive quotes.", style="yellow"), classes="notice")
        elif generation and generation.text:
            yield from self._generated(generation)
            return
        if not a.found:
            yield Static(Text(Answer.NOT_FOUND, style="bold"), classes="not-found")
            if a.see_also:
                yield Static(Text("See also (closest articles):", style="dim"))
                yield OptionList(*(source_option(s) for s in a.see_also), classes="sources see-also")
            return
        for quote in a.quotes:
            text = Text(safe(quote.text))
            for n in (quote.source, *quote.also_in):
                text.append(" ")
                text.append(f"[{n}]", style=Style(bold=True, meta={
                    "@click": f"app.open_source({n}, {self.answer_number})"}))
            yield Static(text, classes="quote")
        yield Static(Text("Sources", style="bold underline"), classes="sources-title")
        yield OptionList(*(source_option(s) for s in a.sources), classes="sources")

    def _generated(self, generation: Generation) -> ComposeResult:
        yield Static(Text(safe(generation.text)), classes="generated")
        for q in (generation.verification.quotes if generation.verification else []):
            yield Static(check_line(q, source_style="bold"), classes="check")
        yield Static(Text("Sources", style="bold underline"), classes="sources-title")
        yield OptionList(*(source_option(s) for s in self.answer.sources), classes="sources")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        n = int(event.option.id.split("-")[1])
        see_also = "see-also" in event.option_list.classes
        self.post_message(self.OpenSource(self.answer, n, see_also))
