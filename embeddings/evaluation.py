"""Retrieval evaluation on questions with gold source URLs: Hits@k and MRR@10 per system.

Questions are JSON Lines with `question`, `gold_url` or `gold_urls`, and an optional `date`
(the question's "now", used as `as_of`), the format of news-5k's questions.jsonl.
"""
from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import BadInputError
from .query import MODES, Query
from .readers.common import parse_date

if TYPE_CHECKING:
    from .index import Index

SYSTEMS = MODES  # every search mode is measured
DEPTH = 10


class QuestionFileError(BadInputError):
    """A question file line that cannot be used; the message names file and line."""


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    gold: frozenset[str]  # normalised URLs
    as_of: date | None


def normalise_url(url: str) -> str:
    """Scheme, `www.`, case of the host, trailing slash and fragment do not matter."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


def load_questions(path: str | Path) -> list[EvalQuestion]:
    out = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QuestionFileError(f"{where}: malformed JSON ({exc.msg})") from None
            if not isinstance(record, dict) or not str(record.get("question", "")).strip():
                raise QuestionFileError(f"{where}: a record with a `question` is expected")
            gold = record.get("gold_urls") or record.get("gold_url") or []
            gold = [gold] if isinstance(gold, str) else list(gold)
            if not gold:
                raise QuestionFileError(f"{where}: no `gold_url` or `gold_urls`")
            out.append(EvalQuestion(str(record.get("id", number)), str(record["question"]),
                                    frozenset(normalise_url(u) for u in gold),
                                    parse_date(record.get("date"))))
    return out


def metrics(ranks: list[int | None]) -> dict[str, float]:
    """Hits@1/5/10 and MRR@10 from each question's first gold rank (None: not in top 10)."""
    n = len(ranks) or 1
    return {
        "hits@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "hits@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "hits@10": sum(1 for r in ranks if r is not None and r <= 10) / n,
        "mrr@10": sum(1.0 / r for r in ranks if r is not None and r <= 10) / n,
    }


def gold_rank(urls: list[str | None], gold: frozenset[str]) -> int | None:
    for rank, url in enumerate(urls, start=1):
        if url and normalise_url(url) in gold:
            return rank
    return None


@dataclass
class EvalReport:
    n: int
    systems: dict[str, dict[str, float]]
    latency_ms: dict[str, float]
    ranks: dict[str, list[int | None]]

    def to_dict(self) -> dict:
        return {"systems": {k: {m: round(v, 4) for m, v in s.items()} for k, s in self.systems.items()},
                "latency_ms": {k: round(v, 1) for k, v in self.latency_ms.items()}, "n": self.n}


def evaluate(index: "Index", questions: list[EvalQuestion], systems=SYSTEMS,
             progress: Callable[[int, int], None] | None = None) -> EvalReport:
    """Article-level ranks of the gold source for each system; latency of hybrid queries."""
    ranks: dict[str, list[int | None]] = {s: [] for s in systems}
    latencies: list[float] = []
    if questions:  # warm-up: model loaded, caches filled, before anything is timed
        index.warm()
        index.search_articles(Query(questions[0].question, k=DEPTH))
    total = len(questions) * len(systems)
    done = 0
    for q in questions:
        for system in systems:
            t0 = time.perf_counter()
            results = index.search_articles(Query(q.question, k=DEPTH, as_of=q.as_of, mode=system),
                                            passages=1)
            if system == "hybrid":
                latencies.append((time.perf_counter() - t0) * 1000)
            ranks[system].append(gold_rank([r.article.url for r in results], q.gold))
            done += 1
            if progress:
                progress(done, total)
    latency = {}
    if latencies:
        ordered = sorted(latencies)
        latency = {"p50": statistics.median(ordered),
                   "p95": ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]}
    return EvalReport(len(questions), {s: metrics(r) for s, r in ranks.items()}, latency, ranks)
