"""Shared fixtures: a small corpus the tests write, and one real index built from it."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "000_75467a53cab7589a.txt"

CORPUS_RECORDS = [
    {"url": "https://news.example/ban", "title": "Plastic bag ban takes effect in March",
     "text": "The city council voted on Tuesday to ban single-use plastic bags.\n\n"
             "The ban takes effect on March 1, 2023, the mayor's office said. Shops that keep "
             "handing out bags will be fined $500.\n\nEnvironmental groups welcomed the decision.",
     "publish_date": "2022-11-02T10:00:00Z", "authors": ["Ana Ruiz"], "source": "City Times"},
    {"url": "https://news.example/storm", "title": "Storm closes schools across the county",
     "text": "Heavy snow closed all schools in the county on Monday.\n\n"
             "\"We expect the roads to reopen by Wednesday,\" said transport chief Maria Keller.\n\n"
             "Forecasters warned of more snow later in the week.",
     "publish_date": "2022-12-12", "authors": "Tom Hale", "source": "County Herald"},
    {"url": "https://news.example/chess", "title": "Local teenager wins national chess title",
     "text": "Sixteen-year-old Priya Nair won the national chess championship on Sunday.\n\n"
             "She beat the defending champion in the final round after a five-hour game.\n\n"
             "\"I still can't believe it,\" Nair told reporters.",
     "publish_date": "2021-06-20", "source": "City Times"},
]


def write_corpus(folder: Path) -> Path:
    """The seed article plus a JSON Lines file of three records."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / SEED.name)
    with open(folder / "records.jsonl", "w", encoding="utf-8") as f:
        for record in CORPUS_RECORDS:
            f.write(json.dumps(record) + "\n")
    return folder


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path_factory):
    """No developer's `NEWSDESK_*` reaches a test, user data (the default index, saved
    conversations) goes to a temporary folder, and the engine's settings are the defaults
    again after each test. (The user cache, where the exported ONNX graphs are, is shared.)"""
    from embeddings.encoder import configure

    for name in [n for n in os.environ if n.startswith("NEWSDESK_") or n == "OPENAI_API_KEY"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))
    yield
    configure()


@pytest.fixture
def flat_cache(monkeypatch):
    """The vector cache as a FAISS file at any size (`ann.EXACT_MAX` 0), for the tests of
    that file: their indexes are small, which would otherwise read SQLite alone."""
    from embeddings import ann

    monkeypatch.setattr(ann, "EXACT_MAX", 0)


@pytest.fixture
def encode_calls(monkeypatch):
    """Every list of texts given to any Encoder.encode from now on."""
    from embeddings.encoder import Encoder

    calls: list[list[str]] = []
    real = Encoder.encode

    def counting(self, texts):
        calls.append(list(texts))
        return real(self, texts)

    monkeypatch.setattr(Encoder, "encode", counting)
    return calls


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def built_index_dir(tmp_path_factory, corpus_dir) -> Path:
    """A real index (real model, SQLite, FAISS) of the test corpus, built once."""
    from embeddings import Index

    path = tmp_path_factory.mktemp("index")
    with Index.open(path) as index:
        report = index.add([corpus_dir])
    assert report.added == 4 and not report.skipped
    # the reader's one export (torch) happens here, as the encoder's does in building the
    # index: the tests that answer in a fresh interpreter check that answering needs no torch
    from assistant.reader import prepare

    prepare()
    return path


@pytest.fixture(scope="session")
def shared_index(built_index_dir):
    """The built index, opened once for read-only tests."""
    from embeddings import Index

    index = Index.open(built_index_dir)
    yield index
    index.close()


@pytest.fixture(scope="session")
def encoder(shared_index):
    return shared_index.encoder
