"""Time words in questions, read against the reference date."""
from __future__ import annotations

from datetime import date

import pytest

from embeddings.timeframe import days_outside, time_window

AS_OF = date(2022, 1, 7)  # a Friday


@pytest.mark.parametrize("question, window", [
    ("Who resigned this week?", (date(2021, 12, 30), AS_OF)),
    ("What happened yesterday?", (date(2022, 1, 5), AS_OF)),
    ("What did the court rule last week?", (date(2021, 12, 23), date(2022, 1, 2))),
    ("What did he say on Monday?", (date(2022, 1, 3), date(2022, 1, 5))),
    ("Who won the election last year?", (date(2021, 1, 1), date(2021, 12, 31))),
    ("What record was set this year?", (date(2022, 1, 1), AS_OF)),
    ("Which company recently unveiled a car?", (date(2021, 12, 7), AS_OF)),
    ("What happened in 2019?", (date(2019, 1, 1), date(2020, 1, 7))),
])
def test_windows(question, window):
    assert time_window(question, AS_OF) == window


def test_no_time_words():
    assert time_window("What did Lavrov say?", AS_OF) is None
    assert time_window("What happens in 2030?", AS_OF) is None


def test_days_outside():
    w = (date(2022, 1, 1), date(2022, 1, 7))
    assert days_outside(date(2022, 1, 3), w) == 0
    assert days_outside(date(2021, 12, 29), w) == 3
    assert days_outside(date(2022, 1, 9), w) == 2
