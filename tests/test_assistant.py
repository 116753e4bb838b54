"""Extractive answers: the right sentences, verbatim, attributed, and 'not found' when so."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from assistant import Assistant, EmptyQuestionError
from embeddings import Article, Index


@pytest.fixture(scope="module")
def assistant(shared_index):
    return Assistant(shared_index)


def _bodies(index) -> dict[str, str]:
    return {a.id: a.body for a in index.articles()}


def test_escape_sequences_in_a_question_read_as_spaces(assistant):
    """A question pasted from a terminal, colours and a window title in it, is answered as
    its words are: the same quotes as the plain question."""
    plain = assistant.ask("What did Lavrov say?")
    escaped = assistant.ask("What did \x1b[31mLavrov\x1b[0m say?\x1b]0;title\x07\r")
    assert escaped.found and [q.text for q in escaped.quotes] == [q.text for q in plain.quotes]
    assert not any(c in escaped.question for c in "\x1b\x07\r")


def test_lavrov_both_statements_and_no_putin(assistant, shared_index):
    answer = assistant.ask("What did Lavrov say?")
    assert answer.found
    quoted = " ".join(q.text for q in answer.quotes)
    assert "now it was up to the United States whether to hold a new meeting" in quoted
    assert "The issue should be addressed to Washington." in quoted
    for q in answer.quotes:
        assert "Lavrov" in q.text
        assert not q.text.startswith(("President Vladimir Putin", "Putin"))
    source = answer.source(answer.quotes[0].source)
    assert source.url.startswith("https://www.themoscowtimes.com/2018/12/30/")
    assert source.published == date(2018, 12, 30) and source.outlet == "Reuters"


def test_attribution_to_a_named_speaker(assistant):
    answer = assistant.ask("What did Maria Keller say?")
    assert answer.found
    assert "We expect the roads to reopen by Wednesday" in answer.quotes[0].text
    assert answer.quotes[0].scores["speaker"] == 1.0


def test_when_question_quotes_the_date(assistant):
    answer = assistant.ask("When does the plastic bag ban take effect?", as_of=date(2022, 11, 5))
    assert answer.found and "March 1, 2023" in answer.quotes[0].text
    assert {"similarity", "coverage", "total"} <= set(answer.quotes[0].scores)


def test_not_found_says_so_with_see_also(assistant):
    answer = assistant.ask("What did the Icelandic fisheries minister say about cod quotas?")
    assert not answer.found and not answer.quotes and not answer.sources
    assert answer.text == "The indexed articles don't answer this."
    assert answer.see_also


def test_empty_question_is_an_error(assistant):
    with pytest.raises(EmptyQuestionError):
        assistant.ask("  ?! ")


def test_wire_copies_are_quoted_once_with_all_sources(tmp_path, encoder):
    sentence = ("The central bank raised its main interest rate to 4.5 percent on Thursday, "
                "its highest level in fifteen years.")
    articles = [Article(title=f"Bank raises rates ({o})", url=f"https://{o}.example/rates",
                        outlet=o, body=f"{sentence}\n\nOther {o} text about markets follows here.")
                for o in ("wire-a", "wire-b")]
    with Index.open(tmp_path / "ix") as index:
        index.add(articles)
        answer = Assistant(index).ask("What interest rate did the central bank set?")
    assert answer.found
    first = answer.quotes[0]
    assert first.text == sentence and len(first.also_in) == 1
    assert {s.outlet for s in answer.sources} == {"wire-a", "wire-b"}
    assert sum(1 for q in answer.quotes if q.text == sentence) == 1


def test_sentence_leaning_on_its_lead_in_is_quoted_with_it(tmp_path, encoder):
    body = ("Finance minister Olga Brandt presented the budget on Monday. "
            "She said the deficit would fall to 2 percent next year.\n\nOther news followed.")
    with Index.open(tmp_path / "ix") as index:
        index.add([Article(title="Budget day", url="https://b.example/1", body=body)])
        answer = Assistant(index).ask("What did Olga Brandt say about the deficit?")
    quote = answer.quotes[0]
    assert quote.text.startswith("Finance minister Olga Brandt presented")
    assert quote.text.endswith("fall to 2 percent next year.")
    assert body[quote.start:quote.end] == quote.text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=st.one_of(
    st.text(min_size=1, max_size=200),
    st.sampled_from(["What did Lavrov say?", "When does the ban take effect?", "Who won the chess title?",
                     "what did the mayor say", "snow schools", "Putin Trump letter"])))
def test_every_quote_is_an_exact_slice_of_its_article(assistant, shared_index, question):
    try:
        answer = assistant.ask(question)
    except EmptyQuestionError:
        return
    bodies = _bodies(shared_index)
    numbers = {s.n: s.article_id for s in answer.sources}
    for q in answer.quotes:
        assert bodies[q.article_id][q.start:q.end] == q.text
        assert numbers[q.source] == q.article_id
    assert answer.found == bool(answer.quotes)


def test_similar_wire_sentences_with_different_numbers_are_not_merged(tmp_path, encoder):
    a = "Police said 12 people were killed in the flooding in the northern province on Monday."
    b = "Police said 15 people were killed in the flooding in the northern province on Monday."
    with Index.open(tmp_path / "ix") as index:
        index.add([Article(title="Floods", url="https://a.example/f", body=a),
                   Article(title="Floods", url="https://b.example/f", body=b)])
        answer = Assistant(index).ask("How many people were killed in the flooding?")
    assert all(not q.also_in for q in answer.quotes)
    bodies = {s.n: s.url for s in answer.sources}
    for q in answer.quotes:
        assert q.text in (a, b) and (q.text == a) == (bodies[q.source] == "https://a.example/f")


def test_hyphenated_question_terms_match_the_words_of_a_sentence():
    from assistant.evidence import term_coverage
    from assistant.missing import missing_rare_term
    from assistant.question import analyse

    q = analyse("A British-Belgian teenager flew solo around the world")
    text = "The British-Belgian pilot, 19, flew solo around the world."
    assert term_coverage(q, text) > term_coverage(q, "The pilot, 19, flew around the world.")
    idf = {t: 2.0 if t == "teenager" else 9.0 for t in q.terms}
    assert missing_rare_term(q, text, idf) == 2.0  # only "teenager" is missing
    assert missing_rare_term(q, "A Belgian pilot", idf) == 9.0


def test_another_person_with_the_speakers_surname_is_not_the_speaker():
    from assistant.speakers import speaker_score
    from assistant.question import analyse

    q = analyse("What did Zara Rutherford say?")
    assert speaker_score(q, '"I did it," said Zara Rutherford.') == 1.0
    assert speaker_score(q, '"I did it," Rutherford said.') == 1.0
    assert speaker_score(q, 'But Rutherford said she was tired.') == 1.0
    assert speaker_score(q, '"It is not clear," said Dr. George Rutherford, an epidemiologist.') < 0
    # without a given name in the question, any Rutherford may be the one meant
    assert speaker_score(analyse("What did Rutherford say?"),
                         '"It is not clear," said Dr. George Rutherford.') == 1.0


def _candidate(body: str, span: tuple[int, int], total: float,
               lead: tuple[int, int] | None = None, rank: int = 0, article: str = "a1"):
    """A sentence of `article` as `Assistant._choose` takes it, from the hit of rank `rank`,
    scored `total`; quoted with `lead`, its lead-in, where given."""
    from assistant.evidence import Candidate

    c = Candidate(rank, article, span[0], span[1], body[span[0]:span[1]], previous=lead,
                  previous_text=body[lead[0]:lead[1]] if lead else "", lead_in=lead,
                  use_lead_in=bool(lead))
    c.scores = {"total": total, "base": total}  # as `evidence.score` leaves it, unread
    return c


def test_a_sentence_going_on_with_a_chosen_quote_extends_it(shared_index):
    """A quotation's second sentence leans on the first ("“...,” Varga said. “...”"): where
    the first is chosen already, the second joins its quote instead of being dropped for
    overlapping it; a sentence of its own still takes a place of its own."""
    body = ("“The harbour will reopen in May,” port director Ines Varga said on Tuesday. "
            "“The fishing fleet will then return to the old quay.”\n\n"
            "Ferries will sail again in June.")
    first = (0, body.index(" “The fishing"))
    second = (first[1] + 1, body.index("\n\n"))
    third = (body.index("Ferries"), len(body))

    chosen = Assistant(shared_index)._choose(
        [_candidate(body, first, 1.0), _candidate(body, second, 0.9, lead=first),
         _candidate(body, third, 0.8)], {"a1": body})
    quotes = [(g[0].quote_start, g[0].end) for g in chosen]
    assert quotes == [(first[0], second[1]), third]


def test_a_quotation_quoted_with_its_lead_in_is_read_with_it(encoder):
    """The speaker's words that another sentence attributes ("Ann Roe spoke about the
    harbour. “All work will end soon.”") are quoted with that sentence, and so their terms are
    read from both: the quotation alone shares no word with the question."""
    from assistant.attribution import Speech
    from assistant.evidence import Candidate, score
    from assistant.question import analyse

    lead = "Port director Ann Roe spoke about the harbour dredging on Tuesday."
    quote = "“All work will be finished before the summer.”"
    body = f"{lead} {quote}"
    span = (len(lead) + 1, len(body))
    cand = Candidate(0, "a1", *span, quote, previous=(0, len(lead)), previous_text=lead,
                     lead_in=(0, len(lead)),
                     speech=Speech("Port director Ann Roe", (0, len(lead))))
    score(analyse("What did Ann Roe say about the harbour dredging?"), [cand], encoder.encode)
    assert cand.use_lead_in
    assert cand.scores["coverage"] > 0.5


def test_a_sentence_is_read_with_its_articles_title(encoder):
    """A question's term that the sentence lacks and its article's title holds counts in
    part: the crew's commander answers "who commands the Kestrel mission" in an article
    titled with the mission, though the sentence never names it again."""
    from assistant.evidence import TITLE_SHARE, Candidate, score
    from assistant.question import analyse
    from assistant.words import words_of

    text = "The crew of four flies under the command of pilot Ana Ruiz."
    question = analyse("Who commands the Kestrel mission?")
    titled, untitled = (
        Candidate(0, "a1", 0, len(text), text,
                  title_words=frozenset(words_of(title)))
        for title in ("Kestrel mission heads to orbit", "A crew heads to orbit"))
    score(question, [titled, untitled], encoder.encode)
    assert 0 < TITLE_SHARE < 1
    assert titled.scores["coverage"] > untitled.scores["coverage"] > 0
    assert titled.scores["focus"] > untitled.scores["focus"]
    assert titled.scores["coverage"] < 1.0  # a title's term counts less than the sentence's


def test_a_quote_is_not_extended_over_words_another_quote_holds(shared_index):
    """The sentence between two chosen quotes, the second quoted with it as its lead-in,
    joins neither: its words are quoted once."""
    body = "“One thing,” Roe said. “Another thing.” “A third,” she added."
    s1 = (0, body.index(" “Another"))
    s2 = (s1[1] + 1, body.index(" “A third"))
    s3 = (s2[1] + 1, len(body))

    chosen = Assistant(shared_index)._choose(
        [_candidate(body, s1, 1.0), _candidate(body, s3, 0.9, lead=s2),
         _candidate(body, s2, 0.8, lead=s1)], {"a1": body})
    assert [(g[0].quote_start, g[0].end) for g in chosen] == [s1, (s2[0], s3[1])]


def test_the_top_passage_quoted_inside_another_quote_takes_no_place_of_its_own(shared_index):
    """The best-ranked passage's sentence is quoted already, as the lead-in of another
    quote: no further sentence of it pushes out a quote of another article."""
    body = "“One thing,” Roe said. “Another thing.” “A third,” she added.\n\nFerries sail."
    s1 = (0, body.index(" “Another"))
    s2 = (s1[1] + 1, body.index(" “A third"))
    s3 = (s2[1] + 1, body.index("\n\n"))
    s4 = (body.index("Ferries"), len(body))
    other = "A sentence of another article."
    chosen = Assistant(shared_index)._choose(
        [_candidate(body, s1, 1.0, rank=2), _candidate(body, s3, 0.9, lead=s2, rank=2),
         _candidate(other, (0, len(other)), 0.85, rank=1, article="a2"),
         _candidate(body, s2, 0.8, lead=s1), _candidate(body, s4, 0.3)],
        {"a1": body, "a2": other})
    assert [(g[0].article_id, g[0].quote_start, g[0].end) for g in chosen] == [
        ("a1", *s1), ("a1", s2[0], s3[1]), ("a2", 0, len(other))]


def test_the_top_passages_article_is_quoted_once_not_its_top_passage(shared_index):
    """The article of the best-ranked passage is always cited: where no quote comes from
    it, its best sentence takes the last place. Where a sentence of another passage of it
    is quoted already, the article is cited, and the quotes stay the best sentences."""
    first, second = "Ferries sail at dawn. The fare is $4.", "Buses run late."
    c1, c2 = (0, first.index(" The")), (first.index("The"), len(first))
    chosen = Assistant(shared_index)._choose(
        [_candidate(first, c2, 1.0, rank=3), _candidate(second, (0, len(second)), 0.9,
                                                        rank=1, article="a2"),
         _candidate(first, c1, 0.5, rank=0)], {"a1": first, "a2": second})
    assert [(g[0].article_id, g[0].start) for g in chosen] == [("a1", c2[0]), ("a2", 0)]
    chosen = Assistant(shared_index)._choose(
        [_candidate(second, (0, len(second)), 1.0, rank=1, article="a2"),
         _candidate(first, c1, 0.5, rank=0)], {"a1": first, "a2": second})
    assert [(g[0].article_id, g[0].start) for g in chosen] == [("a2", 0), ("a1", 0)]


def test_the_speakers_quotation_opening_a_paragraph_is_quoted_with_the_sentence_naming_them(
        encoder):
    """“It is an intermission,” he said. opens a paragraph after the one that ends by naming
    the speaker and the topic: the two are quoted, and read, together (the slice of the body
    from the one to the other, paragraph break included)."""
    from assistant.evidence import Candidate, score
    from assistant.attribution import Speech
    from assistant.question import analyse

    lead = "Analyst Tom Roe cautioned that fuel prices would not keep falling."
    quote = "“This is more of an intermission,” he said."
    body = f"{lead}\n\n{quote}"
    cand = Candidate(0, "a1", len(lead) + 2, len(body), quote, previous=(0, len(lead)),
                     previous_text=lead, speech=Speech("Analyst Tom Roe", (0, len(lead))))
    score(analyse("What did Tom Roe say about whether fuel prices would keep falling?"),
          [cand], encoder.encode)
    assert cand.use_lead_in and cand.quote_start == 0
    assert body[cand.quote_start:cand.end] == body
    assert cand.scores["coverage"] > 0.5


def test_a_sentence_calling_the_thing_asked_about_by_a_description_is_quoted_with_its_name(
        encoder):
    """"Which show ...?": the sentence that says "the popular show is back" is the one that
    repeats the question; the show's name is in the paragraph before, and is quoted with it.
    A sentence with no such description, or after a sentence with no name, stands alone."""
    from assistant.evidence import Candidate, score
    from assistant.question import analyse

    lead = "“Harbour Lights” is officially coming back."
    text = "The broadcaster said the popular drama show will return for a second season."
    body = f"{lead}\n\n{text}"
    unnamed = "it is coming back.\n\nThe broadcaster said the popular drama show will return."
    other = "It is coming back.\n\nThe broadcaster said the series will return for a season."

    def read(body: str) -> Candidate:
        at = body.index("\n\n")
        cand = Candidate(0, "a1", at + 2, len(body), body[at + 2:], previous=(0, at),
                         previous_text=body[:at])
        score(analyse("Which popular drama show will return for a second season?"), [cand],
              encoder.encode)
        return cand

    cand = read(body)
    assert cand.use_lead_in and body[cand.quote_start:cand.end] == body
    assert not read(unnamed).use_lead_in and not read(other).use_lead_in


def test_a_speaker_is_known_by_a_surname_spelt_one_letter_otherwise_after_their_given_name():
    """Transliterations differ ("Andrei Kartopolov", "Andrei Kartapolov"): with the given
    name before it, a long surname one letter apart is the speaker's; a name one letter
    apart with another given name, or a short one, is not."""
    from assistant.speakers import names_speaker

    keys = ("kartapolov", "andrei")
    assert names_speaker(keys, "“Stop lying,” said Andrei Kartopolov, a former general.")
    assert not names_speaker(keys, "“Stop lying,” said Pavel Kartopolov, a former general.")
    assert not names_speaker(("kartapolov",), "“Stop lying,” said Andrei Kartopolov.")
    assert not names_speaker(("roe", "ann"), "“Stop lying,” said Ann Rue.")


def test_an_acronym_holds_the_words_of_the_question_it_stands_for():
    """"the cost-of-living adjustment" is "the COLA" in the sentence that answers: the
    acronym of a run of the question's words counts as those words; other capitals don't."""
    from assistant.evidence import term_coverage
    from assistant.question import analyse

    q = analyse("What was the largest cost-of-living adjustment for pensions?")
    assert term_coverage(q, "The highest COLA ever was 14.3% for pensions.") > \
        term_coverage(q, "The highest NATO ever was 14.3% for pensions.")


def test_words_announced_by_the_sentence_before_are_quoted_with_it(encoder):
    """"Asked if ..., Roe replied emphatically." announces the words of the next sentence:
    the two are one quote."""
    from assistant.attribution import attribute
    from assistant.evidence import candidates, score
    from assistant.question import analyse
    from embeddings import Hit
    from embeddings.sentences import sentence_spans

    body = ("Asked if she would sell the ferry line, Ann Roe replied emphatically. "
            "“No, that is not going to happen ever.”")
    spans = sentence_spans(body)
    assert len(spans) == 2 and attribute(body, spans)[1].speaker == "Ann Roe"
    hit = Hit(1, Article(id="a1", title="t", body=body), 0, len(body), body, 1.0)
    words = [c for c in candidates([hit]) if c.text.startswith("“No")][0]
    score(analyse("How did Ann Roe answer whether she would sell the ferry line?"), [words],
          encoder.encode)
    assert words.use_lead_in and body[words.quote_start:words.end] == body


def test_a_figure_question_and_reported_speech_take_no_lead_in(encoder):
    """"What was the death toll?": "The death toll rose to 50." answers alone, whatever
    the sentence before holds; "Roe said it would work." announces no words of the next."""
    from assistant.evidence import Candidate, score
    from assistant.question import analyse

    def read(question: str, lead: str, text: str) -> Candidate:
        body = f"{lead} {text}"
        cand = Candidate(0, "a1", len(lead) + 1, len(body), text, previous=(0, len(lead)),
                         previous_text=lead, lead_in=(0, len(lead)))
        score(analyse(question), [cand], encoder.encode)
        return cand

    assert not read("What was the death toll of the storm?", "In 2019 a storm hit Harbourtown.",
                    "The death toll rose to 50.").use_lead_in
    assert not read("How did Ann Roe answer?", "Ann Roe said it would work.",
                    "“No, it is not going to happen.”").use_lead_in


def test_a_line_no_sentence_ends_is_scored_below_the_same_words_as_a_sentence(encoder):
    """A headline, a link to another story or a caption in the body ("Wade overturned:
    What we know") is no sentence of the story: it ranks behind the same words ended as
    one."""
    from assistant.evidence import candidates, score
    from assistant.question import analyse
    from embeddings import Hit

    body = "Court overturns the ruling: what we know\n\nCourt overturns the ruling: what we know."
    hit = Hit(1, Article(id="a1", title="t", body=body), 0, len(body), body, 1.0)
    headline, sentence = candidates([hit])
    score(analyse("What did the court overturn?"), [headline, sentence], encoder.encode)
    assert headline.scores["unfinished"] == 1.0 and sentence.scores["unfinished"] == 0.0
    assert sentence.score > headline.score


def test_the_speakers_words_go_on_into_the_next_sentence_of_theirs(encoder):
    """A quote of the asked speaker's words takes the next sentence of the paragraph that
    is theirs too (the quotation goes on), but not a sentence of someone else's."""
    from assistant.evidence import candidates, score
    from assistant.question import analyse
    from embeddings import Hit

    body = ("“Because this virus is unknown we must use all our resources,” said Ota Kishi "
            "after the first case. “We hope to see tourists again by the spring.” Critics "
            "said the ban was too harsh. “It is a disaster,” said Ivo Dane.")
    hit = Hit(1, Article(id="a1", title="t", body=body), 0, len(body), body, 1.0)
    cands = candidates([hit])
    score(analyse("How did Ota Kishi justify the border closure?"), cands, encoder.encode)
    first, _, critics, dane = cands
    (quote,), = Assistant._words_go_on([[first]], cands, {"a1": body})
    assert body[quote.start:quote.end] == quote.text
    assert quote.text.startswith("“Because") and quote.text.endswith("by the spring.”")
    # someone else's words, or words already quoted, do not go on with it
    assert Assistant._words_go_on([[critics]], cands, {"a1": body}) == [[critics]]
    assert Assistant._words_go_on([[first], [cands[1]]], cands, {"a1": body})[0] == [first]
    # a quote already joined over two sentences goes on from its end, and the asked
    # speaker's words stop at someone else's
    other = ("“We must act now,” said Ota Kishi. “We closed the border for a reason,” he "
             "said. “We will open it in spring,” he added. Ivo Dane said it was a disaster.")
    hit = Hit(1, Article(id="a2", title="t", body=other), 0, len(other), other, 1.0)
    said = candidates([hit])
    score(analyse("How did Ota Kishi justify the border closure?"), said, encoder.encode)
    kishi, _, third, dane = said
    assert third.speech.speaker == kishi.speech.speaker != dane.speech.speaker
    joined = replace(kishi, end=third.end, text=other[kishi.start:third.end])
    assert Assistant._words_go_on([[joined]], said, {"a2": other}) == [[joined]]


def test_whole_articles_add_every_sentence_of_the_top_article(shared_index):
    from assistant.evidence import candidates

    hits = shared_index.search("What did Lavrov say?")
    top = hits[0].article
    few, whole = candidates(hits, 0), candidates(hits, 1)
    assert len(whole) > len(few)
    starts = {c.start for c in whole if c.article_id == top.id}
    from embeddings.sentences import sentence_spans
    assert {s for s, _ in sentence_spans(top.body)} - starts <= {
        s for s, e in sentence_spans(top.body) if e - s > 1200}
    for c in whole:  # every candidate is its body's own text
        assert c.text == {h.article.id: h.article for h in hits}[c.article_id].body[c.start:c.end]
    # a sentence no retrieved passage holds ranks OUTSIDE_RANK hits behind its article's
    # first passage (at most as far back as the last hit)
    from assistant.evidence import OUTSIDE_RANK

    inside = {(c.article_id, c.start) for c in few}
    outside = [c for c in whole if (c.article_id, c.start) not in inside]
    first = next(i for i, h in enumerate(hits) if h.article.id == top.id)
    assert outside and all(c.hit_rank == min(first + OUTSIDE_RANK, len(hits)) for c in outside)
    assert all(c.hit_rank < len(hits) for c in whole if (c.article_id, c.start) in inside)


def test_a_role_asked_for_is_the_person_the_articles_name_in_it(encoder):
    """"How did the mayor of Marlow describe ...": the person a sentence names in that role
    ("Marlow Mayor Ida Brook said") speaks for it wherever else the
    article quotes her ("..., Brook said"). Someone else's words stay someone else's: another
    Brook, a Marlow resident, the same surname in another article."""
    from assistant.attribution import Speech
    from assistant.evidence import Candidate, score
    from assistant.speakers import role_holders
    from assistant.question import analyse

    question = analyse("How did the mayor of Marlow describe the storm?")
    texts = [("a1", "Marlow Mayor Ida Brook said boats stayed moored.", "Marlow Mayor Ida Brook"),
             ("a1", "“The waves were higher than any I have seen,” Brook said.", "Brook"),
             ("a1", "“It was a quiet night,” Tom Brook said.", "Tom Brook"),
             ("a1", "“We lost power,” Marlow resident Ann Vale said.", "Marlow resident Ann Vale"),
             ("a1", "“It rained,” Vale said.", "Vale"),
             ("a2", "“The quay held,” Brook said.", "Brook"),
             ("a2", "“The quay held,” Ida Brook said.", "Ida Brook")]
    cands = [Candidate(0, article, 0, len(text), text, speech=Speech(who, explicit=True))
             for article, text, who in texts]
    assert role_holders(question, cands) == {"a1": {"Ida Brook"}}
    score(question, cands, encoder.encode)
    # (the resident's own sentence names the place the question names: is_speaker's call)
    assert [c.scores["speaker"] for i, c in enumerate(cands) if i != 3] == \
        [1.0, 1.0, -1.0, -1.0, -1.0, 1.0]
    # a person asked for by name, or by one word, has no role to hold
    assert role_holders(analyse("How did Ann Lee describe the storm?"), cands) == {}
    assert role_holders(analyse("How did Brook describe the storm?"), cands) == {}


def test_a_question_in_the_text_is_no_answer_but_a_speakers_question_is_read():
    """Another story's headline ("Who will buy the ferry line?") or the writer's own
    question answers nothing; a question in a speaker's words is still their words."""
    from assistant.evidence import candidates
    from embeddings import Hit

    body = ("Who will buy the ferry line?\n\nHarbour Holdings bought the ferry line on Monday. "
            "“Why would we wait?” Ann Roe asked. “Why would we wait?”")
    hit = Hit(1, Article(id="a1", title="t", body=body), 0, len(body), body, 1.0)
    read = [c.text for c in candidates([hit])]
    assert "Who will buy the ferry line?" not in read
    assert "Harbour Holdings bought the ferry line on Monday." in read
    assert any(t.startswith("“Why would we wait?”") for t in read)
