"""Question files and the retrieval metrics of `newsdesk eval`."""
from __future__ import annotations

import json
from datetime import date

import pytest

from embeddings.evaluation import (QuestionFileError, evaluate, gold_rank, load_questions,
                                   metrics, normalise_url)


def test_metrics_from_ranks():
    m = metrics([1, 2, None, 7, 11])
    assert m == {"hits@1": 0.2, "hits@5": 0.4, "hits@10": 0.6,
                 "mrr@10": pytest.approx((1 + 0.5 + 1 / 7) / 5)}


def test_url_normalisation_and_gold_rank():
    gold = frozenset({normalise_url("https://www.cnn.com/2022/01/02/world/x/index.html")})
    assert gold_rank(["https://a.example/1", None, "http://cnn.com/2022/01/02/world/x/index.html/"],
                     gold) == 3
    assert gold_rank(["https://a.example/1"], gold) is None


def test_load_questions_formats_and_errors(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "a", "question": "Q1?", "gold_urls": ["https://x.example/1"], "date": "2022-01-07"}),
        json.dumps({"question": "Q2?", "gold_url": "https://x.example/2"}),
        ""]), encoding="utf-8")
    qs = load_questions(path)
    assert [q.id for q in qs] == ["a", "2"] and qs[0].as_of == date(2022, 1, 7) and qs[1].as_of is None
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "Q?"}) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match="bad.jsonl:1: no `gold_url`"):
        load_questions(bad)


def test_evaluate_on_the_test_index(shared_index, tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"question": "When does the plastic bag ban take effect?", "gold_url": "https://news.example/ban",
         "date": "2022-11-05"},
        {"question": "Who won the national chess championship?", "gold_urls": ["https://news.example/chess"]},
    ]), encoding="utf-8")
    report = evaluate(shared_index, load_questions(path))
    assert report.n == 2 and set(report.systems) == {"hybrid", "dense", "keyword"}
    assert report.systems["hybrid"]["hits@1"] == 1.0
    assert report.latency_ms["p50"] > 0
    assert set(report.to_dict()) == {"systems", "latency_ms", "n"}
