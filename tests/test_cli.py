"""The real `ask` and `newsdesk` commands, run as a user runs them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def run(cmd: str, *args, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_COLOR": "1", **(env_extra or {})}
    return subprocess.run([str(BIN / cmd), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory, corpus_dir) -> Path:
    path = tmp_path_factory.mktemp("cli") / "ix"
    result = run("newsdesk", "index", corpus_dir, "--index", path, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["added"] == 4 and summary["skipped"] == []
    return path


def test_index_again_reports_unchanged_and_skips(cli_index, corpus_dir, tmp_path):
    (tmp_path / "junk.json").write_text("{nope", encoding="utf-8")
    result = run("newsdesk", "index", corpus_dir, tmp_path / "junk.json", "--index", cli_index)
    assert result.returncode == 0, result.stderr
    assert "0 added, 0 updated, 4 unchanged" in result.stdout
    assert "junk.json:1: malformed JSON" in result.stdout


def test_ask_json_quotes_are_exact_slices(cli_index):
    result = run("ask", "When does the plastic bag ban take effect?", "--index", cli_index, "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["found"] is True
    assert set(answer) >= {"question", "answer", "quotes", "sources", "found"}
    assert any("March 1, 2023" in q["text"] for q in answer["quotes"])
    urls = {s["n"]: s["url"] for s in answer["sources"]}
    assert urls[answer["quotes"][0]["source"]] == "https://news.example/ban"
    from embeddings import Index

    with Index.open(cli_index) as index:
        bodies = {a.url: a.body for a in index.articles()}
    for quote in answer["quotes"]:
        assert bodies[urls[quote["source"]]][quote["start"]:quote["end"]] == quote["text"]
        assert f"[{quote['source']}]" in answer["answer"]
    assert set(answer["sources"][0]) >= {"n", "title", "url", "outlet", "published"}


def test_ask_prints_lavrov_with_the_url(cli_index):
    result = run("ask", "What did Lavrov say?", "--index", cli_index)
    assert result.returncode == 0, result.stderr
    assert "addressed to Washington" in result.stdout
    assert "https://www.themoscowtimes.com/2018/12/30/putin-in-new-year-letter-to-trump-says-" \
           "moscow-is-open-for-dialogue-a64002" in result.stdout


def test_ask_without_answer_exits_3_and_says_so(cli_index):
    result = run("ask", "What is the boiling point of liquid nitrogen in kelvin?", "--index",
                 cli_index, "--json")
    assert result.returncode == 3, result.stdout
    answer = json.loads(result.stdout)
    assert answer["found"] is False and answer["quotes"] == []
    assert answer["answer"] == "The indexed articles don't answer this."


def test_usage_errors_exit_2(cli_index, tmp_path):
    assert run("ask", "", "--index", cli_index).returncode == 2
    assert run("ask", "???", "--index", cli_index).returncode == 2
    missing = run("ask", "anything", "--index", tmp_path / "none")
    assert missing.returncode == 2 and "newsdesk index" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert run("ask", "x", "--since", "yesterday-ish", "--index", cli_index).returncode == 2


def test_model_mismatch_message(cli_index):
    result = run("ask", "anything", "--index", cli_index,
                 env_extra={"NEWSDESK_MODEL": "/models/other-model"})
    assert result.returncode == 2 and "built with the embedding model" in result.stderr


def test_search_json_and_default_index_from_env(cli_index):
    result = run("newsdesk", "search", "chess", "champion", "--json", "-k", "2",
                 env_extra={"NEWSDESK_INDEX": str(cli_index)})
    assert result.returncode == 0, result.stderr
    articles = json.loads(result.stdout)
    assert articles[0]["url"] == "https://news.example/chess" and len(articles) <= 2
    assert {"title", "outlet", "published", "score", "passages"} <= set(articles[0])
    assert {"start", "end", "text"} <= set(articles[0]["passages"][0])
    result = run("newsdesk", "search", "chess", "--chunks", "--json", "--index", cli_index)
    hits = json.loads(result.stdout)
    assert {"title", "outlet", "published", "start", "end", "text", "score"} <= set(hits[0])


def test_eval_json(cli_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(r) for r in [
        {"question": "When does the plastic bag ban take effect?", "gold_url": "https://news.example/ban"},
        {"question": "Who won the chess title?", "gold_urls": ["https://news.example/chess"],
         "date": "2021-06-25"}]), encoding="utf-8")
    result = run("newsdesk", "eval", questions, "--index", cli_index, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"systems", "latency_ms", "n"} and report["n"] == 2
    assert set(report["systems"]) == {"hybrid", "dense", "keyword"}
    assert set(report["systems"]["hybrid"]) == {"hits@1", "hits@5", "hits@10", "mrr@10"}
    assert report["systems"]["hybrid"]["hits@1"] == 1.0
    bad = run("newsdesk", "eval", tmp_path / "missing.jsonl", "--index", cli_index)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.parametrize("cmd", ["ask", "newsdesk"])
def test_version_is_the_installed_package_version(cmd):
    from importlib.metadata import version

    result = run(cmd, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{cmd} {version('newsdesk')}\n" and result.stderr == ""


def test_version_of_a_copy_that_is_not_installed(monkeypatch, capsys):
    from importlib import metadata

    from assistant.cli import ask

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    with pytest.raises(SystemExit) as exited:
        ask.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == "ask unknown (not installed)\n"
