"""Re-scoring: the share of a question's names each candidate holds, whole words only."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from embeddings.ranking import Candidate, QuestionFeatures, exact_shares


def _one_by_one(cands: list[Candidate], names: tuple[str, ...]) -> list[float]:
    """The definition: each name as a whole word in the candidate's lower-cased title and
    text, searched in each candidate on its own."""
    out = []
    for c in cands:
        hay = (c.title + "\n" + c.text).lower()
        found = sum(1 for n in names if re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", hay))
        out.append(found / len(names) if names else 0.0)
    return out


def _candidates(texts: list[tuple[str, str]]) -> list[Candidate]:
    return [Candidate(i, f"a{i}", None, title, text) for i, (title, text) in enumerate(texts)]


def test_whole_words_in_title_or_text_count_once_each():
    cands = _candidates([("Putin meets Xi", "Talks went on."),
                         ("Sport", "Putinism and xi_jinping are not the names."),
                         ("", "XI and putin, twice: putin."),
                         ("İstanbul putin", "")])  # "İ" lower-cases to two characters
    q = QuestionFeatures(("putin", "xi"), None, None)
    assert exact_shares(cands, q) == [1.0, 0.0, 1.0, 0.5]
    assert exact_shares(cands, q) == _one_by_one(cands, q.exact)
    assert exact_shares(cands, QuestionFeatures((), None, None)) == [0.0] * 4
    assert exact_shares([], q) == []


_PIECES = st.sampled_from(["putin", "Putin", "xi", "2019", "u.s.", "new york", "_", "İ", "é",
                           " ", "\n", ",", "-", "a", "9", "ß", "ǅ"])


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.tuples(st.lists(_PIECES, max_size=6).map("".join),
                                st.lists(_PIECES, max_size=12).map("".join)), max_size=6),
       names=st.lists(st.sampled_from(["putin", "xi", "2019", "u.s.", "new york", "york", "ß",
                                       "i̇stanbul", "a9"]), min_size=1, max_size=4))
def test_the_joined_search_equals_one_search_per_candidate(texts, names):
    cands = _candidates(texts)
    q = QuestionFeatures(tuple(names), None, None)
    assert exact_shares(cands, q) == _one_by_one(cands, q.exact)
