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
    tokens: int

    @property
    def bodies(self) -> dict[int, str]:
        """n -> the article body, for verification."""
        return {n: hit.article.body for n, hit in self.sources}


def _block(template: str, n: int, hit: Hit, text: str) -> str:
    a = hit.article
    return template.format(n=n, title=a.title, outlet=a.outlet or "unknown outlet",
                           published=a.published.isoformat() if a.published else "undated",
                           text=text)


def build(question: str, hits: list[Hit], context_window: int, answer_tokens: int,
          prompt_dir=None) -> Context:
    """Messages for the model. Passages are kept in rank order while they fit; an
    article's passages share one source number."""
    system = prompts.load("system", prompt_dir)
    source_tpl = prompts.load("source", prompt_dir)
    question_tpl = prompts.load("question", prompt_dir)
    system_tokens = count_tokens(system)
    fixed = system_tokens + count_tokens(question_tpl.format(sources="", question=question))
    budget = int((context_window - answer_tokens) / SAFETY) - fixed - 16
    numbers: dict[str, int] = {}
    passages: dict[int, list[Hit]] = {}
    used = 0
    for hit in hits:
        a = hit.article
        n = numbers.get(a.id, len(numbers) + 1)
        cost = count_tokens(hit.text if a.id in numbers else _block(source_tpl, n, hit, hit.text))
        if used + cost > budget:
            continue  # a shorter passage further down may still fit
        numbers[a.id] = n
        passages.setdefault(n, []).append(hit)
        used += cost
    blocks = []
    for n, kept in passages.items():
        text = " … ".join(h.text for h in sorted(kept, key=lambda h: h.start))
        blocks.append(_block(source_tpl, n, kept[0], text).strip())
    user = question_tpl.format(sources="\n\n".join(blocks), question=question)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    return Context(messages, [(n, kept[0]) for n, kept in passages.items()],
                   system_tokens + count_tokens(user))
