"""Wire copies: near-duplicate bodies grouped into story clusters at ingest, one result per
cluster in search (the earliest copy, naming the others), and clusters that stay right as
articles are indexed again, changed, pruned and removed."""
from __future__ import annotations

import json
import random
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from embeddings import Article, Filters, Index, Query
from embeddings import duplicates

STORY = (
    "The regional water authority said on Thursday that it would ration supplies to farms in "
    "the valley from the first of June, after the driest spring in forty years left the "
    "reservoirs at a third of their usual level. Farmers will receive half of their normal "
    "allocation, and the authority will review the cuts every two weeks as the weather "
    "changes.\n\n"
    "\"We have no choice but to protect drinking water first,\" said the authority's chief "
    "engineer, Lena Marsh, at a briefing in the county seat. She said households would not "
    "face limits this summer unless the dry weather lasted into August, when demand peaks.\n\n"
    "Growers' groups warned that orchards and dairy herds would suffer. One association said "
    "its members had already sold cattle they could not water, and asked the state for "
    "emergency grants to cover the cost of trucked supplies and new wells.\n\n"
    "The authority's board will meet again on the fifteenth of June to decide whether the "
    "rationing should be extended to the industrial users along the river.")
OTHER = (
    "A new footbridge over the railway opened on Monday, ending a detour of two miles for "
    "pupils walking to the secondary school on the east side of town. The bridge took "
    "eighteen months to build and cost four million pounds, most of it from a national fund "
    "for safer routes to school.\n\n"
    "\"It makes the morning so much easier,\" said one parent, who had driven her children "
    "the long way round since the old crossing closed. The council said lifts at both ends "
    "would make the bridge usable for wheelchairs and bicycles.\n\n"
    "Work on a second crossing, near the station, is due to start next spring, the council "
    "said, once the rail company has agreed the closures needed for the works.")


def wire_copy(body: str) -> str:
    """`body` as another outlet runs it: a dateline, and a credit after."""
    paragraphs = body.split("\n\n")
    paragraphs[0] = "VALLEY CITY (Wire) — " + paragraphs[0]
    return "\n\n".join(paragraphs + ["Copyright Wire Service."])


def story(n: int, outlet: str, day: int, body: str = STORY, title: str | None = None) -> Article:
    return Article(title=title or "Water authority to ration farm supplies", body=body,
                   url=f"https://{outlet.lower().replace(' ', '')}.example/water-{n}",
                   outlet=outlet, published=date(2026, 5, day))


def cluster_sets(index: Index) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for aid, cid in index.store.db.execute("SELECT article_id, cluster_id FROM story_clusters"):
        groups.setdefault(cid, set()).add(aid)
    return {frozenset(g) for g in groups.values()}


# the signatures and the rule ----------------------------------------------------------------

def test_a_wire_copy_is_close_and_another_story_is_not():
    a, b, c = (duplicates.signature(t) for t in (STORY, wire_copy(STORY), OTHER))
    assert duplicates.similarity(a, a) == 1.0
    assert duplicates.similarity(a, b) >= duplicates.THRESHOLD
    assert duplicates.similarity(a, c) < 0.1
    assert duplicates.signature("Too short to tell.") is None
    assert duplicates.from_blob(duplicates.to_blob(a)).tolist() == a.tolist()


