"""Measure newsdesk's servers on news-5k: warm `ask` through the HTTP API and through the
MCP server (stdio and streamable HTTP), beside the in-process library call in the same run.

    python bench/serve.py --index DIR [--questions N] [--json]

The same N quiz questions (every k-th of news-5k's questions.jsonl, spread over the set)
are asked four ways, each after 3 warm-up questions: `Desk.ask` in this process (the
baseline: the library, warm), GET /ask of `newsdesk serve` (uvicorn, a keep-alive
client), and the `ask` tool of `newsdesk mcp` over stdio and over streamable HTTP (the
SDK's own client). Each server is a real subprocess with its own warm index. Reported:
p50 and p95 milliseconds a question, and each transport's p50 over the baseline's.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the test suite's server helpers

from bench.common import news5k_or_exit, read_jsonl  # noqa: E402
from llm_servers import free_port  # noqa: E402

BIN = Path(sys.executable).parent
WARM_UP = 3


def figures(times: list[float]) -> dict:
    ms = sorted(t * 1000 for t in times)
    return {"p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1), "n": len(ms)}


def timed(call, questions: list[str]) -> list[float]:
    for q in questions[:WARM_UP]:
        call(q)
    times = []
    for q in questions:
        started = time.perf_counter()
        call(q)
        times.append(time.perf_counter() - started)
    return times


async def timed_async(call, questions: list[str]) -> list[float]:
    for q in questions[:WARM_UP]:
        await call(q)
    times = []
    for q in questions:
        started = time.perf_counter()
        await call(q)
        times.append(time.perf_counter() - started)
    return times


def start(*args: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([str(BIN / "newsdesk"), *args, str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode())
        time.sleep(0.2)
    raise RuntimeError("the server never listened")


def in_process(index: Path, questions: list[str]) -> list[float]:
    from assistant.service import Desk
    from assistant.settings import Settings

    # as the servers make theirs: flags over the environment, the engine configured
    desk = Desk(Settings.load({"index": index}).configure_engine()).open()
    try:
        return timed(desk.ask, questions)
    finally:
        desk.close()


def http_api(index: Path, questions: list[str]) -> list[float]:
    import httpx

    process, port = start("serve", "--index", str(index), "--port")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            def ask(q: str) -> None:
                http.get("/ask", params={"q": q}).raise_for_status()

            return timed(ask, questions)
    finally:
        process.terminate()
        process.wait(30)


async def mcp(client_target, questions: list[str]) -> list[float]:
    from mcp import Client

    async with Client(client_target, read_timeout_seconds=300) as client:
        async def ask(q: str) -> None:
            result = await client.call_tool("ask", {"question": q})
            if result.is_error:
                raise RuntimeError(result.content[0].text)

        return await timed_async(ask, questions)


def mcp_stdio(index: Path, questions: list[str]) -> list[float]:
    from mcp import StdioServerParameters

    target = StdioServerParameters(command=str(BIN / "newsdesk"),
                                   args=["mcp", "--index", str(index)], env=dict(os.environ))
    return asyncio.run(mcp(target, questions))


def mcp_http(index: Path, questions: list[str]) -> list[float]:
    process, port = start("mcp", "--index", str(index), "--http")
    try:
        return asyncio.run(mcp(f"http://127.0.0.1:{port}/mcp", questions))
    finally:
        process.terminate()
        process.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="a news-5k index")
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = news5k_or_exit()
    quiz = [q["question"] for q in read_jsonl(data / "questions.jsonl")]
    step = max(1, len(quiz) // args.questions)
    questions = quiz[::step][:args.questions]

    runs = {"library (in process)": in_process(args.index, questions),
            "HTTP API GET /ask": http_api(args.index, questions),
            "MCP ask, stdio": mcp_stdio(args.index, questions),
            "MCP ask, streamable HTTP": mcp_http(args.index, questions)}
    base = figures(runs["library (in process)"])
    report = {name: figures(times) for name, times in runs.items()}
    for f in report.values():
        f["p50_ratio"] = round(f["p50_ms"] / base["p50_ms"], 2)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"warm ask on news-5k, {len(questions)} quiz questions (after {WARM_UP} warm-up):")
    for name, f in report.items():
        print(f"  {name:<26} p50 {f['p50_ms']:>6.1f} ms   p95 {f['p95_ms']:>6.1f} ms   "
              f"p50 / library {f['p50_ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
