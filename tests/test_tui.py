"""The Textual chat, driven with Pilot over the real test index."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import OptionList, TextArea

from assistant.history import History
from assistant.tui import app as tui_app
from assistant.tui.app import NewsdeskApp, QuestionInput
from assistant.tui.reader import ReaderScreen
from assistant.tui.screens import HelpScreen, binding_rows, key_label
from assistant.tui.views import AnswerView, Notice, QuestionView
from embeddings import Article, Index


def _text(widget) -> str:
    return str(widget.render())


async def ask(pilot, question: str) -> AnswerView:
    pilot.app.query_one(QuestionInput).value = question
    return await ask_as_typed(pilot)


async def ask_as_typed(pilot) -> AnswerView:
    """Enter on what the question line holds now; the answer's view once it is shown."""
    app = pilot.app
    before = len(app.query(AnswerView))
    app.query_one(QuestionInput).focus()
    await pilot.press("enter")
    for _ in range(600):
        await pilot.pause(0.05)
        if len(app.query(AnswerView)) > before:
            break
    await app.workers.wait_for_complete()
    await pilot.pause()
    return list(app.query(AnswerView))[-1]


async def open_first_source(pilot, view: AnswerView) -> None:
    """Enter on the first source of `view`: the reader opens."""
    sources = view.query_one(OptionList)
    sources.focus()
    sources.highlighted = 0
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ReaderScreen)


@pytest.fixture
def history(tmp_path):
    h = History(tmp_path / "conversations.sqlite")
    yield h
    h.close()


def make_app(index, history, **kw) -> NewsdeskApp:
    return NewsdeskApp(index=index, history=history, **kw)


async def test_ask_shows_quotes_and_sources(shared_index, history):
    app = make_app(shared_index, history)
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ask(pilot, "What did Lavrov say?")
        quotes = [_text(w) for w in view.query(".quote")]
        assert any("addressed to Washington" in q and "[1]" in q for q in quotes)
        sources = view.query_one(OptionList)
        assert "themoscowtimes.com" in str(sources.get_option_at_index(0).prompt)
        assert "searched: What did Lavrov say?" in _text(view.query_one(".query"))


async def test_open_source_highlights_the_quote(shared_index, history):
    app = make_app(shared_index, history)
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ask(pilot, "What did Lavrov say?")
        await open_first_source(pilot, view)
        body = app.screen.query_one(TextArea)
        # the article's quotes, in the order it holds them
        first, second = sorted(view.answer.quotes[:2], key=lambda q: q.start)
        assert first.article_id == second.article_id
        assert body.selected_text == first.text
        assert "Reuters" in _text(app.screen.query_one("#reader-meta"))
        await pilot.press("n")
        assert body.selected_text == second.text
        await pilot.press("p")
        assert body.selected_text == first.text
        await pilot.press("escape")
        assert not isinstance(app.screen, ReaderScreen)


async def test_source_opens_with_a_mouse_click(shared_index, history):
    app = make_app(shared_index, history)
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ask(pilot, "Who won the national chess championship?")
        await pilot.click(view.query_one(OptionList), offset=(5, 0))
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert app.screen.article.url == "https://news.example/chess"


async def test_follow_up_uses_the_conversation(shared_index, history):
    app = make_app(shared_index, history)
    async with app.run_test(size=(100, 40)) as pilot:
        await ask(pilot, "What did Lavrov say?")
        view = await ask(pilot, "What did he say about Washington?")
        assert view.answer.query == "What did Lavrov say about Washington?"
        assert "searched: What did Lavrov say about Washington?" in _text(view.query_one(".query"))
        assert view.answer.found


async def test_filters_apply_and_show_in_the_header(shared_index, history):
    app = make_app(shared_index, history)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        app.screen.query_one("#outlet").value = "County Herald"
        await pilot.click("#apply")
        await pilot.pause()
        assert app.filters == {"outlet": "County Herald"}
        assert "outlet: County Herald" in app.sub_title
        view = await ask(pilot, "Who won the national chess championship?")
        assert {s.outlet for s in view.answer.sources + view.answer.see_also} <= {"County Herald"}
        app.clear_filters()
        assert app.sub_title == ""


