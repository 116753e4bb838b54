"""Small numbered articles the index tests write: "Story n ... harbour project phase n"."""
from __future__ import annotations

from embeddings import Article


def article(n: int, text: str | None = None, **kw) -> Article:
    return Article(title=f"Story {n}", url=f"https://t.example/{n}",
                   body=text or f"Story number {n} is about the harbour project phase {n}.", **kw)
