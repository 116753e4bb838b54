"""Hostile input, as a careless or hostile user supplies it (issue 12): file names that are
not UTF-8, symlinks out of the folder, forged source lines, folders that cannot be read,
hidden files, and what the chat copies or opens. Each case is indexed beside good articles,
which must stay answerable."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.render import link_target, one_line
from embeddings import Article, Index

BIN = Path(sys.executable).parent
GOOD = {"good-1.md": ("# Harbour tunnel opens\n\nThe harbour tunnel opened on Friday after "
                      "ten years of work, the city said.\n"),
        "good-2.md": ("# Bridge toll rises\n\nThe bridge toll rises to five dollars next "
                      "year, officials said on Monday.\n")}


def _good_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _assert_good_answerable(index: Index) -> None:
    assistant = Assistant(index)
    assert "five dollars" in assistant.ask("How much will the bridge toll be?").quotes[0].text
    assert "Friday" in assistant.ask("When did the harbour tunnel open?").quotes[0].text


# file names ----------------------------------------------------------------------------------

def test_a_file_name_that_is_not_utf8_is_indexed_and_the_run_goes_on(tmp_path, encoder):
    folder = _good_corpus(tmp_path / "news")
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
        _assert_good_answerable(index)
        assert "dawn" in Assistant(index).ask("When did the ferry crews walk out?").quotes[0].text


def test_a_skipped_file_with_a_bad_name_is_named_safely_by_the_cli(tmp_path, encoder):
    folder = _good_corpus(tmp_path / "news")
    with open(os.fsencode(folder) + b"/\xff\x1b[31m.md", "wb") as f:
        f.write(b"")  # empty: skipped, and its name printed
    done = subprocess.run([str(BIN / "newsdesk"), "index", str(folder), "--index",
                           str(tmp_path / "ix")], capture_output=True)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout.decode("utf-8")
    assert "2 added" in out and "\\xff␛[31m.md: empty file" in out and "\x1b" not in out


# symlinks ------------------------------------------------------------------------------------

def test_symlinks_out_of_the_folder_are_named_not_followed(tmp_path, encoder):
    folder = _good_corpus(tmp_path / "news")
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
        _assert_good_answerable(index)

        followed = index.add([folder], follow_symlinks=True)
        assert followed.added == 1  # secret.txt; the linked folder holds it again: a duplicate
        assert "duplicate" in str(followed.skipped)
        assert [a for a in index.articles() if "vault" in a.body]


def test_a_symlink_loop_is_entered_once(tmp_path, encoder):
    folder = _good_corpus(tmp_path / "news")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    with Index.open(tmp_path / "ix") as index:
        report = index.add([folder], follow_symlinks=True)
        assert report.added == 2
        assert [s.reason for s in report.skipped] == ["symlink to a folder read already"]


# what is not read is named --------------------------------------------------------------------

def test_hidden_and_unlistable_entries_are_named(tmp_path, encoder, monkeypatch):
    folder = _good_corpus(tmp_path / "news")
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
    folder = _good_corpus(tmp_path / "news")
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
    folder = _good_corpus(tmp_path / "news")
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


# read-only and damaged indexes ---------------------------------------------------------------

def _snapshot(folder: Path) -> dict[str, bytes]:
    """The index's own files (SQLite's -wal and -shm are its readers' too)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def test_a_read_only_index_is_searched_and_never_written(tmp_path, encoder, monkeypatch):
    """As another user's or a shared index opens: SQLite read-only, no lock, nothing saved.
    (Root may write anywhere: the directory is declared read-only, SQLite holds it so.)"""
    from embeddings import ReadOnlyIndexError
    from embeddings import index as index_module

    folder = _good_corpus(tmp_path / "news")
    with Index.open(tmp_path / "ix") as index:
        index.add([folder])
    (tmp_path / "ix" / "write.lock").unlink()
    before = _snapshot(tmp_path / "ix")
    monkeypatch.setattr(index_module, "_writable", lambda path, meta: False)
    with Index.open(tmp_path / "ix", create=False) as index:
        assert index.read_only
        _assert_good_answerable(index)
        index.warm()
        _assert_good_answerable(index)
        with pytest.raises(ReadOnlyIndexError, match="read-only"):
            index.add([Article(title="New", body="A new story about the harbour.")])
        with pytest.raises(ReadOnlyIndexError):
            index.remove([a.id for a in index.articles()])
    assert _snapshot(tmp_path / "ix") == before


