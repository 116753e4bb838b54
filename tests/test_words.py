"""How the question's words are found in a text: the stemmer, British spellings."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz'éü", min_size=1, max_size=14),
                      max_size=20))
def test_the_stemmer_in_use_stems_as_the_reference_snowball_english(words):
    """The evidence stemmer (PyStemmer's C code where installed) gives the stems of
    snowballstemmer's own Python English stemmer, which the evidence weights were fitted with."""
    from snowballstemmer.english_stemmer import EnglishStemmer

    from assistant.words import stemmer

    reference = EnglishStemmer()
    assert [stemmer().stemWord(w) for w in words] == [reference.stemWord(w) for w in words]


def test_a_british_spelling_is_the_american_word():
    """"apologised" in the question, "apologized" in the article: one word; "rise" and
    "raise" stay two."""
    from assistant.words import words_of as _words

    assert _words("The zoo apologised.") == _words("The zoo apologized.")
    assert _words("organisations analysed") == _words("organizations analyzed")
    assert _words("rise") != _words("raise")
