"""The ONNX encoder: the same vectors as sentence-transformers, no torch on the query path."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings import Index, Query
from embeddings.encoder import Encoder, backend_setting, configure
from embeddings.index import embed_text
from embeddings.onnx_encoder import BATCH_TEXTS, BATCH_TOKENS, RUN_COST_TOKENS, _batches
from embeddings.onnx_export import BundledModel, ensure_onnx, onnx_path

from conftest import CORPUS_RECORDS, ROOT, SEED

NEWS5K = ROOT.parent / "shared" / "data" / "news-5k" / "articles.jsonl.gz"


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _texts_of_the_test_corpus() -> list[str]:
    texts = [SEED.read_text(encoding="utf-8")[:3000], "", "x", "What did Lavrov say?",
             "émigré naïve café — “quotes” 2023 ¥500 \u202e reversed", "word " * 600]
    for record in CORPUS_RECORDS:
        texts += [record["title"], f"{record['title']}\n{record['text']}"]
    return texts


@pytest.fixture(scope="module")
def torch_encoder():
    return Encoder(backend="torch")


def test_onnx_vectors_equal_sentence_transformers(torch_encoder):
    texts = _texts_of_the_test_corpus()
    onnx = Encoder(backend="onnx").encode(texts)
    reference = torch_encoder.encode(texts)
    assert onnx.shape == reference.shape == (len(texts), 384)
    assert onnx.dtype == np.float32
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-4)
    assert _cosines(onnx, reference).min() >= 0.999
    # batching and order do not change a text's vector
    alone = Encoder(backend="onnx").encode(texts[3:4])
    assert _cosines(alone, onnx[3:4]).min() >= 0.9999


@pytest.mark.slow
@pytest.mark.skipif(not NEWS5K.exists(), reason="news-5k is not beside the repository")
def test_onnx_equals_sentence_transformers_on_1000_news5k_passages(torch_encoder):
    from embeddings.chunking import ChunkerSettings, chunk_article
    from embeddings.readers import read_paths

    texts: list[str] = []
    for article in read_paths([NEWS5K]):
        if hasattr(article, "body"):
            texts += [embed_text(article, c.text) for c in chunk_article(article, ChunkerSettings())]
        if len(texts) >= 1000:
            break
    texts = texts[:1000]
    cosines = _cosines(Encoder(backend="onnx").encode(texts), torch_encoder.encode(texts))
    assert len(cosines) == 1000 and cosines.min() >= 0.999


def test_int8_is_close_to_fp32():
    texts = _texts_of_the_test_corpus()
    fp32 = Encoder(backend="onnx").encode(texts)
    int8 = Encoder(backend="onnx-int8").encode(texts)
    assert _cosines(fp32, int8).mean() >= 0.98


def test_an_index_built_by_either_backend_opens_with_the_other(tmp_path, corpus_dir, monkeypatch):
    question = "When does the plastic bag ban take effect?"
    for built_by, opened_by in (("torch", "onnx"), ("onnx", "torch")):
        configure(backend=built_by)  # as Settings hands NEWSDESK_ENCODER to the engine
        with Index.open(tmp_path / built_by) as index:
            index.add([corpus_dir])
            assert index.encoder.backend == built_by
            before = [h.chunk_id for h in index.search(Query(question, k=3))]
        configure(backend=opened_by)
        with Index.open(tmp_path / built_by) as index:
            assert index.encoder.backend == opened_by
            assert index.stats()["model"] == "all-MiniLM-L6-v2"
            assert [h.chunk_id for h in index.search(Query(question, k=3))] == before


def test_other_models_keep_sentence_transformers():
    assert Encoder("some/other-model", backend="onnx").backend == "torch"
    assert Encoder(backend="onnx-int8").backend == "onnx-int8"


def test_a_bad_backend_setting_is_a_clear_error(monkeypatch):
    from assistant.settings import Settings

    monkeypatch.setenv("NEWSDESK_ENCODER", "tensorflow")
    with pytest.raises(ValueError, match="NEWSDESK_ENCODER='tensorflow'"):
        Settings.load()
    with pytest.raises(ValueError, match="'tensorflow'"):
        configure(backend="tensorflow")
    assert backend_setting() == "onnx"


_NO_TORCH = """
import sys
from assistant.cli.{module} import main
code = main({argv!r})
assert "torch" not in sys.modules, "torch was imported"
assert "sentence_transformers" not in sys.modules
print("exit", code)
"""


@pytest.mark.parametrize("module, argv", [
    ("ask", ["What did Lavrov say?"]),
    ("ask", ["What did Lavrov say?", "--json"]),
    ("newsdesk", ["search", "Lavrov talks with Washington"]),
])
def test_one_shot_commands_never_import_torch(built_index_dir, module, argv):
    env = {**os.environ, "NEWSDESK_INDEX": str(built_index_dir)}
    env.pop("NEWSDESK_ENCODER", None)
    run = subprocess.run([sys.executable, "-c", _NO_TORCH.format(module=module, argv=argv)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.rstrip().endswith("exit 0")


_CHAT_NO_TORCH = """
import asyncio, sys
from assistant.tui.app import NewsdeskApp, QuestionInput