def test_the_commands_read_an_index_on_a_read_only_disk(tmp_path, encoder):
    folder = _good_corpus(tmp_path / "news")
    with Index.open(tmp_path / "ix") as index:
        index.add([folder])
    mount = tmp_path / "ro"
    mount.mkdir()
    bound = subprocess.run(["mount", "--bind", str(tmp_path / "ix"), str(mount)],
                           capture_output=True)
    if bound.returncode != 0:
        pytest.skip("this machine cannot mount a read-only copy (needs root): "
                    + bound.stderr.decode(errors="replace")[-200:])
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], check=True)
        ask = subprocess.run([str(BIN / "ask"), "How much will the bridge toll be?",
                              "--index", str(mount)], capture_output=True, text=True)
        assert ask.returncode == 0 and "five dollars" in ask.stdout, ask.stderr[-1000:]
        search = subprocess.run([str(BIN / "newsdesk"), "search", "bridge toll", "--index",
                                 str(mount)], capture_output=True, text=True)
        assert search.returncode == 0 and "Bridge toll rises" in search.stdout
        info = subprocess.run([str(BIN / "newsdesk"), "info", "--check", "--index", str(mount)],
                              capture_output=True, text=True)
        assert info.returncode == 0 and "check: ok" in info.stdout, info.stderr[-1000:]
        index = subprocess.run([str(BIN / "newsdesk"), "index", str(folder), "--index",
                                str(mount)], capture_output=True, text=True)
        assert index.returncode == 1 and "read-only" in index.stderr
        assert "Traceback" not in index.stderr + ask.stderr + search.stderr + info.stderr
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_an_empty_database_beside_the_caches_is_damage_not_an_empty_index(tmp_path, encoder):
    from embeddings import IndexDamagedError

    folder = _good_corpus(tmp_path / "news")
    with Index.open(tmp_path / "ix") as index:
        index.add([folder])
    (tmp_path / "ix" / "meta.sqlite").write_bytes(b"")
    before = _snapshot(tmp_path / "ix")
    with pytest.raises(IndexDamagedError, match="truncated"):
        Index.open(tmp_path / "ix")
    done = subprocess.run([str(BIN / "ask"), "How much will the bridge toll be?", "--index",
                           str(tmp_path / "ix")], capture_output=True, text=True)
    assert done.returncode == 1 and "truncated" in done.stderr and "Traceback" not in done.stderr
    assert _snapshot(tmp_path / "ix") == before  # nothing was taken for an empty index


def test_a_damaged_database_page_gives_a_message_and_check_finds_it(tmp_path, encoder):
    import random

    folder = _good_corpus(tmp_path / "news")
    with Index.open(tmp_path / "ix") as index:
        index.add([folder])
    meta = tmp_path / "ix" / "meta.sqlite"
    data = bytearray(meta.read_bytes())
    page = data.index(b"five dollars") // 4096 * 4096  # the page holding an article's body
    data[page:page + 4096] = random.Random(5).randbytes(4096)
    meta.write_bytes(bytes(data))
    outputs = []
    for command in (["ask", "How much will the bridge toll be?"], ["newsdesk", "search", "toll"],
                    ["newsdesk", "info", "--check"]):
        done = subprocess.run([str(BIN / command[0]), *command[1:], "--index",
                               str(tmp_path / "ix")], capture_output=True, text=True)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
        outputs.append(done.stdout + done.stderr)
    assert "malformed" in outputs[0] and "newsdesk info --check" in outputs[0]
    assert "meta.sqlite is damaged" in outputs[2]


# one writer, many readers ---------------------------------------------------------------------

WRITER = r"""
import sys, time
from pathlib import Path
from embeddings import Article, Index
sys.path.insert(0, {tests!r})
from test_hostile import fact
ix, done, seconds = Path({ix!r}), Path({done!r}), {seconds!r}
end, edit = time.monotonic() + seconds, 0
with Index.open(ix) as index:
    while time.monotonic() < end:
        edit += 1
        index.add([fact(n, edit) for n in range(1, 7)])  # every article replaced: new chunks
        if edit == 3:
            index.add([fact(99, 0)])
            done.write_text("added")
print(edit)
"""


def fact(n: int, edit: int) -> Article:
    """Article n at one of its edits: the same fact, different words around it."""
    return Article(title=f"Harbour project phase {n}", url=f"https://t.example/phase-{n}",
                   body=(f"Edition {edit}. The harbour project phase {n} will cost {n * 3} "
                         f"million dollars, the council said. Work on phase {n} starts in "
                         f"spring. " + f"Residents of ward {n} were consulted. " * (edit % 3)))


