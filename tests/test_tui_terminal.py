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
