"""The reader: the bundled model with the shipped adapter, reading a question and a
sentence together (embeddings.pair_scorer, assistant.reader), and how the evidence uses it."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from assistant import evidence
from assistant.reader import ADAPTER, load, read_pairs
from embeddings.pair_scorer import Adapter

QUESTION = "When does the smoking ban take effect?"
ANSWER = "The smoking ban takes effect on March 1, the health ministry said."
AROUND = "Lawmakers debated the smoking ban for six hours before the vote."


def test_the_adapter_ships_with_the_package_and_fits_the_bundled_model():
    adapter = Adapter(ADAPTER)
    layers = adapter.layers()
    assert len(layers) == 36  # six layers, six linear maps each
    for layer in layers:
        a, b = adapter.arrays[f"{layer}.A"], adapter.arrays[f"{layer}.B"]
        assert a.shape[0] == b.shape[1] and a.shape[1] in (384, 1536) and b.shape[0] in (384, 1536)
    assert adapter.arrays["head.weight"].shape == (1, 384) and adapter.scale > 0


def test_the_reader_prefers_the_sentence_that_answers():
    answer, around = read_pairs(QUESTION, [ANSWER, AROUND])
    assert answer > around


def test_a_score_does_not_depend_on_the_texts_read_with_it():
    """Padding to the longest text of a run changes nothing (the attention mask)."""
    long = AROUND + " " + "The debate went on and on. " * 20
    alone = read_pairs(QUESTION, [ANSWER])[0]
    together = read_pairs(QUESTION, [long, ANSWER, AROUND])
    assert together[1] == pytest.approx(alone, abs=1e-4)


@settings(max_examples=20, deadline=None)
@given(st.text(max_size=2000), st.lists(st.text(max_size=3000), max_size=4))
def test_any_text_gets_one_finite_score(question, texts):
    scores = read_pairs(question, texts)
    assert scores.shape == (len(texts),) and np.isfinite(scores).all()


def test_a_question_longer_than_the_reader_reads_is_cut():
    question = "plastic bag ban " * 600
    assert np.isfinite(read_pairs(question, ["Bags are banned.", ""])).all()


def test_the_reader_is_loaded_once():
    assert load() is load()


def test_the_evidence_orders_by_the_reader_but_found_reads_the_other_features(shared_index):
    """The reader moves the sentences it reads by READER_WEIGHT times its score less the
    best one's; how strong the evidence is (found or not) is read without it."""
    from assistant import Assistant

    question = "What did Lavrov say about talks?"
    hits = shared_index.search(__import__("embeddings").Query(question, k=8))
    with_reader = Assistant(shared_index).answer_from(question, hits)
    without = Assistant(shared_index, reader=False).answer_from(question, hits)
    assert with_reader.found == without.found and with_reader.strength == without.strength
    read = [q.scores for q in with_reader.quotes if "reader" in q.scores]
    assert read and max(s["reader"] for s in read) <= 0.0
    for s in read:
        assert s["total"] == pytest.approx(s["base"] + evidence.READER_WEIGHT * s["reader"])
    assert not any("reader" in q.scores for q in without.quotes)
    # the reader reads the quotation as the better answer: the same quotes, reordered
    assert [q.start for q in with_reader.quotes] == sorted(q.start for q in without.quotes)[::-1]


def test_reading_needs_no_torch_once_exported():
    """The export (first use) needs torch; a later process reads under ONNX Runtime alone."""
    load()  # exported by now
    code = ("import sys; from assistant.reader import read_pairs; "
            "read_pairs('q', ['a sentence']); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_prepare_exports_once_into_a_folder_named_by_the_adapter():
    from assistant.reader import prepare

    path = prepare()
    assert path.is_file() and Adapter(ADAPTER).digest in path.parent.name
    written = path.stat().st_mtime_ns
    assert prepare() == path and path.stat().st_mtime_ns == written  # not exported again


def test_the_int8_reader_reads_like_the_fp32_one():
    from embeddings.pair_scorer import pair_scorer

    fp32 = pair_scorer(str(ADAPTER), "fp32").score(QUESTION, [ANSWER, AROUND])
    int8 = pair_scorer(str(ADAPTER), "int8").score(QUESTION, [ANSWER, AROUND])
    assert int8[0] > int8[1] and np.allclose(fp32, int8, atol=1.0)


@pytest.mark.slow
def test_an_int8_reader_exports_into_an_empty_cache(tmp_path):
    """The int8 export quantises the fp32 one, which it exports first (under the same lock)."""
    from embeddings import onnx_export
    from embeddings.pair_scorer import PairScorer

    before = onnx_export.configured_cache()
    onnx_export.configure_cache(tmp_path)
    try:
        scorer = PairScorer(ADAPTER, "int8")
        assert scorer.path.name == "model-int8.onnx" and scorer.path.parent.parent == tmp_path / "onnx"
        assert (scorer.path.parent / "model-fp32.onnx").is_file()
        answer, around = scorer.score(QUESTION, [ANSWER, AROUND])
        assert answer > around
    finally:
        onnx_export.configure_cache(before)