def _answered(answer, n: int) -> bool:
    return answer.found and any(f"{n * 3} million" in q.text for q in answer.quotes)


@pytest.mark.slow
def test_readers_beside_a_busy_writer_see_whole_commits(tmp_path, encoder):
    """A long-lived reader (as the chat holds the index) and one-shot `ask`s while a writer
    replaces every article again and again: no error, no false "not found", and an
    article added by the writer is answered once committed."""
    ix, done = tmp_path / "ix", tmp_path / "added"
    with Index.open(ix) as index:
        index.add([fact(n, 0) for n in range(1, 7)])
    reader = Index.open(ix)  # opened before the writer starts, kept throughout
    writer = subprocess.Popen([sys.executable, "-c", WRITER.format(
        tests=str(Path(__file__).parent), ix=str(ix), done=str(done), seconds=12)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assistant = Assistant(reader)
    asked, misses, one_shots, saw_new = 0, [], [], False
    try:
        while writer.poll() is None:
            n = asked % 6 + 1
            if not _answered(assistant.ask(f"How much will harbour project phase {n} cost?"), n):
                misses.append(n)
            asked += 1
            if done.exists() and not saw_new:
                saw_new = _answered(assistant.ask("How much will harbour project phase 99 "
                                                  "cost?"), 99)
                assert saw_new, "the committed article was not answered"
            if asked % 10 == 0:
                one_shots.append(subprocess.run(
                    [str(BIN / "ask"), f"How much will harbour project phase {n} cost?",
                     "--index", str(ix)], capture_output=True, text=True))
        out, err = writer.communicate()
    finally:
        if writer.poll() is None:
            writer.kill()
        reader.close()
    assert writer.returncode == 0, err[-2000:]
    print(f"writer rounds {int(out)}, long-lived reader asks {asked}, false not found "
          f"{len(misses)}, one-shot asks {len(one_shots)}")
    assert int(out) >= 3 and saw_new and asked >= 10
    assert misses == []
    for run in one_shots:
        assert run.returncode == 0 and "million dollars" in run.stdout, run.stderr[-2000:]


# a full disk ----------------------------------------------------------------------------------

def _many(n: int) -> list[Article]:
    words = "council harbour budget ferry tunnel bridge school vote market storm".split()
    return [Article(title=f"Report {i}", url=f"https://t.example/report-{i}",
                    body=" ".join(f"In report {i} the {words[(i + j) % 10]} item {j} moved."
                                  for j in range(60)))
            for i in range(n)]


@pytest.mark.slow
def test_a_full_disk_keeps_what_was_committed_and_the_rerun_finishes(tmp_path, encoder):
    """A real small tmpfs, where this machine allows mounting one."""
    disk = tmp_path / "disk"
    disk.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(disk)],
                          capture_output=True)
    if made.returncode != 0:
        pytest.skip("this machine cannot mount a small tmpfs (needs root): "
                    + made.stderr.decode(errors="replace")[-200:])
    try:
        corpus = tmp_path / "corpus.jsonl"
        corpus.write_text("".join(
            '{"title": "%s", "url": "%s", "text": "%s"}\n' % (a.title, a.url, a.body)
            for a in _many(160)), encoding="utf-8")
        command = [str(BIN / "newsdesk"), "index", str(corpus), "--index", str(disk / "ix")]
        full = subprocess.run(command, capture_output=True, text=True)
        assert full.returncode == 1 and "is full" in full.stderr, full.stdout + full.stderr
        assert "Traceback" not in full.stderr
        check = subprocess.run([str(BIN / "newsdesk"), "info", "--check", "--index",
                                str(disk / "ix")], capture_output=True, text=True)
        assert check.returncode == 0 and "check: ok" in check.stdout, check.stderr[-2000:]
        assert not list((disk / "ix").glob("*.tmp"))
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        again = subprocess.run(command, capture_output=True, text=True)
        assert again.returncode == 0, again.stderr[-2000:]
        with Index.open(disk / "ix", create=False) as index:
            assert len(index) == 160 and not index.check()
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def _enospc(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("where", ["vector cache", "keyword cache"])
def test_a_cache_that_cannot_be_saved_leaves_its_old_file_and_a_note(tmp_path, encoder,
                                                                    monkeypatch, where):
    from embeddings import ann
    from embeddings.keywords import KeywordIndex
    from embeddings.vectors import VectorFile

    monkeypatch.setattr(ann, "EXACT_MAX", 0)  # a file at any size
    articles = _many(30)
    with Index.open(tmp_path / "ix") as index:
        index.add(articles[:10])
        name = "vectors.cache" if where == "vector cache" else "keywords.cache"
        before = (tmp_path / "ix" / name).read_bytes()
        monkeypatch.setattr(VectorFile if where == "vector cache" else KeywordIndex, "save",
                            _enospc)
        report = index.add(articles[10:])
        assert report.added == 20 and len(report.notes) == 1
        assert name in report.notes[0] and "No space left" in report.notes[0]
        assert (tmp_path / "ix" / name).read_bytes() == before  # the old file, whole
        monkeypatch.undo()
    with Index.open(tmp_path / "ix") as index:  # readers catch up from SQLite
        assert len(index) == 30 and not index.check()
        assert index.search("report 25 harbour")[0].article.title == "Report 25"


def test_a_full_disk_during_a_commit_is_a_clear_error_and_loses_no_commit(tmp_path, encoder,
                                                                          monkeypatch):
    import sqlite3

    from embeddings import DiskFullError
    from embeddings.store import MetaStore

    articles = _many(12)
    with Index.open(tmp_path / "ix") as index:
        index.add(articles[:4])
        real_commit = MetaStore.commit

        def full_once(store):
            monkeypatch.setattr(MetaStore, "commit", real_commit)
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(MetaStore, "commit", full_once)
        with pytest.raises(DiskFullError, match="is full") as caught:
            index.add(articles[4:])
        assert caught.value.errno == 28
        assert len(index) == 4
        assert index.add(articles[4:]).added == 8
    with Index.open(tmp_path / "ix") as index:
        assert len(index) == 12 and not index.check()


def test_a_killed_writers_temporary_files_are_removed_by_the_next_writer(tmp_path, encoder):
    with Index.open(tmp_path / "ix") as index:
        index.add(_many(2))
    for name in ("vectors.cache.4242.tmp", "keywords.cache.4242.tmp"):
        (tmp_path / "ix" / name).write_bytes(b"half written")
    with Index.open(tmp_path / "ix") as index:
        assert list((tmp_path / "ix").glob("*.tmp"))  # a reader leaves them: not its to judge
        index.add(_many(3))
    assert not list((tmp_path / "ix").glob("*.tmp"))


# junk in the index ----------------------------------------------------------------------------

def test_an_asking_word_no_article_uses_does_not_turn_an_answer_into_not_found(tmp_path,
                                                                              encoder,
                                                                              monkeypatch):
    """An unseen word is the rarest there is, and its idf grows with the index: indexing
    unrelated junk used to push a word like "find" past the rare-term rule. The rule's
    threshold is lowered here to where a small index's unseen words reach it, as a large
    index's do; a name the index lacks still refuses."""
    import assistant.assistant as assistant_module

    folder = _good_corpus(tmp_path / "news")
    with Index.open(tmp_path / "ix") as index:
        index.add([folder])
        index.add(_many(20))  # unrelated articles
        unseen = index.term_weights(["zzzunseen"])["zzzunseen"]
        monkeypatch.setattr(assistant_module, "RARE_TERM_IDF", unseen - 0.5)
        assistant = Assistant(index)
        answer = assistant.ask("What did officials find about the bridge toll next year?")
        assert index.unseen(["find"]) == {"find"}
        assert answer.found and "five dollars" in answer.quotes[0].text
        assert not assistant.ask("How much will the Zqwerty bridge toll be?").found


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


# writers ---------------------------------------------------------------------------------------

def test_a_second_writer_says_it_waits_then_writes(tmp_path, encoder):
    import threading

    from embeddings.locking import write_lock

    with Index.open(tmp_path / "ix") as index:
        index.add(_many(1))
        waited = threading.Event()
        with write_lock(tmp_path / "ix"):  # another writer holds the index
            worker = threading.Thread(target=lambda: index.add(_many(3), on_wait=waited.set))
            worker.start()
            assert waited.wait(10)
            assert worker.is_alive() and len(index) == 1
        worker.join(30)
        assert not worker.is_alive() and len(index) == 3


def test_a_writer_whose_lock_file_was_removed_loses_no_batch(tmp_path, encoder, monkeypatch):
    """Two writers at once (the lock file removed by hand): the second to commit an
    article replaces it rather than failing on the one the first committed meanwhile."""
    import contextlib

    from embeddings import index as index_module

    @contextlib.contextmanager
    def no_lock(directory, blocking=True, on_wait=None):
        yield True

    monkeypatch.setattr(index_module, "write_lock", no_lock)
    shared = _many(4)
    with Index.open(tmp_path / "ix") as first, Index.open(tmp_path / "ix") as second:
        def meanwhile(done, total):
            if done == 0:  # after reading, before the first batch is written
                assert second.add(shared[:2]).added == 2

        report = first.add(shared, progress=meanwhile)
        assert (report.added, report.updated) == (2, 2)
        assert len(first) == 4
    with Index.open(tmp_path / "ix") as index:
        assert len(index) == 4 and not index.check()


def test_a_lock_taken_on_a_removed_lock_file_is_taken_again(tmp_path):
    import threading
    import time

    from embeddings.locking import LOCK_FILE, write_lock

    tmp_path.joinpath("ix").mkdir()
    lock = tmp_path / "ix" / LOCK_FILE
    got = []
    with write_lock(tmp_path / "ix"):
        def second():
            with write_lock(tmp_path / "ix"):
                got.append(os.stat(lock).st_ino)
                with write_lock(tmp_path / "ix", blocking=False) as third:
                    got.append(third)

        worker = threading.Thread(target=second)
        worker.start()
        time.sleep(0.3)  # the second writer waits on the file...
        lock.unlink()  # ...which is removed by hand while held
    worker.join(10)
    assert got[1] is False  # the second holds the file there now: a third is kept out


def test_a_huge_k_is_a_usage_error(tmp_path, encoder):
    for command in (["ask", "x"], ["newsdesk", "search", "x"]):
        done = subprocess.run([str(BIN / command[0]), *command[1:], "-k",
                               "99999999999999999999", "--index", str(tmp_path)],
                              capture_output=True, text=True)
        assert done.returncode == 2 and "must be from 1 to 1000" in done.stderr
        assert "Traceback" not in done.stderr


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


# found in review ------------------------------------------------------------------------------

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


def test_output_that_cannot_be_written_is_an_error_not_a_silent_success(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run([str(BIN / "ask"), "anything", "--index", str(tmp_path / "none")],
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 2 and "no index" in done.stderr  # stderr still says why
    folder = _good_corpus(tmp_path / "news")
    subprocess.run([str(BIN / "newsdesk"), "index", str(folder), "--index",
                    str(tmp_path / "ix")], check=True, capture_output=True)
    with open("/dev/full", "w") as full:
        done = subprocess.run([str(BIN / "ask"), "How much will the bridge toll be?",
                               "--index", str(tmp_path / "ix")], stdout=full,
                              stderr=subprocess.PIPE, text=True)
    assert done.returncode == 120 and "output not written" in done.stderr


def test_the_numpy_matrix_grows_and_shrinks_batch_by_batch():
    import numpy as np

    from embeddings import ann

    rng = np.random.default_rng(5)
    grown = ann.empty(ann.EXACT, 8)
    all_ids, all_vectors = [], []
    for batch in range(12):
        ids = np.arange(batch * 50, batch * 50 + 50)
        vectors = rng.standard_normal((50, 8)).astype(np.float32)
        grown.add_with_ids(vectors, ids)
        all_ids.append(ids), all_vectors.append(vectors)
        if batch % 3 == 2:
            gone = ids[::4]
            assert ann.remove(grown, gone) == len(gone)
            keep = ~np.isin(all_ids[-1], gone)
            all_ids[-1], all_vectors[-1] = all_ids[-1][keep], all_vectors[-1][keep]
    whole = ann.build(ann.EXACT, 8, np.concatenate(all_ids), np.concatenate(all_vectors))
    assert grown.ntotal == whole.ntotal and np.array_equal(ann.ids(grown), ann.ids(whole))
    query = rng.standard_normal(8).astype(np.float32)
    for got, want in zip(ann.search(grown, query, 40), ann.search(whole, query, 40)):
        assert np.array_equal(got, want)


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


@pytest.mark.usefixtures("flat_cache")
def test_info_check_reports_a_damaged_cache_that_opening_mended(tmp_path, encoder, capsys):
    from assistant.cli.newsdesk import main

    with Index.open(tmp_path / "ix") as index:
        index.add(_many(6))
    cache = tmp_path / "ix" / "vectors.cache"
    data = bytearray(cache.read_bytes())
    data[-100] ^= 1
    cache.write_bytes(bytes(data))
    assert main(["info", "--check", "--index", str(tmp_path / "ix")]) == 1
    out = capsys.readouterr()
    assert "vectors.cache was damaged" in out.out and "rebuilt from meta.sqlite" in out.err
    assert main(["info", "--check", "--index", str(tmp_path / "ix")]) == 0  # saved whole
    assert "check: ok" in capsys.readouterr().out
