"""The verifier on hand-written answers."""
from __future__ import annotations

from assistant.generation.verify import MARK, locate, verify

BODIES = {
    1: 'TASS quoted Lavrov as saying: "The issue should be addressed to Washington. Both our '
       'president and his representatives have said that we are ready for the talks."',
    2: 'Putin wished “well-being and prosperity to the British people,” the Kremlin said.',
}


def test_exact_quote_is_verified_with_offsets():
    v = verify('Lavrov said "The issue should be addressed to Washington." [1]', BODIES)
    (q,) = v.quotes
    assert q.status == "verified" and q.source == 1
    assert BODIES[1][q.start:q.end] == q.exact == "The issue should be addressed to Washington."
    assert v.all_verified and v.text.endswith("[1]")


def test_curly_versus_straight_quotes_and_spacing():
    v = verify('Putin wished “well-being and   prosperity to the British people” [2].', BODIES)
    assert v.quotes[0].status == "verified"
    assert v.quotes[0].exact == "well-being and prosperity to the British people"
    v = verify("He said \u201cwe are ready for the talks\u201d [1].", BODIES)
    assert v.quotes[0].status == "verified"


def test_quote_from_the_wrong_source_is_corrected():
    v = verify('Putin wished "well-being and prosperity to the British people" [1].', BODIES)
    q = v.quotes[0]
    assert q.status == "corrected" and q.cited == [1] and q.source == 2
    assert v.text.endswith("[2].") and "[1]" not in v.text


def test_invented_quote_is_marked_unverified():
    v = verify('Lavrov said "Russia will leave the talks forever" [1].', BODIES)
    assert v.quotes[0].status == "not_found" and v.quotes[0].start is None
    assert MARK.strip() in v.text and not v.all_verified


def test_citation_of_a_missing_source_is_removed():
    v = verify("The talks are stalled [7], officials said [2].", BODIES)
    assert v.removed_citations == [7]
    assert "[7]" not in v.text and "[2]" in v.text and "stalled," in v.text


def test_uncited_quote_is_found_and_cited():
    v = verify('The Kremlin said Putin wished "well-being and prosperity".', BODIES)
    assert v.quotes[0].status == "corrected" and v.quotes[0].source == 2
    assert "[2]" in v.text


def test_locate_keeps_exact_body_slice():
    body = "He said  \u201cyes,\n  indeed\u201d loudly."
    start, end = locate('"yes, indeed"', body)
    assert body[start:end] == "\u201cyes,\n  indeed\u201d"


def test_a_quote_must_match_whole_words():
    v = verify('He said "ill" [1] and "ready for the talk" [1].', {1: "We will be ready for the talks."})
    assert [q.status for q in v.quotes] == ["not_found", "not_found"]
