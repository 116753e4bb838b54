"""`newsdesk watch` as a real subprocess: files written, changed and deleted in a folder
while it runs are indexed and pruned, and an index opened before (as the chat holds one)
sees each change without being opened again; Ctrl+C stops it cleanly."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from embeddings import Index, Query
from watcher import Watcher

BIN = Path(sys.executable).parent

FERRY = ("The harbour ferry returns to service on Saturday after three months of engine "
         "repairs, the port authority said.\n\n\"Crossings will run every hour from 7 a.m.,\" "
         "said harbour master Ines Walter.")
FERRY_LATER = FERRY.replace("every hour", "every half hour")
MARKET = ("The Thursday farmers' market moves to the old railway yard from June, the town "
          "council said, because the square will be dug up for new drains.")




def urls(index: Index, text: str) -> list[str]:
    return [r.article.url for r in index.search_articles(Query(text, k=5))]


@pytest.mark.slow
def test_watch_keeps_the_index_in_step_with_a_folder(tmp_path):
    folder = tmp_path / "clippings"
    folder.mkdir()
    (folder / "market.md").write_text(f"# Market moves to the railway yard\n\n{MARKET}\n")
    ix = tmp_path / "ix"
    watcher = Watcher(folder, ix)
    try:
        first = watcher.next()
        assert first["first"] and first["added"] == 1
        watcher.next("watching")
        reader = Index.open(ix, create=False)  # held open, as the chat holds its index

        ferry = folder / "ferry.json"
        ferry.write_text(json.dumps({"title": "Ferry returns", "text": FERRY,
                                     "url": "https://harbour.example/ferry"}))
        sync = watcher.next()
        assert sync["added"] == 1 and sync["changed"] == [str(ferry)]
        assert urls(reader, "harbour ferry crossings")[0] == "https://harbour.example/ferry"

        ferry.write_text(json.dumps({"title": "Ferry returns", "text": FERRY_LATER,
                                     "url": "https://harbour.example/ferry"}))
        assert watcher.next()["updated"] == 1
        hit = reader.search_articles(Query("harbour ferry crossings", k=1))[0]
        assert "every half hour" in hit.article.body

        (folder / ".draft.md").write_text("# Hidden\n\nNot for the index.\n")  # never read
        (folder / "notes.pdf").write_bytes(b"%PDF-1.4")  # not an article file
        ferry.unlink()
        gone = watcher.next()
        assert gone["removed"] == 1 and gone["gone"] == [str(ferry)]
        assert "https://harbour.example/ferry" not in urls(reader, "harbour ferry crossings")
        assert len(reader) == 1

        # a one-shot ask, started after, sees what the watch indexed
        (folder / "ferry.json").write_text(json.dumps({"title": "Ferry returns", "text": FERRY,
                                                       "url": "https://harbour.example/ferry"}))
        watcher.next()
        asked = subprocess.run([str(BIN / "ask"), "Who is the harbour master?", "--index",
                                str(ix), "--json"], capture_output=True, text=True, timeout=120)
        assert json.loads(asked.stdout)["sources"][0]["url"] == "https://harbour.example/ferry"
        reader.close()
    finally:
        code, err = watcher.stop()
    assert code == 0, err
    assert "Traceback" not in err
    with Index.open(ix) as index:  # nothing half done: the index is whole
        assert index.check() == [] and len(index) == 2


@pytest.mark.slow
def test_changes_made_while_nothing_watched_are_caught_up(tmp_path):
    folder = tmp_path / "clippings"
    folder.mkdir()
    (folder / "market.md").write_text(f"# Market moves\n\n{MARKET}\n")
    (folder / "ferry.md").write_text(f"# Ferry returns\n\n{FERRY}\n")
    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([folder])
    (folder / "ferry.md").unlink()
    watcher = Watcher(folder, ix)
    try:
        first = watcher.next()
        assert (first["added"], first["unchanged"], first["removed"]) == (0, 1, 1)
    finally:
        code, _ = watcher.stop()
    assert code == 0


def test_a_folder_that_is_not_there_is_refused(tmp_path):
    done = subprocess.run([str(BIN / "newsdesk"), "watch", str(tmp_path / "nope"), "--index",
                           str(tmp_path / "ix")], capture_output=True, text=True, timeout=60,
                          env={**os.environ})
    assert done.returncode == 2 and "not a folder" in done.stderr


@pytest.mark.slow
def test_ctrl_c_during_a_sync_lets_it_finish(tmp_path):
    """Ctrl+C while a sync is under way: the sync's commits all land (the file's articles
    are in whole, never in part), then the watch stops."""
    folder = tmp_path / "clippings"
    folder.mkdir()
    ix = tmp_path / "ix"
    watcher = Watcher(folder, ix)
    try:
        watcher.next()
        watcher.next("watching")
        many = 2500  # more passages than one batch commits (writing.BATCH_CHUNKS)
        (folder / "wire.jsonl").write_text("".join(
            json.dumps({"title": f"Brief {n}", "url": f"https://wire.example/{n}",
                        "text": f"Brief number {n}: the harbour ferry ran {n} crossings."}) + "\n"
            for n in range(many)))
        deadline = time.monotonic() + 120
        reader = Index.open(ix, create=False)
        while len(reader) == 0:  # the sync's first batch is committed: it is under way
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert len(reader) < many  # Ctrl+C comes inside the sync, not after it
        reader.close()
    finally:
        code, err = watcher.stop()
    assert code == 0, err
    with Index.open(ix) as index:
        assert len(index) == many and index.check() == []