async def test_history_recall_and_reopen(shared_index, history):
    app = make_app(shared_index, history)
    async with app.run_test(size=(100, 40)) as pilot:
        await ask(pilot, "What did Lavrov say?")
        await ask(pilot, "When does the plastic bag ban take effect?")
        field = app.query_one(QuestionInput)
        field.focus()
        await pilot.press("up")
        assert field.value == "When does the plastic bag ban take effect?"
        await pilot.press("up")
        assert field.value == "What did Lavrov say?"
        await pilot.press("down", "down")
        assert field.value == ""
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not app.query(AnswerView)
        await pilot.press("ctrl+o")
        await pilot.pause()
        listing = app.screen.query_one("#conversations", OptionList)
        assert listing.option_count == 1
        listing.focus()
        listing.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        questions = [_text(q) for q in app.query(QuestionView)]
        assert questions == ["What did Lavrov say?", "When does the plastic bag ban take effect?"]
        assert len(app.query(AnswerView)) == 2


async def test_missing_index_says_how_to_build_one(tmp_path, history):
    app = NewsdeskApp(index_path=tmp_path / "nothing", history=history)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        notices = " ".join(_text(n) for n in app.query(Notice))
        assert "No index at" in notices and "newsdesk index PATH" in notices
        app.query_one(QuestionInput).value = "anything?"
        await pilot.press("enter")
        await pilot.pause()
        assert not app.query(AnswerView)