def test_one_outlets_pages_that_share_a_template_are_not_one_story():
    """A body that several pages of one site share under headlines of their own (a sign-up
    block where extraction failed) is a template: no cluster, whatever the similarity."""
    sig = duplicates.signature(STORY)
    pages = [duplicates.Member(f"p{n}", sig, date(2026, 5, n + 1), "", f"Headline {n} {word}",
                               "Daily Post") for n, word in enumerate(("rates", "fire", "vote"))]
    assert duplicates.clusters(pages) == {}
    # the same body under one headline, twice, at one outlet: one article under two URLs
    twice = [duplicates.Member(f"q{n}", sig, date(2026, 5, 1), "", "Water rationing begins",
                               "Daily Post") for n in range(2)]
    assert duplicates.clusters(twice) == {"q0": "q0", "q1": "q0"}
    # two outlets: a wire story, whatever the headlines
    wire = [duplicates.Member("w1", sig, date(2026, 5, 2), "", "Farms face cuts", "City Times"),
            duplicates.Member("w0", sig, date(2026, 5, 1), "", "Rationing ahead", "Daily Post")]
    assert duplicates.clusters(wire) == {"w0": "w0", "w1": "w0"}  # the earliest leads


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(range(4)), min_size=2, max_size=9), st.randoms())
def test_clusters_do_not_depend_on_the_order_articles_came_in(kinds, rnd):
    """The same articles in any order give the same clusters; each member is a copy of its
    representative, which is the earliest of them."""
    bodies = [STORY, wire_copy(STORY), OTHER, wire_copy(OTHER)]
    members = [duplicates.Member(f"a{n}", duplicates.signature(bodies[kind]),
                                 date(2026, 5, 1 + n % 5), f"t{n}", f"Headline {n}", f"Outlet {n}")
               for n, kind in enumerate(kinds)]
    found = duplicates.clusters(members)
    shuffled = list(members)
    rnd.shuffle(shuffled)
    assert duplicates.clusters(shuffled) == found
    by_id = {m.article_id: m for m in members}
    for aid, rep in found.items():
        sim = duplicates.similarity(by_id[aid].signature, by_id[rep].signature)
        assert sim >= duplicates.THRESHOLD
        assert duplicates._order(by_id[rep]) <= duplicates._order(by_id[aid])
    story_of = {f"a{n}": kind // 2 for n, kind in enumerate(kinds)}
    assert all(story_of[aid] == story_of[rep] for aid, rep in found.items())


# in an index ---------------------------------------------------------------------------------

@pytest.fixture
def wire_index(tmp_path):
    index = Index.open(tmp_path / "ix")
    index.add([story(1, "Daily Post", 3), story(2, "City Times", 2, wire_copy(STORY),
                                                title="Valley farms face water rationing"),
               story(3, "County Herald", 4, wire_copy(STORY)),
               Article(title="Footbridge opens over the railway", body=OTHER,
                       url="https://cityt.example/bridge", outlet="City Times",
                       published=date(2026, 5, 1))])
    yield index
    index.close()


def test_search_shows_one_copy_of_a_wire_story_and_names_the_others(wire_index):
    found = wire_index.search_articles(Query("water rationing for valley farms", k=5))
    water = [r for r in found if "water" in r.article.title.lower()]
    assert len(water) == 1
    shown = water[0]
    assert shown.article.outlet == "City Times"  # the earliest copy (2 May)
    assert [c.outlet for c in shown.copies] == ["Daily Post", "County Herald"]
    assert shown.to_dict()["copies"][0]["url"] == "https://dailypost.example/water-1"
    hits = wire_index.search(Query("water rationing for valley farms", k=10))
    assert {h.article.outlet for h in hits if "ration" in h.text} == {"City Times"}

    every = wire_index.search_articles(Query("water rationing for valley farms", k=5,
                                             filters=Filters(all_copies=True)))
    assert {r.article.outlet for r in every if "water" in r.article.title.lower()} == \
        {"Daily Post", "City Times", "County Herald"}
    assert all(not r.copies for r in every)
    # a filter on the outlet finds that outlet's own copy
    herald = wire_index.search_articles(Query("water rationing", k=5,
                                              filters=Filters(outlet="County Herald")))
    assert [r.article.outlet for r in herald] == ["County Herald"]


def test_the_answer_says_who_else_ran_the_story(wire_index):
    from assistant import Assistant
    from assistant.answer import Answer
    from assistant.render import copies_line

    answer = Assistant(wire_index).ask("When will the water authority ration supplies to farms?")
    assert answer.found
    source = answer.sources[0]
    assert source.outlet == "City Times"
    assert copies_line(source) == "also published by Daily Post, County Herald (3 outlets)"
    for q in answer.quotes:  # quotes come from the copy shown, verbatim
        assert wire_index.get(q.article_id).body[q.start:q.end] == q.text
    again = Answer.from_dict(json.loads(json.dumps(answer.to_dict())))
    assert again.sources[0].copies == source.copies
    every = Assistant(wire_index).ask("When will the water authority ration supplies to farms?",
                                      all_copies=True)
    assert all(not s.copies for s in every.sources)


def test_clusters_stay_right_as_articles_change_come_and_go(wire_index, tmp_path):
    ids = {a.outlet: a.id for a in wire_index.articles() if "water" in a.title.lower()}
    water = frozenset(ids.values())
    assert cluster_sets(wire_index) == {water}
    stats = wire_index.stats()
    assert (stats["story_clusters"], stats["clustered"], stats["feeds"]) == (1, 3, 0)
    again = wire_index.add([story(1, "Daily Post", 3)])  # indexed again, unchanged
    assert again.unchanged == 1 and cluster_sets(wire_index) == {water}
    # the Herald's copy rewritten as another story: it leaves the cluster
    wire_index.add([story(3, "County Herald", 4, " ".join(reversed(STORY.split())))])
    assert cluster_sets(wire_index) == {water - {ids["County Herald"]}}
    # the earliest copy removed: the one left is alone, no cluster
    wire_index.remove([ids["City Times"]])
    assert cluster_sets(wire_index) == set()
    wire_index.add([story(4, "Valley News", 5, wire_copy(STORY))])
    assert cluster_sets(wire_index) == {frozenset({ids["Daily Post"], story(4, "Valley News", 5).id})}
    rep = dict(wire_index.store.db.execute("SELECT article_id, cluster_id FROM story_clusters"))
    assert set(rep.values()) == {ids["Daily Post"]}  # 3 May before 5 May


def test_pruned_files_leave_their_clusters(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    for n, (outlet, body) in enumerate([("Daily Post", STORY), ("City Times", wire_copy(STORY)),
                                        ("County Herald", wire_copy(STORY))]):
        (folder / f"{n}.json").write_text(json.dumps(
            {"title": "Water rationing", "text": body, "url": f"https://o{n}.example/water",
             "source": outlet, "publish_date": f"2026-05-0{n + 1}"}))
    with Index.open(tmp_path / "ix") as index:
        index.add([folder])
        assert len(cluster_sets(index)) == 1 and len(next(iter(cluster_sets(index)))) == 3
        (folder / "1.json").unlink()
        report = index.add([folder], prune=True)
        assert report.removed == 1
        assert [len(c) for c in cluster_sets(index)] == [2]


def test_an_interrupted_write_leaves_clusters_to_the_next(tmp_path, monkeypatch):
    """Batches committed before an interruption have no clusters yet; the next write, even
    one that changes nothing, computes them."""
    with Index.open(tmp_path / "ix") as index:
        monkeypatch.setattr(Index, "_recluster", lambda self: (_ for _ in ()).throw(
            KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            index.add([story(1, "Daily Post", 3), story(2, "City Times", 2, wire_copy(STORY))])
        monkeypatch.undo()
        assert cluster_sets(index) == set() and not index.store.clusters_current()
        report = index.add([story(1, "Daily Post", 3)])
        assert report.unchanged == 1 and len(cluster_sets(index)) == 1


def test_an_index_of_schema_3_gets_its_clusters_when_migrated(tmp_path):
    from old_schemas import as_version_3

    from embeddings.store import SCHEMA_VERSION

    with Index.open(tmp_path / "ix") as index:
        index.add([story(1, "Daily Post", 3), story(2, "City Times", 2, wire_copy(STORY))])
        before = cluster_sets(index)
    as_version_3(tmp_path / "ix")
    with Index.open(tmp_path / "ix") as index:
        assert index.store.schema_version() == SCHEMA_VERSION == 4
        assert cluster_sets(index) == before and len(before) == 1
        assert index.check() == []


def test_an_article_stored_under_a_tracking_url_takes_the_canonical_one_when_migrated(tmp_path):
    """Before schema 4 URLs were stored as read; the migration gives such an article the
    canonical URL and its id, so that reading its file again finds it unchanged."""
    import sqlite3

    from old_schemas import as_version_3

    from embeddings.records import article_id_for

    tracked = "HTTPS://DailyPost.example/water-1?utm_source=rss&id=7"
    with Index.open(tmp_path / "ix") as index:
        index.add([story(1, "Daily Post", 3), story(2, "City Times", 2, OTHER)])
    as_version_3(tmp_path / "ix")
    db = sqlite3.connect(tmp_path / "ix" / "meta.sqlite", isolation_level=None)
    old_id = article_id_for(tracked, STORY)
    db.execute("UPDATE articles SET url = ?, id = ? WHERE id = ?", (tracked, old_id,
                                                                    story(1, "Daily Post", 3).id))
    db.execute("UPDATE chunks SET article_id = ? WHERE article_id = ?",
               (old_id, story(1, "Daily Post", 3).id))
    db.close()
    again = story(1, "Daily Post", 3)
    again = Article(title=again.title, body=again.body, outlet=again.outlet,
                    published=again.published, url=tracked)
    assert again.url == "https://dailypost.example/water-1?id=7"
    with Index.open(tmp_path / "ix") as index:
        assert index.get(old_id) is None
        moved = index.get(again.id)
        assert moved.url == again.url and index.check() == []
        assert index.add([again]).unchanged == 1 and len(index) == 2


def test_clusters_order_any_way_the_same_in_an_index(tmp_path):
    """Indexing the same articles in another order gives the same clusters."""
    articles = [story(n, f"Outlet {n}", 1 + n, wire_copy(STORY) if n % 2 else STORY)
                for n in range(4)] + [Article(title="Bridge", body=OTHER, url="https://b.example/1")]
    sets = []
    for n, order in enumerate((articles, list(reversed(articles)),
                               random.Random(3).sample(articles, len(articles)))):
        with Index.open(tmp_path / f"ix{n}") as index:
            for a in order:
                index.add([a])
            sets.append(cluster_sets(index))
    assert sets[0] == sets[1] == sets[2] and [len(c) for c in sets[0]] == [4]


def test_a_story_many_outlets_ran_leaves_room_for_the_others(tmp_path):
    """Sixty copies of one wire story do not crowd the other stories out of the results."""
    long_story = "\n\n".join([STORY] * 3)  # passages enough to fill the candidate pool
    copies = [story(n, f"Outlet {n}", 1 + n % 28, wire_copy(long_story)) for n in range(60)]
    others = [Article(title=f"Town notes {n}", url=f"https://r.example/{n}",
                      body=f"The town library extends its hours from week {n}, the council said; "
                           f"the market moves indoors, and the water bills rise in autumn.")
              for n in range(15)]
    with Index.open(tmp_path / "ix") as index:
        index.add(copies + others)
        found = index.search_articles(Query("water authority rationing farms valley", k=10))
        assert len(found) == 10
        assert sum("ration supplies" in r.article.body for r in found) == 1
        every = index.search_articles(Query("water authority rationing farms valley", k=10,
                                            filters=Filters(all_copies=True)))
        assert len(every) == 10


def test_a_follow_up_in_a_story_cites_one_copy_of_it(wire_index):
    """The story's own copy is searched first; the wider search's pick of the same story
    (an earlier copy) is not a second source."""
    from assistant import Assistant

    herald = next(a.id for a in wire_index.articles() if a.outlet == "County Herald")
    hits = Assistant(wire_index).search("water rationing for farms", story=[herald])
    water = {h.article.outlet for h in hits if "ration" in h.text}
    assert water == {"County Herald"}
    assert any(h.copies for h in hits if h.article.outlet == "County Herald")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clusters_kept_around_each_write_are_those_computed_from_scratch(tmp_path, seed):
    """Each write computes the clusters again only around what it touched; after any run
    of adds, changes and removals they are what clustering every article gives."""
    rnd = random.Random(seed)
    bodies = [STORY, wire_copy(STORY), OTHER, wire_copy(OTHER), " ".join(reversed(STORY.split()))]
    with Index.open(tmp_path / "ix") as index:
        for step in range(10):
            present = [a.id for a in index.articles()]
            if present and rnd.random() < 0.3:
                index.remove([rnd.choice(present)])
            else:
                n = rnd.randrange(6)
                index.add([story(n, f"Outlet {n}", 1 + rnd.randrange(20),
                                 rnd.choice(bodies))])
            stored = dict(index.store.db.execute(
                "SELECT article_id, cluster_id FROM story_clusters"))
            assert stored == duplicates.clusters(index.store._members()), step
            assert index.store.clusters_current()
