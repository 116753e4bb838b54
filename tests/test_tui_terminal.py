"""The real `ask` command (no question: the chat) in a real terminal, tmux."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]

ASK = Path(sys.executable).parent / "ask"


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-J", "-t", session)


def _wait_for(session: str, *texts: str, seconds: float = 120) -> str:
    """The screen once all `texts` are on it together: a frame can be caught half drawn.
    Text may wrap: a line break counts as nothing (inside a URL) or as a space."""
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(session)
        unwrapped = (screen.replace("\n", ""), " ".join(screen.split()))
        if all(any(text in view for view in unwrapped) for text in texts):
            return screen
        time.sleep(0.5)
    raise AssertionError(f"{texts!r} never appeared together; the screen was:\n{screen}")


def test_chat_in_tmux_answers_with_the_source_url(built_index_dir, tmp_path):
    session = f"newsdesk-test-{os.getpid()}"
    env = {"HF_HUB_OFFLINE": "1", "NEWSDESK_HISTORY": str(tmp_path / "h.sqlite"),
           "TERM": "xterm-256color", "HOME": os.environ.get("HOME", str(tmp_path)),
           "PATH": os.environ.get("PATH", "")}
    command = " ".join([f"{k}={shlex.quote(v)}" for k, v in env.items()]
                       + [shlex.quote(str(ASK)), "--index", shlex.quote(str(built_index_dir))])
    _tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50", f"env {command}")
    _tmux("set-option", "-t", session, "remain-on-exit", "on")
    try:
        _wait_for(session, "Ask a question.")
        _tmux("send-keys", "-t", session, "-l", "What did Lavrov say?")
        _tmux("send-keys", "-t", session, "Enter")
        _wait_for(session, "up to the United States", "addressed to Washington", "Sources",
                  "themoscowtimes.com/2018/12/30/putin-in-new-year-letter")
        _tmux("send-keys", "-t", session, "C-q")
        time.sleep(1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory, encoder):
    from embeddings import Index
    from test_hostile_corpus import _build

    root = tmp_path_factory.mktemp("hostile-chat")
    _build(root / "news", root / "outside")
    with Index.open(root / "ix") as index:
        index.add([root / "news"])
    return root / "ix"


@pytest.mark.parametrize("question, shown, opened", [
    ("What happened to the seawall?", "raised by a metre", "https://t.example/bidi"),
    ("What did the mayor say about the budget?", "is balanced", None),  # escapes, no URL
    ("How many berths did the marina add?", "forty berths", None)])  # a forged URL
def test_the_chat_copies_and_opens_only_what_is_safe(hostile_index, tmp_path, question, shown,
                                                     opened):
    """In tmux: the reader's copy (OSC 52, which tmux keeps in its paste buffer) holds
    printable text only, and open hands a browser (a script recording its argument) only
    a plain http(s) address."""
    session = f"newsdesk-hostile-{os.getpid()}"
    browser = tmp_path / "browser.sh"
    record = tmp_path / "opened.txt"
    browser.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" >> {shlex.quote(str(record))}\n")
    browser.chmod(0o755)
    env = {"HF_HUB_OFFLINE": "1", "NEWSDESK_HISTORY": str(tmp_path / "h.sqlite"),
           "TERM": "xterm-256color", "HOME": os.environ.get("HOME", str(tmp_path)),
           "PATH": os.environ.get("PATH", ""), "BROWSER": f"{browser} %s"}
    command = " ".join([f"{k}={shlex.quote(v)}" for k, v in env.items()]
                       + [shlex.quote(str(ASK)), "--index", shlex.quote(str(hostile_index))])
    subprocess.run(["tmux", "delete-buffer"], capture_output=True)
    _tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50", f"env {command}")
    _tmux("set-option", "-t", session, "remain-on-exit", "on")
    _tmux("set-option", "-g", "set-clipboard", "on")
    try:
        _wait_for(session, "Ask a question.")
        _tmux("send-keys", "-t", session, "-l", question)
        _tmux("send-keys", "-t", session, "Enter")
        _wait_for(session, shown, "Sources")
        for _ in range(4):  # Tab moves on to the sources (once the answer has settled)
            time.sleep(1)
            _tmux("send-keys", "-t", session, "Tab")
            time.sleep(0.5)
            _tmux("send-keys", "-t", session, "Enter")  # the reader
            time.sleep(1.5)
            if "quote 1 of" in _screen(session):
                break
        _wait_for(session, "quote 1 of", seconds=5)
        _tmux("send-keys", "-t", session, "c")
        time.sleep(1)
        _tmux("send-keys", "-t", session, "o")
        time.sleep(2)
        copied = _tmux("show-buffer")
        assert shown in copied and copied.isprintable(), repr(copied)
        assert (opened in copied) if opened else ("http" not in copied)
        lines = record.read_text().split() if record.exists() else []
        assert lines == ([opened] if opened else [])
        _tmux("send-keys", "-t", session, "C-q")
        time.sleep(1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