async def test_a_history_file_of_a_newer_version_is_said_and_left_alone(shared_index, tmp_path,
                                                                       monkeypatch):
    import sqlite3

    path = tmp_path / "conversations.sqlite"
    History(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 999")
    db.close()
    before = path.read_bytes()
    monkeypatch.setenv("NEWSDESK_HISTORY", str(path))
    app = NewsdeskApp(index=shared_index)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        notices = " ".join(_text(n) for n in app.query(Notice))
        assert "Conversations will not be saved" in notices and "newer newsdesk" in notices
        assert app.history is None
        await ask(pilot, "What did Lavrov say?")  # asking still works
    assert path.read_bytes() == before


async def test_empty_index(tmp_path, history, encoder):
    with Index.open(tmp_path / "empty") as index:
        app = make_app(index, history)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert "is empty" in " ".join(_text(n) for n in app.query(Notice))


async def test_no_answer_is_said_plainly(shared_index, history):
    app = make_app(shared_index, history)
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ask(pilot, "What did the Icelandic fisheries minister say about cod quotas?")
        assert "don't answer this" in _text(view.query_one(".not-found"))


async def test_very_long_question(shared_index, history):
    app = make_app(shared_index, history)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await ask(pilot, "plastic bag ban " * 600)
        assert view.answer is not None
        shown = _text(app.query(QuestionView).last())
        assert len(shown) < 700 and "characters" in shown


async def test_markup_and_escapes_in_articles_are_text(tmp_path, history, encoder):
    body = ("The [bold]mayor[/bold] said \x1b[31mthe [link=https://evil.example]budget[/link] "
            "is balanced\x1b[0m on Friday. Nothing else happened.")
    with Index.open(tmp_path / "ix") as index:
        index.add([Article(title="[red]Budget[/red] news \x1b]0;pwned\x07", body=body,
                           url="https://safe.example/budget")])
        app = make_app(index, history)
        async with app.run_test(size=(100, 40)) as pilot:
            view = await ask(pilot, "What did the mayor say about the budget?")
            quote = _text(view.query_one(".quote"))
            assert "[bold]mayor[/bold]" in quote and "[link=https://evil.example]budget[/link]" in quote
            assert "\x1b" not in quote and "␛" in quote
            option = str(view.query_one(OptionList).get_option_at_index(0).prompt)
            assert "[red]Budget[/red]" in option and "\x1b" not in option and "\x07" not in option
            await pilot.press("tab")
            view.query_one(OptionList).focus()
            view.query_one(OptionList).highlighted = 0
            await pilot.press("enter")
            await pilot.pause()
            text = app.screen.query_one(TextArea).text
            assert "[bold]mayor[/bold]" in text and "\x1b" not in text


async def test_generated_answer_shows_verified_quotes(shared_index, history):
    from assistant.generation import OpenAIBackend
    from llm_servers import ScriptedServer

    server = ScriptedServer([(200, 0, 'Lavrov said "The issue should be addressed to Washington." [1] '
                                      'and "we will leave the talks" [1].')])
    try:
        app = make_app(shared_index, history, backend=OpenAIBackend(base_url=server.base_url))
        async with app.run_test(size=(100, 40)) as pilot:
            view = await ask(pilot, "What did Lavrov say?")
            checks = [_text(c) for c in view.query(".check")]
            assert any(c.startswith("✓ verified") and "addressed to Washington" in c for c in checks)
            assert any(c.startswith("✗ not in the sources") and "leave the talks" in c for c in checks)
            assert "[unverified]" in _text(view.query_one(".generated"))
    finally:
        server.stop()


@pytest.mark.parametrize("url, opened", [
    ("https://ok.example/budget", "https://ok.example/budget"),
    ("https://ok.example/a\r\n\x1b]52;c;ZXZpbA==\x07", None),  # CR, and a clipboard escape
    ("javascript:alert(1)", None)])
async def test_the_reader_copies_printable_text_and_opens_only_plain_http(tmp_path, history,
                                                                         encoder, url, opened):
    body = "The mayor said \x1b]52;c;ZXZpbA==\x07the budget \x1b[31mis balanced\x1b[0m on Friday."
    with Index.open(tmp_path / "ix") as index:
        index.add([Article(title="Budget\x1b[2J news", body=body, url=url)])
        app = make_app(index, history)
        copied, browsed = [], []
        app.copy_to_clipboard = copied.append
        app.open_url = lambda target, **kw: browsed.append(target)
        async with app.run_test(size=(100, 40)) as pilot:
            view = await ask(pilot, "What did the mayor say about the budget?")
            await open_first_source(pilot, view)
            await pilot.press("c", "o")
            await pilot.pause()
        (text,) = copied
        assert text.isprintable() and "is balanced" in text
        assert text.endswith(f" {url}") if opened else "http" not in text
        assert browsed == ([opened] if opened else [])


def _screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def _open_help(pilot) -> list[str]:
    await pilot.press("f1")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HelpScreen)
    return _screen_lines(pilot.app)


def _shown_whole(lines: list[str], keys: str, description: str) -> bool:
    """The keys and their description on one line of the screen, neither wrapped nor cut."""
    pattern = re.compile(rf"(^|\s){re.escape(keys)}\s+{re.escape(description)}(\s|$)")
    return any(pattern.search(line) for line in lines)


async def test_help_is_made_from_the_live_bindings_and_reads_at_80x24(tmp_path, history):
    app = NewsdeskApp(index_path=tmp_path / "nothing", history=history)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        lines = await _open_help(pilot)
        sections = app.help_sections()
        bindings = [b for _, section in sections for b in section] + list(HelpScreen.BINDINGS)
        # everything declared with a description: the app, the question line, the reader
        assert {b.action for b in bindings} >= {
            "new_conversation", "open_conversation", "filters", "help", "quit", "command_palette",
            "older", "newer", "next_quote", "previous_quote", "open_url", "copy_quote", "close",
            "dismiss"}
        for keys, description in binding_rows(bindings):
            assert _shown_whole(lines, keys, description), (keys, description, lines)
        assert _shown_whole(lines, "Ctrl+N", "New") and _shown_whole(lines, "Esc / q", "Close")
        help_box = app.screen.query_one("#help")
        assert help_box.max_scroll_y == 0 and help_box.max_scroll_x == 0  # all of it in view
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_a_binding_added_later_is_in_the_help(tmp_path, history):
    class Later(NewsdeskApp):
        CSS_PATH = Path(tui_app.__file__).with_name(NewsdeskApp.CSS_PATH)
        BINDINGS = [*NewsdeskApp.BINDINGS, Binding("ctrl+t", "toggle_theme", "Theme")]

    app = Later(index_path=tmp_path / "nothing", history=history)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        lines = await _open_help(pilot)
        assert _shown_whole(lines, "Ctrl+T", "Theme")


