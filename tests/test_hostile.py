"""The index under hostile conditions (issue 12): read-only and damaged indexes, a writer
beside readers, a full disk, several writers, junk in the index, output that cannot be
written."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hostile import BIN, assert_good_answerable, good_corpus, many

from assistant import Assistant
from embeddings import Article, Index


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

    folder = good_corpus(tmp_path / "news")
    with Index.open(tmp_path / "ix") as index:
        index.add([folder])
    (tmp_path / "ix" / "write.lock").unlink()
    before = _snapshot(tmp_path / "ix")
    monkeypatch.setattr(index_module, "_writable", lambda path, meta: False)
    with Index.open(tmp_path / "ix", create=False) as index:
        assert index.read_only
        assert_good_answerable(index)
        index.warm()
        assert_good_answerable(index)
        with pytest.raises(ReadOnlyIndexError, match="read-only"):
            index.add([Article(title="New", body="A new story about the harbour.")])
        with pytest.raises(ReadOnlyIndexError):
            index.remove([a.id for a in index.articles()])
    assert _snapshot(tmp_path / "ix") == before


def test_the_commands_read_an_index_on_a_read_only_disk(tmp_path, encoder):
    folder = good_corpus(tmp_path / "news")
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
        repair = subprocess.run([str(BIN / "newsdesk"), "repair", "--index", str(mount)],
                                capture_output=True, text=True)
        assert repair.returncode == 1 and "read-only" in repair.stderr
        assert "Traceback" not in (index.stderr + ask.stderr + search.stderr + info.stderr
                                   + repair.stderr)
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_an_empty_database_beside_the_caches_is_damage_not_an_empty_index(tmp_path, encoder):
    from embeddings import IndexDamagedError

    folder = good_corpus(tmp_path / "news")
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

    folder = good_corpus(tmp_path / "news")
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
            for a in many(160)), encoding="utf-8")
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
    articles = many(30)
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

    articles = many(12)
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
        index.add(many(2))
    for name in ("vectors.cache.4242.tmp", "keywords.cache.4242.tmp"):
        (tmp_path / "ix" / name).write_bytes(b"half written")
    with Index.open(tmp_path / "ix") as index:
        assert list((tmp_path / "ix").glob("*.tmp"))  # a reader leaves them: not its to judge
        index.add(many(3))
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

    folder = good_corpus(tmp_path / "news")
    with Index.open(tmp_path / "ix") as index:
        index.add([folder])
        index.add(many(20))  # unrelated articles
        unseen = index.term_weights(["zzzunseen"])["zzzunseen"]
        monkeypatch.setattr(assistant_module, "RARE_TERM_IDF", unseen - 0.5)
        assistant = Assistant(index)
        answer = assistant.ask("What did officials find about the bridge toll next year?")
        assert index.unseen(["find"]) == {"find"}
        assert answer.found and "five dollars" in answer.quotes[0].text
        assert not assistant.ask("How much will the Zqwerty bridge toll be?").found


# writers ---------------------------------------------------------------------------------------


def test_a_second_writer_says_it_waits_then_writes(tmp_path, encoder):
    import threading

    from embeddings.locking import write_lock

    with Index.open(tmp_path / "ix") as index:
        index.add(many(1))
        waited = threading.Event()
        with write_lock(tmp_path / "ix"):  # another writer holds the index
            worker = threading.Thread(target=lambda: index.add(many(3), on_wait=waited.set))
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

    from embeddings import writing

    monkeypatch.setattr(index_module, "write_lock", no_lock)  # opening
    monkeypatch.setattr(writing, "write_lock", no_lock)  # writing
    shared = many(4)
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


def test_a_lock_file_renamed_away_while_held_excludes_nobody(tmp_path):
    from embeddings.locking import LOCK_FILE, write_lock

    tmp_path.joinpath("ix").mkdir()
    with write_lock(tmp_path / "ix"):
        (tmp_path / "ix" / LOCK_FILE).rename(tmp_path / "ix" / "aside.lock")  # by hand
        with write_lock(tmp_path / "ix", blocking=False) as second:
            assert second is True  # the file at the path now is free
            with write_lock(tmp_path / "ix", blocking=False) as third:
                assert third is False


@pytest.mark.skipif(not hasattr(signal, "setitimer") or not os.path.isdir("/proc/self/fd"),
                    reason="needs POSIX timers and /proc")
def test_an_interrupted_wait_for_the_lock_leaves_no_descriptor(tmp_path):
    import threading

    from embeddings.locking import write_lock

    class Interrupted(Exception):
        pass

    def interrupt(*args):
        raise Interrupted

    tmp_path.joinpath("ix").mkdir()
    held, done = threading.Event(), threading.Event()

    def holder():
        with write_lock(tmp_path / "ix"):
            held.set()
            done.wait(30)

    worker = threading.Thread(target=holder)
    worker.start()
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        assert held.wait(10)
        before = sorted(os.listdir("/proc/self/fd"))
        waits = []
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(Interrupted):
            with write_lock(tmp_path / "ix", on_wait=lambda: waits.append(1)):
                pass
        assert waits == [1] and sorted(os.listdir("/proc/self/fd")) == before
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        done.set()
        worker.join(10)


def test_a_huge_k_is_a_usage_error(tmp_path, encoder):
    for command in (["ask", "x"], ["newsdesk", "search", "x"]):
        done = subprocess.run([str(BIN / command[0]), *command[1:], "-k",
                               "99999999999999999999", "--index", str(tmp_path)],
                              capture_output=True, text=True)
        assert done.returncode == 2 and "must be from 1 to 1000" in done.stderr
        assert "Traceback" not in done.stderr


def test_output_that_cannot_be_written_is_an_error_not_a_silent_success(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run([str(BIN / "ask"), "anything", "--index", str(tmp_path / "none")],
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 2 and "no index" in done.stderr  # stderr still says why
    folder = good_corpus(tmp_path / "news")
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


@pytest.mark.usefixtures("flat_cache")
def test_info_check_reports_a_damaged_cache_until_repair_saves_it(tmp_path, encoder, capsys):
    from assistant.cli.newsdesk import main

    with Index.open(tmp_path / "ix") as index:
        index.add(many(6))
    cache = tmp_path / "ix" / "vectors.cache"
    data = bytearray(cache.read_bytes())
    data[-100] ^= 1
    cache.write_bytes(bytes(data))
    for _ in range(2):  # a reader (info) mends nothing on disk: the damage stays until repair
        assert main(["info", "--check", "--index", str(tmp_path / "ix")]) == 1
        out = capsys.readouterr()
        assert "vectors.cache is damaged" in out.out and "newsdesk repair" in out.out
        assert "read from meta.sqlite for this run" in out.err  # opening's note
    assert cache.read_bytes() == bytes(data)
    assert main(["repair", "--index", str(tmp_path / "ix")]) == 0
    assert "vectors.cache" in capsys.readouterr().out
    assert main(["info", "--check", "--index", str(tmp_path / "ix")]) == 0
    out = capsys.readouterr()
    assert "check: ok" in out.out and out.err == ""
