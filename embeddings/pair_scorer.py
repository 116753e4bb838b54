"""A cross-encoder: the bundled model reading a query and a text together, one score each.

The bi-encoder embeds a question and a sentence apart; read together, every word of one
attends to every word of the other, which tells a sentence that answers from one that
only shares words. The cross-encoder is the bundled model with a small trained adapter
(low-rank changes to its linear layers, and a head from its pooled output to a score),
stored in an `.npz` file of plain arrays; the adapter is merged into the bundled weights
and exported to ONNX once, into the user cache beside the encoder's own export (torch is
imported for the export only). Nothing is downloaded.
"""
from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from .onnx_export import (INPUTS, PRECISIONS, BundledModel, _quantise_int8, _remove_stale_exports,
                          cache_root, export_graph, load_bert, mark_used)

PAIR_FORMAT = 2  # bump when the exported graph changes shape, inputs or weights' merge
PAIR_PREFIX = "pair-"  # every pair export folder's name starts so (not the encoder's prefix)
# a pair is cut to this many tokens: the longer of the two is cut first, from its end (a
# sentence, mostly; a question longer than its sentence loses its own tail)
MAX_TOKENS = 160


class Adapter:
    """The trained changes to the bundled model: for each adapted linear layer (named as
    in its state dict, less ".weight") the low-rank factors A (rank x in) and B (out x
    rank), whose product times `scale` is added to the layer's weight; and the head,
    `head.weight` (1 x hidden) and `head.bias`, over the mean of the last hidden states."""

    def __init__(self, path: "os.PathLike | str"):
        self.path = Path(path)
        data = self.path.read_bytes()
        self.digest = hashlib.sha256(data).hexdigest()[:16]
        with np.load(self.path, allow_pickle=False) as arrays:
            self.arrays = {name: arrays[name] for name in arrays.files}
        self.scale = float(self.arrays.pop("scale"))

    def layers(self) -> list[str]:
        return sorted(name[:-2] for name in self.arrays if name.endswith(".A"))


def pair_onnx_path(model: BundledModel, adapter: Adapter, precision: str = "fp32") -> Path:
    if precision not in PRECISIONS:
        raise ValueError(f"unknown ONNX precision {precision!r}; choose one of {PRECISIONS}")
    return cache_root() / "onnx" / \
        f"{PAIR_PREFIX}{model.cache_key()}-{adapter.digest}-p{PAIR_FORMAT}" / f"model-{precision}.onnx"


_LOCK = threading.RLock()  # an int8 export takes it again for the fp32 export it quantises


def ensure_pair_onnx(model: BundledModel, adapter: Adapter, precision: str = "fp32") -> Path:
    """The exported cross-encoder for `adapter`, exporting (and quantising) it first if
    needed."""
    target = pair_onnx_path(model, adapter, precision)
    if target.exists():
        return target
    with _LOCK:
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            if precision == "fp32":
                _export(model, adapter, target)
                # the exports of earlier adapters and installs
                _remove_stale_exports(target.parent, prefix=PAIR_PREFIX)
            else:
                _quantise_int8(ensure_pair_onnx(model, adapter, "fp32"), target)
    return target


def _export(model: BundledModel, adapter: Adapter, target: Path) -> None:
    import torch

    bert = load_bert(model, add_pooling_layer=False)
    weights = bert.state_dict()
    with torch.no_grad():
        for layer in adapter.layers():
            a = torch.from_numpy(adapter.arrays[f"{layer}.A"].astype(np.float32))
            b = torch.from_numpy(adapter.arrays[f"{layer}.B"].astype(np.float32))
            weights[f"{layer}.weight"] += adapter.scale * (b @ a)
    bert.load_state_dict(weights)
    head = torch.nn.Linear(adapter.arrays["head.weight"].shape[1], 1)
    head.load_state_dict({"weight": torch.from_numpy(adapter.arrays["head.weight"]),
                          "bias": torch.from_numpy(adapter.arrays["head.bias"])})

    class Scores(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert, self.head = bert, head

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(pooled).squeeze(-1)

    export_graph(Scores().eval(), target, "score", {0: "batch"})


class PairScorer:
    """Scores (query, text) pairs with the cross-encoder an adapter file makes."""

    def __init__(self, adapter_path: "os.PathLike | str", precision: str = "fp32",
                 threads: int | None = None):
        from .onnx_encoder import _session, _tokenizer

        model = BundledModel.locate()
        self.path = ensure_pair_onnx(model, Adapter(adapter_path), precision)
        mark_used(self.path.parent)
        self.session = _session(self.path, threads or os.cpu_count() or 1)
        self.tokenizer = _tokenizer(model)  # the encoder's, cut for a pair:
        self.tokenizer.enable_truncation(MAX_TOKENS, strategy="longest_first")

    def score(self, query: str, texts: list[str]) -> np.ndarray:
        """One score per text: higher where the text answers the query better."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        encodings = self.tokenizer.encode_batch([(query, text) for text in texts])
        width = max(len(e.ids) for e in encodings)
        ids, mask, types = (np.zeros((len(texts), width), dtype=np.int64) for _ in range(3))
        for i, e in enumerate(encodings):
            ids[i, :len(e.ids)], mask[i, :len(e.ids)], types[i, :len(e.ids)] = \
                e.ids, 1, e.type_ids
        return self.session.run(None, dict(zip(INPUTS, (ids, mask, types))))[0]


_SCORERS_LOCK = threading.Lock()


def pair_scorer(adapter_path: str, precision: str = "fp32") -> PairScorer:
    """One scorer per adapter file and precision, for the process (two threads asking
    first get the same one)."""
    with _SCORERS_LOCK:
        return _scorer(adapter_path, precision)


@lru_cache(maxsize=4)
def _scorer(adapter_path: str, precision: str) -> PairScorer:
    return PairScorer(adapter_path, precision)
