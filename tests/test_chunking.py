"""Chunks and sentences always point at the exact text of the body."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from embeddings import Article, ChunkerSettings, chunk_article
from embeddings.sentences import sentence_spans
from embeddings.tokens import count_tokens

_words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=12)
_sentence = st.builds(lambda ws, end: " ".join(ws) + end, st.lists(_words, max_size=30),
                      st.sampled_from([".", "!", "?", '."', "", "…", ".”"]))
_body = st.builds(lambda paras: "\n\n".join(" ".join(p) for p in paras),
                  st.lists(st.lists(_sentence, max_size=8), min_size=1, max_size=6))


@settings(max_examples=150, deadline=None)
@given(body=st.one_of(_body, st.text(max_size=3000)))
def test_every_chunk_is_an_exact_slice_within_budget(body):
    if not body.strip():
        return
    article = Article(title="t", body=body)
    budget = ChunkerSettings(max_tokens=40)
    chunks = chunk_article(article, budget)
    for chunk in chunks:
        assert body[chunk.start:chunk.end] == chunk.text
        assert chunk.tokens == count_tokens(chunk.text) <= 40
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))


@settings(max_examples=150, deadline=None)
@given(body=st.one_of(_body, st.text(max_size=2000)))
def test_sentences_are_trimmed_ordered_slices(body):
    spans = sentence_spans(body)
    for s, e in spans:
        assert 0 <= s < e <= len(body)
        assert body[s:e] == body[s:e].strip()
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_no_text_is_lost_between_chunks():
    body = " ".join(f"Sentence number {i} talks about topic {i % 7}." for i in range(300))
    chunks = chunk_article(Article(title="t", body=body))
    covered = "".join(body[c.start:c.end] for c in chunks).replace(" ", "")
    assert covered == body.replace(" ", "")
    assert len(chunks) > 5 and max(c.tokens for c in chunks) <= 200


def test_quotation_spanning_sentences_stays_whole():
    body = ('"The issue should be addressed to Washington. Both our president and his '
            'representatives have said that we are ready," TASS quoted Lavrov as saying. Next one.')
    spans = sentence_spans(body)
    assert body[spans[0][0]:spans[0][1]].endswith("quoted Lavrov as saying.")
    assert body[spans[1][0]:spans[1][1]] == "Next one."


def test_a_title_or_versus_the_splitter_cuts_after_stays_with_the_words_after_it():
    body = ("Critics have hedged. Sen. Josh Hawley, who wrote a bill, said he would be fine."
            "\n\nLt. Jason Borneo agreed. Roe v. Wade overturned. Yes. Sen.")
    assert [body[s:e] for s, e in sentence_spans(body)] == [
        "Critics have hedged.", "Sen. Josh Hawley, who wrote a bill, said he would be fine.",
        "Lt. Jason Borneo agreed.", "Roe v. Wade overturned.", "Yes.", "Sen."]


def test_a_title_cut_off_by_the_fallback_splitter_stays_with_the_name_after_it():
    from embeddings.sentences import _FALLBACK, _join_abbreviations

    paragraph = "It was over. Sen. Ann Roe said so."
    spans = [(m.start(), m.end()) for m in _FALLBACK.finditer(paragraph)]
    assert [paragraph[s:e] for s, e in _join_abbreviations(paragraph, spans)] == [
        "It was over.", "Sen. Ann Roe said so."]


def test_sentences_never_cross_paragraphs():
    body = "First paragraph without a full stop\n\nSecond paragraph. Two sentences."
    texts = [body[s:e] for s, e in sentence_spans(body)]
    assert texts == ["First paragraph without a full stop", "Second paragraph.", "Two sentences."]


def test_one_enormous_word_is_still_cut_within_budget():
    body = "x" * 5000 + " end."
    chunks = chunk_article(Article(title="t", body=body), ChunkerSettings(max_tokens=50))
    assert all(c.tokens <= 50 and body[c.start:c.end] == c.text for c in chunks)
    assert chunks[-1].text.endswith("end.")


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_sentence, st.builds(" ".join, st.lists(_sentence, max_size=6)),
                      st.text(max_size=400)))
def test_sentence_offsets_are_those_of_the_blingfire_wrapper(text):
    """Our mapping of blingfire's byte offsets to characters gives what its (slow) Python
    wrapper gives, including where the wrapper gives up."""
    import blingfire

    from embeddings.sentences import _blingfire_offsets

    try:
        expected = blingfire.text_to_sentences_and_offsets(text)[1]
    except Exception:  # its consistency check: the caller falls back to a regex
        expected = None
    assert _blingfire_offsets(text) == expected


@settings(max_examples=200, deadline=None)
@given(body=st.one_of(_body, st.text(alphabet=" \n.ab“”", max_size=200)), data=st.data())
def test_sentences_around_a_passage_are_those_of_the_whole_text(body, data):
    """Splitting only the paragraphs around a passage gives the whole text's sentences
    there, and the one before them (a quote's lead-in)."""
    from embeddings.sentences import Sentences

    start = data.draw(st.integers(0, len(body)))
    end = data.draw(st.integers(start, len(body)))
    every = sentence_spans(body)
    spans, before = Sentences(body).around(start, end)
    a = every.index(spans[0]) if spans else 0
    assert spans == every[a:a + len(spans)]
    assert {sp for sp in every if start <= sp[0] and sp[1] <= end} <= set(spans)
    if spans:
        assert before == (every[a - 1] if a else None)


def test_the_splitter_loads_blingfires_own_library_without_its_package():
    """Splitting sentences runs blingfire's library, found in its package folder, without
    running the package's slow `__init__` (a cold `ask` pays for it)."""
    import os
    import subprocess
    import sys

    import blingfire

    code = ("import sys\nfrom embeddings.sentences import _blingfire, sentence_spans\n"
            "assert sentence_spans('One. Two.') == [(0, 4), (5, 9)]\n"
            "assert 'blingfire' not in sys.modules\nprint(_blingfire()._name)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert run.returncode == 0, run.stderr
    assert os.path.samefile(run.stdout.strip(), blingfire.blingfire._name)
