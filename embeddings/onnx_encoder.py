"""The bundled model under ONNX Runtime: the same vectors as sentence-transformers, no torch.

Texts are tokenised with the model's own `tokenizer.json` (the `tokenizers` library),
sorted by token count and cut into batches under a token budget where padding costs
the least (`_batches`); each batch runs the exported graph on all cores, then mean
pooling over the real tokens and L2 normalisation, as the model's sentence-transformers
modules do.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from .durable import fsync_path, publish
from .onnx_export import INPUTS, STALE_EXPORT_S, BundledModel, ensure_onnx, mark_used

BATCH_TEXTS = 64       # at most this many texts a run
BATCH_TOKENS = 8192    # and at most this many (padded) tokens a run
# What one run costs beyond its tokens, in padded tokens: about 3 ms a run against about
# 0.15 ms a token, measured on the 2-core benchmark machine (bench/perf.py's cold ask)
RUN_COST_TOKENS = 20
# A saved optimised graph larger than this holds its weights inside (~90 MB; as saved
# before they had a file of their own, ~70 KB without them): it is saved again.
INLINE_WEIGHTS_BYTES = 16 * 2**20


class OnnxEncoder:
    """Normalised float32 embeddings of the bundled model under ONNX Runtime."""

    def __init__(self, precision: str = "fp32", threads: int | None = None):
        model = BundledModel.locate()
        self.precision = precision
        self.path = ensure_onnx(model, precision)
        mark_used(self.path.parent)
        # the tokenizer loads on a thread of its own while ONNX Runtime builds the session,
        # which it does mostly outside the GIL: a cold start waits for the longer of the two
        tokenizer = _Background(_tokenizer, model)
        self.session = _session(self.path, threads or os.cpu_count() or 1)
        self.tokenizer = tokenizer.result()
        self.dim = int(self.session.get_outputs()[0].shape[-1] or 384)

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for batch in _batches(order, ids):
            out[batch] = self._run([ids[i] for i in batch])
        return out

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        width = max(len(r) for r in rows)
        input_ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            input_ids[i, :len(row)] = row
            mask[i, :len(row)] = 1
        feeds = dict(zip(INPUTS, (input_ids, mask, np.zeros_like(input_ids))))
        hidden = self.session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)


def _tokenizer(model: BundledModel):
    tokenizer = _tokenizer_class().from_file(str(model.tokenizer_file))
    tokenizer.no_padding()  # the file pads to 128; batches pad to their longest
    tokenizer.enable_truncation(model.max_seq_length)
    return tokenizer


def _tokenizer_class():
    """`tokenizers.Tokenizer`, from the package's compiled module alone where it can: the
    package's `__init__` also imports its pure-Python tokenizer classes (~15 ms, most of it
    holding the GIL beside the caller's own start-up). The module is registered under its
    own name, so that a later `import tokenizers` takes it rather than loading it again."""
    import importlib.machinery
    import importlib.util
    import sys

    name = "tokenizers.tokenizers"
    if name not in sys.modules and "tokenizers" not in sys.modules:
        try:
            spec = importlib.util.find_spec("tokenizers")
            folder = Path((spec.submodule_search_locations or [""])[0]) if spec else None
            found = [p for suffix in importlib.machinery.EXTENSION_SUFFIXES
                     for p in ([folder / f"tokenizers{suffix}"] if folder else []) if p.is_file()]
            if found:
                loader = importlib.machinery.ExtensionFileLoader(name, str(found[0]))
                module = importlib.util.module_from_spec(
                    importlib.util.spec_from_file_location(name, found[0], loader=loader))
                loader.exec_module(module)
                sys.modules[name] = module
                return module.Tokenizer
        except (ImportError, OSError, AttributeError):
            pass  # the package's own way, below
    from tokenizers import Tokenizer

    return Tokenizer


class _Background:
    """`fn(*args)` running on a thread of its own; `result()` waits for its value, or
    raises what it raised."""

    def __init__(self, fn, *args):
        self._value = self._error = None

        def run() -> None:
            try:
                self._value = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to result()
                self._error = exc

        self._thread = threading.Thread(target=run, name=f"onnx-{fn.__name__}")
        self._thread.start()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _session(path: Path, threads: int):
    """An inference session over the graph as ONNX Runtime optimises it, which is saved
    beside the graph the first time: later starts load it without optimising again (a
    third of the session's start-up). Extended, not all, optimisations: the saved graph
    then holds no layout choices of this particular processor. Its weights are saved in
    a file of their own, which loading reads as it stands: parsing them out of the graph
    was most of the session's start-up (0.15 of 0.25 s)."""
    import onnxruntime as ort

    def options(level) -> "ort.SessionOptions":
        o = ort.SessionOptions()
        o.intra_op_num_threads = threads
        o.inter_op_num_threads = 1
        o.log_severity_level = 3
        o.graph_optimization_level = level
        # Workers spin between the graph's operators, which a short text runs in quick
        # succession (waking a sleeping worker for each cost 2-3 ms of an 8 ms query), and
        # stop spinning when the run ends, so that they take no core from the search that
        # follows. On 2 cores, quiet: a query 7.9 -> 5.8-7.3 ms, 33 evidence sentences
        # 0.28 -> 0.25 s; beside two busy processes the sentences take 0.55 -> 0.62 s.
        o.add_session_config_entry("session.intra_op.allow_spinning", "1")
        o.add_session_config_entry("session.force_spinning_stop", "1")
        return o

    levels = ort.GraphOptimizationLevel
    optimised = path.with_name(f"{path.stem}.optimised.onnx")
    if optimised.exists() and optimised.stat().st_size <= INLINE_WEIGHTS_BYTES:
        try:
            return ort.InferenceSession(str(optimised), options(levels.ORT_DISABLE_ALL),
                                        providers=["CPUExecutionProvider"])
        except Exception:  # damaged, or its weights lost: optimise the graph again below
            optimised.unlink(missing_ok=True)
    # (a larger saved graph holds its weights, as earlier versions saved it: replaced below)
    tag = f"{os.getpid()}.{threading.get_ident()}"
    tmp = optimised.with_name(f".{optimised.name}.{tag}.tmp")
    weights = optimised.with_name(f"{path.stem}.optimised.{tag}.data")  # named in the graph
    save = options(levels.ORT_ENABLE_EXTENDED)
    save.optimized_model_filepath = str(tmp)
    save.add_session_config_entry("session.optimized_model_external_initializers_file_name",
                                  weights.name)
    save.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    session = ort.InferenceSession(str(path), save, providers=["CPUExecutionProvider"])
    try:
        fsync_path(weights)  # whole on disk before a graph under the final name reads them
        publish(tmp, optimised)
    except OSError:  # a read-only cache: keep optimising at each start
        weights.unlink(missing_ok=True)
    else:
        _remove_stale_weights(optimised, keep=weights)
    finally:
        tmp.unlink(missing_ok=True)
    return session


def _remove_stale_weights(optimised: Path, keep: Path) -> None:
    """Weights files of graphs saved before this one (replaced, damaged, or the loser of
    two processes saving at once), once no writer can still be saving them."""
    import time

    for other in optimised.parent.glob(f"{optimised.name.removesuffix('.onnx')}.*.data"):
        try:
            if other != keep and time.time() - other.stat().st_mtime > STALE_EXPORT_S:
                other.unlink()
        except OSError:
            continue


def _batches(order: list[int], ids: list[list[int]]):
    """Runs of `order` (sorted by length) under the text and padded-token budgets, cut
    where they cost the least: padded tokens, plus RUN_COST_TOKENS for each run. A run
    pads its texts to its longest, so one run over short and long texts alike spends
    most of its time on padding (half of it for the sentences a question's evidence
    embeds); a text's vector does not depend on the run it is in."""
    widths = [len(ids[i]) for i in order]
    cost = [0] * (len(widths) + 1)  # cost[j]: the cheapest runs over order[:j]
    start = [0] * (len(widths) + 1)  # where the last of those runs starts
    for j in range(1, len(widths) + 1):
        width = widths[j - 1]  # the longest of any run ending here, since `order` is sorted
        cost[j] = cost[j - 1] + width + RUN_COST_TOKENS
        start[j] = j - 1
        for i in range(j - 2, max(j - BATCH_TEXTS, 0) - 1, -1):
            if (j - i) * width > BATCH_TOKENS:
                break
            c = cost[i] + (j - i) * width + RUN_COST_TOKENS
            if c < cost[j]:
                cost[j], start[j] = c, i
    runs = []
    j = len(widths)
    while j:
        runs.append(order[start[j]:j])
        j = start[j]
    yield from reversed(runs)
