"""What the hostile-input tests share: good articles to index beside the bad, and filler."""
from __future__ import annotations

import sys
from pathlib import Path

from assistant import Assistant
from embeddings import Article, Index

BIN = Path(sys.executable).parent
GOOD = {"good-1.md": ("# Harbour tunnel opens\n\nThe harbour tunnel opened on Friday after "
                      "ten years of work, the city said.\n"),
        "good-2.md": ("# Bridge toll rises\n\nThe bridge toll rises to five dollars next "
                      "year, officials said on Monday.\n")}


def good_corpus(folder: Path) -> Path:
    """Two good articles in `folder`, which hostile input is put beside."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def assert_good_answerable(index: Index) -> None:
    assistant = Assistant(index)
    assert "five dollars" in assistant.ask("How much will the bridge toll be?").quotes[0].text
    assert "Friday" in assistant.ask("When did the harbour tunnel open?").quotes[0].text


def many(n: int) -> list[Article]:
    """n unrelated articles of 60 sentences each."""
    words = "council harbour budget ferry tunnel bridge school vote market storm".split()
    return [Article(title=f"Report {i}", url=f"https://t.example/report-{i}",
                    body=" ".join(f"In report {i} the {words[(i + j) % 10]} item {j} moved."
                                  for j in range(60)))
            for i in range(n)]
