"""newsdesk for other programs, each server started for real as a subprocess: the MCP
server over stdio and over streamable HTTP (talked to with the official SDK's own client),
and the HTTP JSON API (uvicorn on a free 127.0.0.1 port, asked with a real HTTP client).
Every quote an answer gives is checked against `get_article`'s span of its source."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from llm_servers import free_port

BIN = Path(sys.executable).parent
QUESTION = "When does the plastic bag ban take effect?"


@contextmanager
def running(*args: str):
    """`newsdesk ARGS` as a server subprocess, stopped (and its errors shown) after."""
    # its output goes to no pipe: one nobody reads could fill and stall the server
    process = subprocess.Popen([str(BIN / "newsdesk"), *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(port: int, process, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited ({process.returncode})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("the server never listened")


def stdio_client(index: Path):
    from mcp import Client, StdioServerParameters

    return Client(StdioServerParameters(command=str(BIN / "newsdesk"),
                                        args=["mcp", "--index", str(index)],
                                        env=dict(os.environ)))


async def check_quotes_against_articles(client, answer: dict) -> None:
    """Each quote is body[start:end] of its source's article, as get_article returns it."""
    by_n = {s["n"]: s for s in answer["sources"]}
    assert answer["quotes"]
    for quote in answer["quotes"]:
        source = by_n[quote["source"]]
        got = await client.call_tool("get_article", {"article": source["article_id"],
                                                     "start": quote["start"],
                                                     "end": quote["end"]})
        assert not got.is_error
        assert got.structured_content["span"]["text"] == quote["text"]
        assert got.structured_content["body"][quote["start"]:quote["end"]] == quote["text"]


async def error_of(client, tool: str, arguments: dict) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    return result.content[0].text


@pytest.mark.slow
async def test_the_mcp_server_over_stdio(built_index_dir):
    async with stdio_client(built_index_dir) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"search", "ask", "get_article", "index_info"}
        for tool in tools.values():
            assert len(tool.description) > 40 and tool.input_schema["type"] == "object"
        assert set(tools["ask"].input_schema["properties"]) == {"question", "as_of", "outlet",
                                                                "since", "until"}
        assert tools["ask"].input_schema["required"] == ["question"]

        asked = await client.call_tool("ask", {"question": QUESTION})
        answer = asked.structured_content
        assert not asked.is_error and answer["found"]
        assert "March 1, 2023" in answer["answer"]
        assert answer["sources"][0]["url"] == "https://news.example/ban"
        await check_quotes_against_articles(client, answer)
        # the same object `ask --json` prints
        printed = subprocess.run([str(BIN / "ask"), QUESTION, "--index", str(built_index_dir),
                                  "--json"], capture_output=True, text=True)
        assert json.loads(printed.stdout)["quotes"] == answer["quotes"]

        found = (await client.call_tool("search", {"query": "snow closes schools", "k": 2}))
        results = found.structured_content["results"]
        assert results[0]["outlet"] == "County Herald" and len(results) == 2
        assert results[0]["passages"][0]["text"]
        by_url = await client.call_tool("get_article", {"article": "https://news.example/storm"})
        assert by_url.structured_content["title"] == "Storm closes schools across the county"
        info = (await client.call_tool("index_info", {})).structured_content
        assert info["articles"] == 4 and info["passages"] >= 4
        assert {"outlet": "City Times", "articles": 2} in info["outlets"]
        assert info["dates"] == {"first": "2018-12-30", "last": "2022-12-12"}

        resource = await client.read_resource(f"newsdesk://article/{results[0]['article_id']}")
        assert json.loads(resource.contents[0].text)["url"] == "https://news.example/storm"
        from mcp import MCPError

        with pytest.raises(MCPError, match="no article 'nope'"):
            await client.read_resource("newsdesk://article/nope")

        # bad requests are errors said plainly; the server stays up
        assert "the question is empty" in await error_of(client, "ask", {"question": "  ?! "})
        assert "limit" in await error_of(client, "ask", {"question": "word " * 5000})
        assert "not a date" in await error_of(client, "search", {"query": "ban",
                                                                 "since": "last week"})
        assert "no article 'nope'" in await error_of(client, "get_article", {"article": "nope"})
        assert "must lie between" in await error_of(client, "ask", {"question": QUESTION,
                                                                    "as_of": "0001-01-02"})
        assert "the span must" in await error_of(client, "get_article", {
            "article": "https://news.example/storm", "start": 5, "end": 10**6})
        assert (await client.call_tool("ask", {"question": QUESTION})).structured_content["found"]


