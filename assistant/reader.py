"""The reader: a cross-encoder that reads the question and a sentence together.

Embedding similarity and shared words cannot tell the sentence that answers from the
background sentences around it that repeat the question's words; a model that reads both
at once can. The reader is the bundled model with an adapter trained here
(`bench/train_reader.py`) on the choosing parts of the dev set but tune6 (kept to choose
its settings on) and the even quiz questions, never on the held-out parts; its adapter
ships in `models/reader.npz`
(`embeddings.pair_scorer` merges and exports it once, into the user cache).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from embeddings.pair_scorer import PairScorer

ADAPTER = Path(__file__).with_name("models") / "reader.npz"
# fp32. int8 (ONNX Runtime's dynamic quantisation) reads 16 sentences in half the time (p50
# 0.32 -> 0.23 s an answer) but picks another best sentence for 8 of 60 questions; with a
# reader trained without them, must-quote on the dev parts tune4 and tune5 was 399 of 486
# in fp32 and 397 in int8 (24 sentences read in int8: 398)
PRECISION = "fp32"


def prepare() -> Path:
    """Export the reader now if it never was (torch, ~10 s, once), so that no answer waits
    for it; nothing is loaded. Returns where the export lies."""
    from embeddings.onnx_export import BundledModel
    from embeddings.pair_scorer import Adapter, ensure_pair_onnx

    return ensure_pair_onnx(BundledModel.locate(), Adapter(ADAPTER), PRECISION)


# a question is read up to this many characters (a pair is cut to 160 tokens anyway; a
# pasted article as a question would be tokenised once for each sentence)
QUESTION_CHARS = 1000


def load() -> "PairScorer":
    """The reader, loaded once for the process (exported first, the first time ever)."""
    from embeddings.pair_scorer import pair_scorer

    return pair_scorer(str(ADAPTER), PRECISION)


def read_pairs(question: str, texts: list[str]) -> np.ndarray:
    """The reader's score for each text as the answer to `question` (a logit: only the
    differences between one question's texts mean anything)."""
    return load().score(question[:QUESTION_CHARS], texts)
