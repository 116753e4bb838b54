"""Snapshots of the chat's main screens (pytest-textual-snapshot).

Regenerate after an intended change of the look: pytest tests/test_tui_snapshots.py --snapshot-update
"""
from __future__ import annotations

import pytest

from assistant.history import History
from assistant.tui.app import NewsdeskApp, QuestionInput
from assistant.tui.views import AnswerView

LAVROV = "What did Lavrov say?"


@pytest.fixture
def app_factory(shared_index, tmp_path):
    def make(theme: str | None = None) -> NewsdeskApp:
        app = NewsdeskApp(index=shared_index, history=History(tmp_path / "h.sqlite"))
        if theme:
            app.theme = theme
        return app
    return make


async def _steady(pilot) -> None:
    """No blinking cursor: a snapshot must not depend on when it is taken."""
    pilot.app.query_one(QuestionInput).cursor_blink = False
    await pilot.pause()


async def _ask(pilot, question: str = LAVROV) -> None:
    app = pilot.app
    await _steady(pilot)
    app.query_one(QuestionInput).value = question
    await pilot.press("enter")
    for _ in range(600):
        await pilot.pause(0.05)
        if app.query(AnswerView):
            break
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _open_first_source(pilot) -> None:
    await _ask(pilot)
    sources = pilot.app.query(AnswerView).last().query_one("OptionList")
    sources.focus()
    sources.highlighted = 0
    await pilot.press("enter")
    await pilot.pause()


def test_start_screen(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_steady)


def test_answer_80x24(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_ask)


def test_answer_large_light_theme(snap_compare, app_factory):
    assert snap_compare(app_factory("textual-light"), terminal_size=(140, 45), run_before=_ask)


def test_reader(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(100, 30), run_before=_open_first_source)


def test_help(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), press=["f1"], run_before=_steady)


def test_not_found(snap_compare, app_factory):
    async def run(pilot):
        await _ask(pilot, "What did the Icelandic fisheries minister say about cod quotas?")
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=run)