@pytest.mark.slow
async def test_the_mcp_server_over_streamable_http(built_index_dir):
    from mcp import Client

    port = free_port()
    with running("mcp", "--index", str(built_index_dir), "--http", f"127.0.0.1:{port}") as server:
        wait_for(port, server)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            answer = (await client.call_tool("ask", {"question": QUESTION})).structured_content
            assert answer["found"]
            await check_quotes_against_articles(client, answer)


@pytest.mark.slow
async def test_the_mcp_server_without_an_index_says_how_to_build_one(tmp_path):
    async with stdio_client(tmp_path / "none") as client:
        said = await error_of(client, "index_info", {})
        assert "no index at" in said and "newsdesk index PATH" in said


@pytest.mark.slow
def test_the_http_api(built_index_dir):
    port = free_port()
    with running("serve", "--index", str(built_index_dir), "--port", str(port)) as server:
        wait_for(port, server)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as http:
            assert http.get("/health").json() == {"status": "ok", "articles": 4}
            answer = http.get("/ask", params={"q": QUESTION}).json()
            assert answer["found"] and answer["sources"][0]["url"] == "https://news.example/ban"
            for quote in answer["quotes"]:
                source = next(s for s in answer["sources"] if s["n"] == quote["source"])
                span = http.get(f"/articles/{source['article_id']}",
                                params={"start": quote["start"], "end": quote["end"]}).json()
                assert span["span"]["text"] == quote["text"]
            results = http.get("/search", params={"q": "chess championship", "k": 1}).json()
            assert results[0]["url"] == "https://news.example/chess" and len(results) == 1
            by_url = http.get("/articles/https://news.example/chess").json()
            assert by_url["article_id"] == results[0]["article_id"]
            assert http.get("/info").json()["articles"] == 4

            bad = http.get("/ask", params={"q": ""})
            assert bad.status_code == 400 and bad.json()["kind"] == "bad_input"
            assert http.get("/search", params={"q": "ban", "until": "2022-13-01"}).status_code == 400
            missing = http.get("/articles/0123456789abcdef")
            assert missing.status_code == 404 and "no article" in missing.json()["error"]
            zero = http.get("/search", params={"q": "ban", "k": 0})
            assert zero.status_code == 400 and zero.json()["kind"] == "bad_input"
            assert "k:" in zero.json()["error"]
            assert http.get("/ask", params={"q": "what happened this week",
                                            "as_of": "9999-12-31"}).status_code == 400
            # a page elsewhere that rebinds its own name to 127.0.0.1 is refused
            assert http.get("/health", headers={"Host": "evil.example"}).status_code == 400
            assert http.get("/search", params={"q": "x" * 20_000}).status_code == 400
            spec = http.get("/openapi.json").json()
            assert {"/search", "/ask", "/articles/{article_id}", "/health"} <= set(spec["paths"])
            assert http.get("/docs").status_code == 200
            assert http.get("/health").status_code == 200  # still up after all that


@pytest.mark.slow
def test_the_http_api_without_an_index_says_how_to_build_one(tmp_path):
    port = free_port()
    with running("serve", "--index", str(tmp_path / "none"), "--port", str(port)) as server:
        wait_for(port, server)
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=60)
        assert health.status_code == 503 and "newsdesk index PATH" in health.json()["error"]


@pytest.mark.slow
def test_a_running_server_sees_new_articles_and_blocks_no_writer(tmp_path):
    from conftest import SEED

    from embeddings import Article, Index

    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([SEED])
    port = free_port()
    with running("serve", "--index", str(ix), "--port", str(port)) as server:
        wait_for(port, server)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/health", timeout=60).json()["articles"] == 1
        with Index.open(ix) as index:  # a writer beside the running server
            index.add([Article(title="Ferry returns", url="https://h.example/ferry",
                               body="The harbour ferry returns to service on Saturday after "
                                    "three months of engine repairs.")])
        found = httpx.get(f"{base}/search", params={"q": "harbour ferry repairs", "k": 1},
                          timeout=60).json()
        assert found[0]["url"] == "https://h.example/ferry"


def test_a_bad_listening_address_is_a_usage_error(tmp_path):
    done = subprocess.run([str(BIN / "newsdesk"), "mcp", "--http", "127.0.0.1:99999"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "no such port" in done.stderr
