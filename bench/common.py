"""Shared helpers of the benchmark scripts: where the news-5k data lies."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS5K = Path(os.environ.get("NEWSDESK_NEWS5K", ROOT.parent / "shared" / "data" / "news-5k"))


def news5k_or_exit() -> Path:
    """The data folder, or exit 0 with a message when it is absent (benchmarks skip)."""
    if not (NEWS5K / "articles.jsonl.gz").exists():
        print(f"skip: {NEWS5K} is absent; nothing to measure")
        sys.exit(0)
    return NEWS5K
