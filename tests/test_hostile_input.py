"""Hostile files, as a careless or hostile user supplies them (issue 12): file names that
are not UTF-8, symlinks out of the folder, hidden and unreadable entries, forged source
lines, invented dates, pathological sizes, other encodings, damaged archives, one URL in
two files. Each case is read or indexed beside good articles."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hostile import BIN, GOOD, assert_good_answerable, good_corpus

from assistant import Assistant
from assistant.render import link_target, one_line
from embeddings import Article, Index


# file names ----------------------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_indexed_and_the_run_goes_on(tmp_path, encoder):
    folder = good_corpus(tmp_path / "news")
    bad = os.fsencode(folder) + b"/caf\xe9 \xff report.md"
    with open(bad, "wb") as f:
        f.write(b"# Ferry strike\n\nThe ferry crews walked out at dawn on Tuesday, the union said.\n")
    with Index.open(tmp_path / "ix") as index:
        report = index.add([folder])
        assert (report.added, report.skipped) == (3, [])
        sources = set(index.store.article_sources().values())
        assert str(folder / "caf\\xe9 \\xff report.md") in sources  # shown escaped, stored whole
        assert index.add([folder]).unchanged == 3  # a rerun reads it again, the same way
        assert index.add([folder], prune=True).removed == 0
        assert_good_answerable(index)
        assert "dawn" in Assistant(index).ask("When did the ferry crews walk out?").quotes[0].text


def test_a_skipped_file_with_a_bad_name_is_named_safely_by_the_cli(tmp_path, encoder):
    folder = good_corpus(tmp_path / "news")
    with open(os.fsencode(folder) + b"/\xff\x1b[31m.md", "wb") as f:
        f.write(b"")  # empty: skipped, and its name printed
    done = subprocess.run([str(BIN / "newsdesk"), "index", str(folder), "--index",
                           str(tmp_path / "ix")], capture_output=True)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout.decode("utf-8")
    assert "2 added" in out and "\\xff␛[31m.md: empty file" in out and "\x1b" not in out


# symlinks ------------------------------------------------------------------------------------


def test_symlinks_out_of_the_folder_are_named_not_followed(tmp_path, encoder):
    folder = good_corpus(tmp_path / "news")
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret title\n\nThe vault code is 4417.", "utf-8")
    (folder / "secret.txt").symlink_to(outside / "secret.txt")
    (folder / "private-folder").symlink_to(outside, target_is_directory=True)
    (folder / "archive").mkdir()
    (folder / "archive" / "ferry.keep").write_text("# Ferry\n\nThe ferry sails at noon.", "utf-8")
    (folder / "ferry.md").symlink_to(folder / "archive" / "ferry.keep")  # inside: read
    with Index.open(tmp_path / "ix") as index:
        report = index.add([folder])
        reasons = {Path(s.source).name: s.reason for s in report.skipped}
        assert set(reasons) == {"secret.txt", "private-folder", "ferry.keep"}
        assert "outside the folder given" in reasons["secret.txt"]
        assert "--follow-symlinks" in reasons["secret.txt"]
        assert "--follow-symlinks" in reasons["private-folder"]
        assert "not an article file" in reasons["ferry.keep"]
        assert report.added == 3
        assert not [a for a in index.articles() if "vault" in a.body]
        assert_good_answerable(index)

        followed = index.add([folder], follow_symlinks=True)
        assert followed.added == 1  # secret.txt; the linked folder holds it again: a duplicate
        assert "duplicate" in str(followed.skipped)
        assert [a for a in index.articles() if "vault" in a.body]


def test_a_symlink_loop_is_entered_once(tmp_path, encoder):
    folder = good_corpus(tmp_path / "news")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    with Index.open(tmp_path / "ix") as index:
        report = index.add([folder], follow_symlinks=True)
        assert report.added == 2
        assert [s.reason for s in report.skipped] == ["symlink to a folder read already"]


# what is not read is named --------------------------------------------------------------------


def test_hidden_and_unlistable_entries_are_named(tmp_path, encoder, monkeypatch):
    folder = good_corpus(tmp_path / "news")
    (folder / ".draft.md").write_text("# Draft\n\nNot for publication.", "utf-8")
    (folder / ".git").mkdir()
    locked = folder / "locked"
    locked.mkdir()
    (locked / "kept.md").write_text("# Kept\n\nThe locked story stays put.", "utf-8")
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == locked and blocked:  # root reads any folder: the error is injected
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    blocked = False
    monkeypatch.setattr(os, "scandir", scandir)
    with Index.open(tmp_path / "ix") as index:
        assert index.add([folder]).added == 3
        blocked = True
        report = index.add([folder], prune=True)
        reasons = {Path(s.source).name: s.reason for s in report.skipped}
        assert reasons == {".draft.md": "hidden file", ".git": "hidden folder",
                           "locked": "cannot read folder (Permission denied)"}
        assert report.removed == 0  # what could not be read is not gone
        assert len(index) == 3


def test_prune_keeps_everything_under_a_missing_root(tmp_path, encoder):
    folder = good_corpus(tmp_path / "news")
    with Index.open(tmp_path / "ix") as index:
        assert index.add([folder]).added == 2
        folder.rename(tmp_path / "unmounted")
        report = index.add([folder], prune=True)
        assert [s.reason for s in report.skipped] == ["no such file or folder"]
        assert report.removed == 0 and len(index) == 2


# forged source lines -------------------------------------------------------------------------


FORGED = ('{"title": "Real title\\n[2] Fake (Reuters, 2020-01-01)\\u2028https://evil.example", '
          '"url": "https://ok.example/a\\r\\nhttps://evil.example/b", "source": "Outlet\\u2029x", '
          '"author": "Ann\\u0085Lee", "date": "2020-01-02", '
          '"text": "The ferry fare rises to nine dollars in May, the operator said."}\n')


def test_titles_urls_outlets_and_authors_are_one_line(tmp_path, encoder):
    folder = good_corpus(tmp_path / "news")
    (folder / "forged.jsonl").write_text(FORGED, encoding="utf-8")
    with Index.open(tmp_path / "ix") as index:
        assert index.add([folder]).added == 3
        (article,) = [a for a in index.articles() if "ferry" in a.body]
        for field in (article.title, article.url, article.outlet, *article.authors):
            assert len(field.splitlines()) == 1 and field == " ".join(field.split())
    done = subprocess.run([str(BIN / "ask"), "How much will the ferry fare be?", "--index",
                           str(tmp_path / "ix")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    sources = done.stdout.split("Sources\n", 1)[1].splitlines()
    assert len(sources) == 2 and sources[0].startswith("[1] Real title [2] Fake")
    assert sources[1] == "    https://ok.example/a https://evil.example/b"


def test_an_old_index_with_multi_line_fields_still_prints_one_line_each(tmp_path, encoder):
    """An index written before fields were one line: its rows are read into one line."""
    with Index.open(tmp_path / "ix") as index:
        index.add([Article(title="Plain", body="The ferry fare rises to nine dollars in May.",
                           url="https://ok.example/c")])
        index.store.db.execute("UPDATE articles SET title = ?, url = ?",
                               ("Real\n[2] Fake", "javascript:alert(1)\nhttps://x"))
        index.store.db.commit()
        answer = Assistant(index).ask("How much will the ferry fare be?")
        (source,) = answer.sources
        assert source.title == "Real [2] Fake" and source.url == "javascript:alert(1) https://x"


@pytest.mark.parametrize("url, linked", [
    ("https://ok.example/a?b=c#d", True), ("HTTP://OK.EXAMPLE/", True),
    ("javascript:alert(1)", False), ("file:///etc/passwd", False), ("https://", False),
    ("https://ok.example/a\x1b]8;;https://evil\x07", False), ("https://ok.example/\r\n", False),
    ("https://ok.example/a b", False), ("https://ok.example/\u2028x", False),
    ("https://[::1", False), (None, False), ("", False)])
def test_only_a_plain_http_address_is_a_link(url, linked):
    assert link_target(url) == (url if linked else None)


def test_one_line_shows_controls_and_joins_lines():
    assert one_line("a\nb\r\nc\u2028d\x1b[0m") == "a b␍ c\ufffdd␛[0m"


# dates ----------------------------------------------------------------------------------------


def test_a_date_is_stated_in_full_or_the_article_is_undated(tmp_path):
    from embeddings import read_paths

    (tmp_path / "weekday.md").write_text("# Ferry strike\n\nTuesday\n\nThe ferry crews walked "
                                         "out at dawn, the union said.\n", encoding="utf-8")
    (tmp_path / "opening.md").write_text("# Festival\n\nMay 4 and 5\n\nThe harbour festival "
                                         "returns with music on both days.\n", encoding="utf-8")
    (tmp_path / "dateline.md").write_text("# Budget\n\nDecember 30, 2018\n\nThe council "
                                          "passed the budget.\n", encoding="utf-8")
    (tmp_path / "records.jsonl").write_text(
        '{"title": "A", "text": "Alpha story text.", "date": "Tuesday"}\n'
        '{"title": "B", "text": "Beta story text.", "date": "Dec 2018"}\n'
        '{"title": "C", "text": "Gamma story text.", "date": "2018-12-30T10:00:00Z"}\n',
        encoding="utf-8")
    (tmp_path / "page.html").write_text(
        "<html><head><title>Ferry strike</title></head><body><article><h1>Ferry strike</h1>"
        "<p>The ferry crews walked out at dawn on Tuesday, the union said. They want better "
        "pay and shorter shifts, a spokesman told reporters at the harbour.</p>"
        "<p>Copyright 1995 Harbour News Ltd.</p></article><footer>© 2020</footer></body></html>",
        encoding="utf-8")
    found = {a.title: a for a in read_paths([tmp_path]) if isinstance(a, Article)}
    assert found["Ferry strike"].published is None  # the page, and the weekday file
    weekday = next(a for a in read_paths([tmp_path / "weekday.md"]))
    assert weekday.published is None and weekday.body.startswith("Tuesday\n\n")
    opening = found["Festival"]
    assert opening.published is None and opening.body.startswith("May 4 and 5\n\nThe harbour")
    assert str(found["Budget"].published) == "2018-12-30"
    assert found["Budget"].body == "The council passed the budget."
    assert (found["A"].published, found["B"].published) == (None, None)
    assert str(found["C"].published) == "2018-12-30"


# pathological sizes ---------------------------------------------------------------------------


def test_chunking_a_giant_word_encodes_in_proportion_to_its_length(monkeypatch):
    """Counted in characters handed to the tokenizer, not timed: twice the word, about
    twice the work (it was quadratic: 49 s for 300,000 characters). Every chunk is within
    the budget and together they are the word, whole."""
    import random
    import string

    from embeddings import chunking
    from embeddings.tokens import get_encoding

    real = get_encoding(chunking.ChunkerSettings().encoding)
    encoded = [0]

    class Counting:
        def encode_ordinary(self, text):
            encoded[0] += len(text)
            return real.encode_ordinary(text)

    monkeypatch.setattr(chunking, "get_encoding", lambda name: Counting())
    rng = random.Random(3)
    work = []
    for n in (40_000, 80_000, 160_000):
        body = "It began. " + "".join(rng.choice(string.ascii_lowercase) for _ in range(n))
        encoded[0] = 0
        spans = chunking.chunk_spans(body)
        work.append(encoded[0])
        assert all(t <= 200 and len(real.encode_ordinary(body[s:e])) == t for s, e, t in spans)
        assert "".join(body[s:e] for s, e, _ in spans[1:]) == body[10:]
    assert work[1] < 2.5 * work[0] and work[2] < 2.5 * work[1]


def test_one_size_limit_for_an_article_in_every_format(tmp_path, monkeypatch):
    from embeddings import read_paths
    from embeddings.readers import common

    monkeypatch.setattr(common, "MAX_ARTICLE_CHARS", 5_000)
    monkeypatch.setattr("embeddings.readers.MAX_ARTICLE_CHARS", 5_000)
    monkeypatch.setattr("embeddings.readers.jsonrecords.MAX_ARTICLE_CHARS", 5_000)
    big = "The harbour grew. " * 400  # 7,200 characters
    (tmp_path / "big.txt").write_text("Big\n\n" + big, encoding="utf-8")
    (tmp_path / "big.html").write_text(f"<html><body><p>{big}</p></body></html>", "utf-8")
    (tmp_path / "big.jsonl").write_text('{"title": "Big", "text": "%s"}\n'
                                        '{"title": "Small", "text": "The harbour."}\n' % big,
                                        encoding="utf-8")
    items = list(read_paths([tmp_path]))
    refused = sorted(Path(s.source).name for s in items if not isinstance(s, Article))
    assert refused == ["big.html", "big.jsonl:1", "big.txt"]
    assert all("too long for one article" in s.reason for s in items if not isinstance(s, Article))
    assert [a.title for a in items if isinstance(a, Article)] == ["Small"]


# encodings, invisible text, damaged archives ---------------------------------------------------


def test_text_in_other_encodings_is_read_and_invisible_text_is_not(tmp_path):
    import gzip

    from embeddings import read_paths

    story = "Ferry strike\n\nThe ferry crews walked out at dawn, the union’s chief said: “enough”."
    (tmp_path / "utf16.txt").write_bytes(story.encode("utf-16"))  # with its BOM
    (tmp_path / "utf16le.txt").write_bytes(story.replace("Ferry", "Bus").encode("utf-16-le"))
    (tmp_path / "cp1252.txt").write_bytes(story.replace("Ferry", "Tram").encode("cp1252"))
    (tmp_path / "latin1.md").write_bytes("# Café crème\n\nLe café ouvre à Noël, dit le maire."
                                         .encode("latin-1"))
    (tmp_path / "invisible.txt").write_text("\u200b\u200c\u200d\n\n\ufeff\u2060\u00ad",
                                            encoding="utf-8")
    (tmp_path / "invisible.jsonl").write_text('{"title": "x", "text": "\\u200b\\u200b"}\n',
                                              encoding="utf-8")
    records = "".join('{"title": "R%d", "text": "Record number %d of the archive."}\n' % (i, i)
                      for i in range(400))
    packed = gzip.compress(records.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[:len(packed) * 2 // 3])
    items = list(read_paths([tmp_path]))
    found = {a.title: a for a in items if isinstance(a, Article)}
    skipped = {Path(s.source.split(":")[0]).name: s.reason for s in items
               if not isinstance(s, Article)}
    assert found["Ferry strike"].body.endswith("the union’s chief said: “enough”.")
    assert found["Bus strike"].body == found["Ferry strike"].body
    assert found["Tram strike"].body == found["Ferry strike"].body
    assert found["Café crème"].body == "Le café ouvre à Noël, dit le maire."
    assert "no article text" in skipped["invisible.txt"]
    assert "without text" in skipped["invisible.jsonl"]
    kept = [t for t in found if t.startswith("R")]
    assert 100 < len(kept) < 400 and kept == [f"R{i}" for i in range(len(kept))]
    assert "truncated gzip" in skipped["cut.jsonl.gz"]


def test_a_truncated_archive_keeps_its_articles_on_prune(tmp_path, encoder):
    import gzip

    records = "".join('{"title": "R%d", "url": "https://t.example/r%d", "text": "Record number '
                      '%d of the archive."}\n' % (i, i, i) for i in range(60))
    archive = tmp_path / "news" / "archive.jsonl.gz"
    archive.parent.mkdir()
    archive.write_bytes(gzip.compress(records.encode()))
    with Index.open(tmp_path / "ix") as index:
        assert index.add([archive.parent]).added == 60
        archive.write_bytes(archive.read_bytes()[:len(archive.read_bytes()) // 2])
        report = index.add([archive.parent], prune=True)
        assert report.removed == 0 and len(index) == 60
        assert any("truncated" in s.reason for s in report.skipped)


# one URL, two files ----------------------------------------------------------------------------


def test_another_file_cannot_take_over_an_article_by_claiming_its_url(tmp_path, encoder):
    def record(text: str) -> str:
        return '{"title": "Toll", "url": "https://t.example/toll", "text": "%s"}\n' % text

    news, elsewhere = tmp_path / "news", tmp_path / "elsewhere"
    news.mkdir(), elsewhere.mkdir()
    (news / "a.jsonl").write_text(record("The bridge toll rises to five dollars."), "utf-8")
    (elsewhere / "b.jsonl").write_text(record("The bridge toll is abolished forever."), "utf-8")
    with Index.open(tmp_path / "ix") as index:
        assert index.add([news]).added == 1
        report = index.add([elsewhere])
        assert (report.added, report.updated) == (0, 0)
        (conflict,) = report.skipped
        assert conflict.source.endswith("b.jsonl:1")
        assert "claims the URL" in conflict.reason and "a.jsonl:1" in conflict.reason
        assert [a.body for a in index.articles()] == ["The bridge toll rises to five dollars."]
        (news / "a.jsonl").write_text(record("The bridge toll rises to six dollars."), "utf-8")
        assert index.add([news]).updated == 1  # its own file replaces it
        assert [a.body for a in index.articles()] == ["The bridge toll rises to six dollars."]
        (elsewhere / "b.jsonl").write_text(record("The bridge toll rises to six dollars."),
                                           "utf-8")
        assert index.add([elsewhere]).unchanged == 1  # the same text is no conflict


def test_central_european_and_turkish_code_pages_stay_as_detected(tmp_path):
    from embeddings import read_paths

    czech = "Ministr zahraničí řekl, že příští týden odcestuje do Bruselu a Vídně."
    turkish = ("Dışişleri Bakanı, gelecek hafta Brüksel'e gideceğini söyledi. Türkiye ile "
               "Avrupa Birliği arasındaki görüşmeler, önümüzdeki ay İstanbul'da yeniden "
               "başlayacak. Bakanlık sözcüsü, ülkenin çıkarlarının korunacağını açıkladı.")
    (tmp_path / "cs.txt").write_bytes(("Zpráva\n\n" + czech).encode("cp1250"))
    (tmp_path / "tr.txt").write_bytes(("Haber\n\n" + turkish).encode("cp1254"))
    bodies = {a.title: a.body for a in read_paths([tmp_path]) if isinstance(a, Article)}
    assert bodies == {"Zpráva": czech, "Haber": turkish}


def test_an_undecodable_byte_past_the_part_examined_is_a_skip_not_a_crash(tmp_path):
    from embeddings import read_paths

    text = ("Zpráva\n\n" + "Ministr zahraničí řekl, že příští týden odcestuje. " * 22_000)
    (tmp_path / "long.txt").write_bytes(text.encode("cp1250") + b"\x81\x81 end\n")
    (tmp_path / "ok.md").write_text(GOOD["good-1.md"], encoding="utf-8")
    items = list(read_paths([tmp_path]))
    assert [a.title for a in items if isinstance(a, Article)] == ["Harbour tunnel opens"]
    assert [Path(s.source.split(":")[0]).name for s in items if not isinstance(s, Article)] \
        == ["long.txt"]


def test_a_symlink_that_loops_is_named(tmp_path):
    from embeddings import read_paths

    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")
    (tmp_path / "a.md").symlink_to(tmp_path / "b.md")
    (tmp_path / "b.md").symlink_to(tmp_path / "a.md")
    (tmp_path / "ok.md").write_text(GOOD["good-1.md"], encoding="utf-8")
    for follow in (False, True):
        items = list(read_paths([tmp_path], follow_symlinks=follow))
        assert [a.title for a in items if isinstance(a, Article)] == ["Harbour tunnel opens"]
        assert sorted(s.reason for s in items if not isinstance(s, Article)) == \
            ["symlink that loops"] * 3


def test_a_file_that_replaces_a_removed_one_takes_over_its_url(tmp_path, encoder):
    def record(text: str) -> str:
        return '{"title": "Toll", "url": "https://t.example/toll", "text": "%s"}\n' % text

    news = tmp_path / "news"
    news.mkdir()
    (news / "old.jsonl").write_text(record("The bridge toll rises to five dollars."), "utf-8")
    with Index.open(tmp_path / "ix") as index:
        assert index.add([news]).added == 1
        (news / "old.jsonl").unlink()
        (news / "new.jsonl").write_text(record("The bridge toll rises to six dollars."), "utf-8")
        report = index.add([news], prune=True)
        assert (report.updated, report.removed, report.skipped) == (1, 0, [])
        assert [a.body for a in index.articles()] == ["The bridge toll rises to six dollars."]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32", "cp1252"])
def test_a_truncated_archive_keeps_its_whole_lines_in_any_encoding(tmp_path, encoding):
    import gzip

    from embeddings import read_paths

    records = "".join('{"title": "Récit %d", "text": "Record %d of the archive, “quoted”."}\n'
                      % (i, i) for i in range(200))
    packed = gzip.compress(records.encode(encoding))
    for cut in (len(packed) // 2, len(packed) // 2 + 1, len(packed) // 2 + 3):
        (tmp_path / "cut.jsonl.gz").write_bytes(packed[:cut])
        items = list(read_paths([tmp_path / "cut.jsonl.gz"]))
        titles = [a.title for a in items if isinstance(a, Article)]
        assert 20 < len(titles) < 200 and titles == [f"Récit {i}" for i in range(len(titles))]
        assert [s.reason for s in items if not isinstance(s, Article)][0].startswith(
            "truncated gzip")
