"""Time in a question: "this week", "yesterday", "last year" read against a reference date."""
from __future__ import annotations

import re
from datetime import date, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]


def _weekday_before(as_of: date, weekday: int) -> date:
    return as_of - timedelta(days=(as_of.weekday() - weekday) % 7)


def time_window(question: str, as_of: date) -> tuple[date, date] | None:
    """The span of publication dates a question's time words point at, or None.

    News about an event appears on the day or soon after, so windows run a day or two past
    the event and never past `as_of`.
    """
    q = question.lower()
    day = timedelta(days=1)
    if re.search(r"\btoday\b|\bthis morning\b|\btonight\b", q):
        return as_of - day, as_of
    if re.search(r"\byesterday\b", q):
        return as_of - 2 * day, as_of
    if re.search(r"\b(?:this|past) (?:week|weekend)\b|\bthis past week\b|\bdays? ago\b", q):
        return as_of - 8 * day, as_of
    if re.search(r"\blast (?:week|weekend)\b", q):
        return as_of - 15 * day, as_of - 5 * day
    if m := re.search(r"\bon (" + "|".join(WEEKDAYS) + r")\b", q):
        d = _weekday_before(as_of, WEEKDAYS.index(m.group(1)))
        return d, min(d + 2 * day, as_of)
    if re.search(r"\b(?:this|past) month\b", q):
        return as_of - 32 * day, as_of
    if re.search(r"\blast month\b", q):
        return as_of - 62 * day, as_of - 25 * day
    if m := re.search(r"\b(?:in|this|last|earlier this|early|late) (" + "|".join(MONTHS) + r")\b", q):
        month = MONTHS.index(m.group(1)) + 1
        year = as_of.year if month <= as_of.month else as_of.year - 1
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1) + 2 * day
        return start, min(end, as_of)
    if re.search(r"\b(?:this|earlier this|past) year\b", q):
        return date(as_of.year, 1, 1), as_of
    if re.search(r"\blast year\b", q):
        return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)
    if m := re.search(r"\bin (19\d\d|20\d\d)\b", q):
        year = int(m.group(1))
        if year <= as_of.year:
            return date(year, 1, 1), min(date(year, 12, 31) + 7 * day, as_of)
    if re.search(r"\b(?:recent|recently|latest|just|new|newly|now)\b", q):
        return as_of - 31 * day, as_of
    return None


def days_outside(published: date, window: tuple[date, date]) -> int:
    start, end = window
    if published < start:
        return (start - published).days
    if published > end:
        return (published - end).days
    return 0
