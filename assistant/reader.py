"""The reader: a cross-encoder that reads the question and a sentence together.

Embedding similarity and shared words cannot tell the sentence that answers from the
background sentences around it that repeat the question's words; a model that reads both
at once can. The reader is the bundled model with an adapter trained here
(`bench/train_reader.py`) on the choosing parts of the dev set and the even quiz
questions, never on the held-out parts; its adapter ships in `models/reader.npz`
(`embeddings.pair_scorer` merges and exports it once, into the user cache).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

ADAPTER = Path(__file__).with_name("models") / "reader.npz"


def prepare() -> Path:
    """Export the reader now if it never was (torch, ~10 s, once), so that no answer waits
    for it; nothing is loaded. Returns where the export lies."""
    from embeddings.onnx_export import BundledModel
    from embeddings.pair_scorer import Adapter, ensure_pair_onnx

    return ensure_pair_onnx(BundledModel.locate(), Adapter(ADAPTER))


def load():
    """The reader, loaded once for the process (exported first, the first time ever)."""
    from embeddings.pair_scorer import pair_scorer

    return pair_scorer(str(ADAPTER))


def read_pairs(question: str, texts: list[str]) -> np.ndarray:
    """The reader's score for each text as the answer to `question` (a logit: only the
    differences between one question's texts mean anything)."""
    return load().score(question, texts)