def test_key_labels():
    assert [key_label(k) for k in ("ctrl+n", "f1", "escape", "q", "up", "shift+tab", "ctrl+p")] \
        == ["Ctrl+N", "F1", "Esc", "q", "Up", "Shift+Tab", "Ctrl+P"]
    assert binding_rows([("x", "a", "Ex"), Binding("a,b", "b", "Both"), Binding("c", "c", ""),
                         Binding("d", "d", "Dee", key_display="⌘D")]) \
        == [("x", "Ex"), ("a / b", "Both"), ("⌘D", "Dee")]


async def test_the_chat_takes_the_command_lines_options(shared_index, history):
    """`ask --outlet X -k 3` with no question opens the chat with the same options (they were
    dropped before one session assembly served both)."""
    from assistant.settings import Settings

    settings = Settings.load({"outlet": "County Herald", "author": "Tom Hale", "k": 3}, {})
    app = NewsdeskApp(settings, index=shared_index, history=history)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert app.filters == {"outlet": "County Herald", "author": "Tom Hale"}
        assert app.conversation.assistant.k == 3
        assert "outlet: County Herald; author: Tom Hale" in str(app.sub_title)
        await pilot.press("ctrl+f")  # the dialog shows every filter, and keeps them
        await pilot.pause()
        await pilot.click("#apply")
        await pilot.pause()
        assert app.filters == {"outlet": "County Herald", "author": "Tom Hale"}
        view = await ask(pilot, "What did Lavrov say?")  # a Moscow Times story: filtered out
        assert not view.query(".quote")


async def test_a_backend_that_cannot_be_made_is_said_as_it_is(built_index_dir, history):
    from assistant.settings import Settings

    settings = Settings.load({"index": built_index_dir, "generate": True,
                              "backend": "llama-cpp"}, {})
    app = NewsdeskApp(settings, history=history)
    async with app.run_test(size=(100, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            if app.index_problem:
                break
        assert app.index_problem.startswith("the llama-cpp backend needs NEWSDESK_LLM_GGUF")


async def test_a_searched_query_is_recalled_edited_and_asked_as_written(shared_index, history):
    app = make_app(shared_index, history)
    async with app.run_test(size=(100, 40)) as pilot:
        await ask(pilot, "Who won the national chess championship?")
        view = await ask(pilot, "What did she tell reporters?")
        assert "searched: What did Nair tell reporters? · in this story's articles" in \
            _text(view.query_one(".query"))
        field = app.query_one(QuestionInput)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert field.value == "What did Nair tell reporters?" and app.query_recalled
        # the user's edit, which the rules would add context to: asked as written
        field.value = "How long was the final round?"
        rewritten = app.conversation.query_for(field.value)
        view = await ask_as_typed(pilot)
        assert view.answer.query == "How long was the final round?" != rewritten
        assert view.answer.question == view.answer.query and not app.query_recalled
        # a new question typed after emptying the line is rewritten as ever
        await pilot.press("ctrl+r")
        field.value = ""
        await pilot.pause()
        assert not app.query_recalled
        view = await ask(pilot, "What did she say?")
        assert view.answer.query == "What did Nair say?"

