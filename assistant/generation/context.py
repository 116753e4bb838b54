"""The prompt: numbered source blocks, best passages first, within a token budget."""
from __future__ import annotations

from dataclasses import dataclass

import prompts
from embeddings import Hit
from embeddings.tokens import count_tokens

SAFETY = 1.15  # tiktoken's count vs. the model's own tokenizer: leave headroom


@dataclass
class Context:
    messages: list[dict[str, str]]
    sources: list[tuple[int, Hit]]  # (n, the first passage kept of that article)
    bodies: dict[int, str]  # n -> the article body, for verification
    tokens: int


def build(question: str, hits: list[Hit], context_window: int, answer_tokens: int,
          prompt_dir=None) -> Context:
    """Messages for the model. Passages are kept in rank order while they fit; an
    article's passages share one source number."""
    system = prompts.load("system", prompt_dir)
    source_tpl = prompts.load("source", prompt_dir)
    question_tpl = prompts.load("question", prompt_dir)
    fixed = count_tokens(system) + count_tokens(question_tpl.format(sources="", question=question))
    budget = int((context_window - answer_tokens) / SAFETY) - fixed - 16
    numbers: dict[str, int] = {}
    passages: dict[int, list[Hit]] = {}
    used = 0
    for hit in hits:
        a = hit.article
        n = numbers.get(a.id, len(numbers) + 1)
        block = source_tpl.format(n=n, title=a.title, outlet=a.outlet or "unknown outlet",
                                  published=a.published.isoformat() if a.published else "undated",
                                  text=hit.text)
        cost = count_tokens(block if a.id not in numbers else hit.text)
        if used + cost > budget:
            continue  # a shorter passage further down may still fit
        numbers[a.id] = n
        passages.setdefault(n, []).append(hit)
        used += cost
    blocks = []
    for n, kept in passages.items():
        a = kept[0].article
        text = " … ".join(h.text for h in sorted(kept, key=lambda h: h.start))
        blocks.append(source_tpl.format(
            n=n, title=a.title, outlet=a.outlet or "unknown outlet",
            published=a.published.isoformat() if a.published else "undated", text=text).strip())
    user = question_tpl.format(sources="\n\n".join(blocks), question=question)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    return Context(messages, [(n, kept[0]) for n, kept in passages.items()],
                   {n: kept[0].article.body for n, kept in passages.items()},
                   count_tokens(system) + count_tokens(user))
