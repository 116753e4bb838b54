"""`newsdesk watch FOLDER --json` as a real subprocess, its events read line by line (the
watch tests and bench/news_in.py drive it)."""
from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent


class Watcher:
    """`newsdesk watch FOLDER --json` running; its events read line by line."""

    def __init__(self, folder: Path, index: Path):
        self.process = subprocess.Popen(
            [str(BIN / "newsdesk"), "watch", str(folder), "--index", str(index), "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.events.put(json.loads(line))

    def next(self, kind: str = "sync", timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            event = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            if event["event"] == kind:
                return event

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        return code, self.process.stderr.read()
