"""GenerativeAssistant: retrieval as for extractive answers, then a model writes the answer
from numbered sources, and the verifier checks every quotation it wrote."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from ..answer import Answer, Generation, Quote, Source
from ..assistant import Assistant, checked_question
from .backends import Backend, GenerationError
from .context import build
from .verify import verify


class GenerativeAssistant:
    def __init__(self, assistant: Assistant, backend: Backend, strict: bool = False,
                 prompt_dir=None):
        self.assistant = assistant
        self.backend = backend
        self.strict = strict
        self.prompt_dir = prompt_dir

    def condense(self, question: str, earlier: list[tuple[str, str]]) -> str | None:
        """A follow-up rewritten as a standalone question by the model (prompts/condense.txt),
        from the earlier turns: each question with its answer's first sentence ("" when it
        had none); None when the model cannot, so that the caller falls back to its rules."""
        import prompts

        lines = []
        for asked, answered in earlier[-4:]:
            lines.append(f"User: {asked}")
            if answered:
                lines.append(f"Answer: {answered}")
        history = "\n".join(lines)
        prompt = prompts.load("condense", self.prompt_dir).format(history=history, question=question)
        try:
            text = "".join(self.backend.stream([{"role": "user", "content": prompt}]))
        except GenerationError:
            return None
        line = next((ln.strip().strip('"“”') for ln in text.splitlines() if ln.strip()), "")
        return line if 3 <= len(line) <= 500 else None

    @property
    def index(self):
        return self.assistant.index

    def ask(self, question: str, as_of: date | None = None, k: int | None = None,
            on_text: Callable[[str], None] | None = None, search_for: str | None = None,
            **filters) -> Answer:
        """The extractive answer, with the generated text and its verification added.

        `on_text` receives the model's text as it streams. With `strict`, an answer with any
        unverified quotation is replaced by the extractive answer. `search_for` and a
        `story` among the filters: as `Assistant.ask` takes them.
        """
        question, as_of = checked_question(question), as_of or date.today()
        with self.assistant.index.reading():  # one committed state for the search and answer
            hits = self.assistant.search(search_for or question, k=k, as_of=as_of, **filters)
            # one search, both answers; the model writes for what the sentences answered
            extractive, question = self.assistant.read(question, hits, as_of, search_for)
        if not extractive.found:  # nothing to write from: say so, as the extractive answer does
            return extractive
        context = build(question, hits, self.backend.context_window, self.backend.max_tokens,
                        self.prompt_dir)
        pieces: list[str] = []
        try:
            for piece in self.backend.stream(context.messages):
                pieces.append(piece)
                if on_text:
                    on_text(piece)
        except GenerationError as exc:
            extractive.generation = Generation.failed(self.backend.name, str(exc))
            return extractive
        raw = "".join(pieces).strip()
        report = verify(raw, context.bodies)
        sources = [Source.of(n, h.article, h.copies) for n, h in context.sources]
        generation = Generation(self.backend.name, text=report.text, raw=raw,
                                verification=report, prompt_tokens=context.tokens)
        if self.strict and not report.all_verified:
            extractive.generation = replace(generation, replaced_by_extractive=True)
            return extractive
        by_n = {s.n: s for s in sources}
        quotes = [Quote(q.exact, q.start, q.end, q.source, by_n[q.source].article_id,
                        scores={"verified": 1.0})
                  for q in report.quotes if q.status != "not_found"]
        return Answer(question=question, query=question, found=True,
                      quotes=quotes, sources=sources, as_of=extractive.as_of,
                      strength=extractive.strength, generation=generation)