async def main():
    app = NewsdeskApp()
    async with app.run_test(size=(100, 40)) as pilot:
        for _ in range(300):
            await pilot.pause(0.1)
            if app.index is not None:
                break
        app.query_one(QuestionInput).value = "What did Lavrov say?"
        await pilot.press("enter")
        for _ in range(300):
            await pilot.pause(0.1)
            if app.query("AnswerView"):
                break
        assert app.query("AnswerView"), "no answer shown"
asyncio.run(main())
assert "torch" not in sys.modules, "torch was imported"
print("ok")
"""


def test_the_chat_never_imports_torch(built_index_dir, tmp_path):
    env = {**os.environ, "NEWSDESK_INDEX": str(built_index_dir),
           "NEWSDESK_HISTORY": str(tmp_path / "history.sqlite")}
    env.pop("NEWSDESK_ENCODER", None)
    run = subprocess.run([sys.executable, "-c", _CHAT_NO_TORCH], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=300)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert run.stdout.rstrip().endswith("ok")


@pytest.mark.slow
def test_export_is_atomic_into_the_cache_and_happens_once(tmp_path, monkeypatch):
    configure(cache=tmp_path / "cache")  # as Settings hands NEWSDESK_CACHE to the engine
    model = BundledModel.locate()
    target = onnx_path(model, "fp32")
    assert not target.exists()
    earlier = target.parent.with_name("minilm-l6-v2-1-2-f1")  # an earlier install's export
    earlier.mkdir(parents=True)
    (earlier / "model-fp32.onnx").write_bytes(b"old")
    for path in (earlier / "model-fp32.onnx", earlier):
        os.utime(path, (0, 0))
    assert ensure_onnx(model, "fp32") == target and target.exists()
    assert not earlier.exists()
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left
    mtime = target.stat().st_mtime_ns
    int8 = ensure_onnx(model, "int8")
    assert int8.exists() and target.stat().st_mtime_ns == mtime  # not exported again
    assert sorted(p.name for p in target.parent.iterdir()) == ["model-fp32.onnx",
                                                               "model-int8.onnx"]
    assert Path(str(tmp_path / "cache")) in target.parents


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 300), max_size=200))
def test_batches_cover_every_text_once_within_the_budgets(lengths):
    ids = [[0] * n for n in lengths]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    runs = list(_batches(order, ids))
    assert [i for run in runs for i in run] == order  # in order, each once
    for run in runs:
        assert run and len(run) <= BATCH_TEXTS
        assert len(run) == 1 or len(run) * max(lengths[i] for i in run) <= BATCH_TOKENS
    # never dearer than one run over everything (where the budgets allow one)
    cost = sum(len(r) * max(lengths[i] for i in r) + RUN_COST_TOKENS for r in runs)
    if lengths and len(lengths) <= BATCH_TEXTS and len(lengths) * max(lengths) <= BATCH_TOKENS:
        assert cost <= len(lengths) * max(lengths) + RUN_COST_TOKENS


def test_short_and_long_texts_run_apart_and_keep_their_vectors():
    short = [f"Sentence {i}." for i in range(6)]
    long = [("The minister said the ban would take effect next year. " * 4) + str(i)
            for i in range(6)]
    encoder = Encoder(backend="onnx")
    model = encoder.model
    ids = [e.ids for e in model.tokenizer.encode_batch(short + long)]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    assert sorted(map(sorted, _batches(order, ids))) == [list(range(6)), list(range(6, 12))]
    together = encoder.encode(short + long)
    alone = np.concatenate([encoder.encode([t]) for t in short + long])
    assert np.allclose(together, alone, atol=1e-6)


@pytest.fixture
def counted_onnx_loads(monkeypatch):
    """The threads that construct an ONNX encoder, with the process's loaded models
    forgotten before and after."""
    import embeddings.onnx_encoder as onnx_encoder
    from embeddings import encoder as encoder_module

    threads: list[str] = []

    class Counted(onnx_encoder.OnnxEncoder):
        def __init__(self, *args, **kwargs):
            threads.append(threading.current_thread().name)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(onnx_encoder, "OnnxEncoder", Counted)
    encoder_module._load_cached.cache_clear()
    yield threads
    encoder_module._load_cached.cache_clear()


def test_a_preloaded_model_loads_once_and_gives_the_same_vectors(counted_onnx_loads):
    texts = ["What did Lavrov say?", "The ban takes effect on March 1, 2023."]
    preloading = Encoder(backend="onnx").preload()
    assert preloading.preload() is preloading  # a second call starts nothing more
    others = [Encoder(backend="onnx") for _ in range(3)]
    vectors = [e.encode(texts) for e in others]  # each waits for the load under way
    preloading._preloading.join()
    assert len(counted_onnx_loads) == 1
    assert all(e.model is preloading.model for e in others)
    reference = Encoder(backend="onnx").encode(texts)
    assert all(np.array_equal(v, reference) for v in vectors)


def test_a_failed_preload_raises_on_first_use(counted_onnx_loads, monkeypatch):
    import embeddings.onnx_encoder as onnx_encoder

    def broken(*args, **kwargs):
        raise RuntimeError("no graph")

    monkeypatch.setattr(onnx_encoder, "OnnxEncoder", broken)
    encoder = Encoder(backend="onnx").preload()
    encoder._preloading.join()
    with pytest.raises(RuntimeError, match="no graph"):
        encoder.encode(["x"])


def test_a_new_export_removes_the_stale_exports_of_earlier_installs(tmp_path):
    from embeddings.onnx_export import STALE_EXPORT_S, _remove_stale_exports, mark_used

    onnx = tmp_path / "onnx"
    now = time.time()
    long_ago = now - STALE_EXPORT_S - 1

    def folder(name: str, *files: str, when: float = long_ago) -> Path:
        path = onnx / name
        path.mkdir(parents=True)
        for f in files:
            (path / f).write_bytes(b"x")
            os.utime(path / f, (when, when))
        os.utime(path, (when, when))
        return path

    current = folder("minilm-l6-v2-90868376-2000-f1", "model-fp32.onnx", when=now)
    stale = [folder("minilm-l6-v2-90868376-1000-f1", "model-fp32.onnx", "model-int8.onnx",
                    "model-fp32.optimised.onnx", "model-fp32.optimised.56.78.data",
                    ".model-int8.onnx.12.34.tmp"),
             folder("minilm-l6-v2-0.1.0-90868376-f1", "model-fp32.onnx"),
             folder("minilm-l6-v2-90868376-1100-f1")]
    kept = [folder("minilm-l6-v2-90868376-1500-f1", "model-fp32.onnx",
                   when=now - 60),  # recent: another install may be using it
            folder("minilm-l6-v2-90868376-1200-f1", "model-fp32.onnx", "notes.txt"),
            folder("other-model-1-f1", "model-fp32.onnx")]
    (onnx / "minilm-l6-v2-a-file").write_bytes(b"not a folder")
    in_use = folder("minilm-l6-v2-90868376-1300-f1", "model-fp32.onnx")
    mark_used(in_use)  # loaded by another install now: not stale
    kept.append(in_use)

    assert _remove_stale_exports(current, now=now + 1) == sorted(stale)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in [current, *kept, onnx / "minilm-l6-v2-a-file"])
    assert (current / "model-fp32.onnx").exists()


def test_the_optimised_graph_keeps_its_weights_apart_and_gives_the_same_vectors(tmp_path):
    """The session's graph is saved optimised, its weights in a file beside it (loading
    them as they stand is most of a cold start's saving); a graph saved with its weights
    inside (by earlier versions), or whose weights were lost, is saved again."""
    from embeddings.onnx_encoder import INLINE_WEIGHTS_BYTES, _session

    source = ensure_onnx(BundledModel.locate(), "fp32")
    graph = tmp_path / "model-fp32.onnx"
    graph.symlink_to(source)
    optimised = tmp_path / "model-fp32.optimised.onnx"
    ids = np.array([[101, 2054, 2106, 2474, 2360, 1029, 102]], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids),
             "token_type_ids": np.zeros_like(ids)}

    def weights() -> list[Path]:
        return sorted(tmp_path.glob("model-fp32.optimised.*.data"))

    reference = _session(graph, 1).run(None, feeds)[0]  # optimised now, and saved
    assert optimised.stat().st_size <= INLINE_WEIGHTS_BYTES and len(weights()) == 1
    assert not list(tmp_path.glob(".*.tmp"))
    assert np.array_equal(_session(graph, 1).run(None, feeds)[0], reference)  # loaded
    for damage in ("weights inside", "weights lost"):
        if damage == "weights inside":
            optimised.unlink()
            optimised.write_bytes(source.read_bytes())  # large: an earlier version's
        else:
            for w in weights():
                w.unlink()
        assert np.array_equal(_session(graph, 1).run(None, feeds)[0], reference)
        assert optimised.stat().st_size <= INLINE_WEIGHTS_BYTES and weights()
        assert np.array_equal(_session(graph, 1).run(None, feeds)[0], reference)
