"""Indexing on a real local Ray runtime (2 CPUs): the index it builds is the local build's,
article for article, passage for passage, vector for vector, and answers alike; a worker
killed during a run loses and duplicates nothing once the run is repeated."""
from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT, write_corpus

ray = pytest.importorskip("ray", reason="Ray is an extra: pip install 'newsdesk[ray]'")

from embeddings import Index  # noqa: E402
from embeddings.distributed import RayOptions  # noqa: E402
from embeddings.distributed.pipeline import runtime  # noqa: E402

pytestmark = pytest.mark.slow

NEWS5K = ROOT.parent / "shared" / "data" / "news-5k"
QUIZ_QUESTIONS = 6  # questions whose gold articles join the sample
SHORT_ARTICLES = 250  # and the shortest news-5k articles beside them (~1 passage each)
SHARD_BYTES = 32 * 1024  # small shards: the sample's JSON Lines file is read by many tasks


def _news5k_sample(folder: Path) -> list[dict]:
    """The gold articles of a few quiz questions and the shortest other articles, written
    as one JSON Lines file (the shared data stays where it lies); the questions."""
    if not (NEWS5K / "articles.jsonl.gz").exists():
        return []
    with gzip.open(NEWS5K / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    questions = [json.loads(line) for line in
                 (NEWS5K / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    by_url = {r["url"]: r for r in records}
    quiz = [q for q in questions if all(u in by_url for u in q["gold_urls"])][:QUIZ_QUESTIONS]
    gold = {u for q in quiz for u in q["gold_urls"]}
    others = sorted((r for r in records if r["url"] not in gold), key=lambda r: len(r["text"]))
    sample = [by_url[u] for u in sorted(gold)] + others[:SHORT_ARTICLES]
    with open(folder / "news5k-sample.jsonl", "w", encoding="utf-8") as f:
        for record in sample:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return quiz


# first, before the module's runtime starts: these start (or fail to start) their own
def test_the_cli_indexes_on_a_local_ray_runtime_and_stops_it(tmp_path):
    index = tmp_path / "index"
    cli = Path(sys.executable).parent / "newsdesk"
    done = subprocess.run([str(cli), "index", str(ROOT / "examples"), "--index", str(index),
                           "--ray", "--json"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 1
    with Index.open(index, create=False) as built:
        assert len(built) == 1
    # the runtime it started is gone with it
    for _ in range(50):
        left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and
                _name_of(p) in ("raylet", "gcs_server")]
        if not left:
            break
        time.sleep(0.2)
    assert not left


def _name_of(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""


def test_a_source_after_ray_is_not_taken_for_an_address(tmp_path):
    cli = Path(sys.executable).parent / "newsdesk"
    done = subprocess.run([str(cli), "index", "--ray", str(ROOT / "examples"), "--index",
                           str(tmp_path / "ix")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not a Ray address" in done.stderr


def test_without_ray_a_cluster_run_says_how_to_get_it(tmp_path):
    code = ("import sys; sys.modules['ray'] = None\n"
            "from embeddings import Index\n"
            "from embeddings.distributed import RayOptions\n"
            "from embeddings.errors import ClusterError\n"
            "try:\n"
            f"    Index.open({str(tmp_path / 'ix')!r}).add([{str(ROOT / 'examples')!r}], "
            "ray=RayOptions())\n"
            "except ClusterError as exc:\n"
            "    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "pip install 'newsdesk[ray]'" in done.stdout, done.stderr


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = write_corpus(tmp_path_factory.mktemp("ray-inputs"))
    for example in sorted((ROOT / "examples").iterdir()):
        if example.is_file():
            (folder / example.name).write_bytes(example.read_bytes())
    return folder, _news5k_sample(folder)


@pytest.fixture(scope="module")
def local_build(inputs, tmp_path_factory):
    path = tmp_path_factory.mktemp("local") / "index"
    with Index.open(path) as index:
        index.add([inputs[0]])
    return path


@pytest.fixture(scope="module")
def cluster():
    """One local Ray runtime, of 2 CPUs, for the module's runs; none of its processes
    listens on anything but the loopback address."""
    with runtime(RayOptions(local_cpus=2)):
        assert ray.cluster_resources()["CPU"] == 2
        assert _listening_beyond_loopback(_descendants(os.getpid())) == []
        yield


def _descendants(root: int) -> set[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return found - {root}


def _listening_beyond_loopback(pids: set[int]) -> list[tuple[int, str]]:
    """(pid, local address) of each listening TCP socket of these processes that is not
    bound to 127.0.0.1 or ::1."""
    wide = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            address = local.split(":")[0]
            loopback = address in ("0100007F", "00000000000000000000000001000000",
                                   "0000000000000000FFFF00000100007F")  # ::ffff:127.0.0.1
            if state == "0A" and not loopback:  # 0A: LISTEN
                wide[f"socket:[{inode}]"] = local
    out = []
    for pid in pids:
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        out += [(pid, wide[link]) for link in links if link in wide]
    return out


def _contents(path: Path) -> tuple[dict, dict, list]:
    """Everything an index stores of its articles, passages and vectors."""
    db = sqlite3.connect(path / "meta.sqlite")
    try:
        articles = {row[0]: row[1:] for row in db.execute(
            "SELECT id, url, title, outlet, authors, published, body, content_hash, "
            "source_file, source_line, source_record FROM articles")}
        passages = {}
        for aid, ordinal, start, end, tokens, vec in db.execute(
                'SELECT c.article_id, c.ordinal, c.start, c."end", c.tokens, v.vec '
                "FROM chunks c JOIN vectors v ON v.chunk_id = c.id"):
            assert (aid, ordinal) not in passages
            passages[(aid, ordinal)] = ((start, end, tokens), np.frombuffer(vec, np.float32))
        order = [row[0] for row in db.execute("SELECT article_id FROM chunks ORDER BY id")]
        return articles, passages, order
    finally:
        db.close()


def assert_same_index(built: Path, expected: Path) -> None:
    articles, passages, order = _contents(built)
    want_articles, want_passages, want_order = _contents(expected)
    assert articles == want_articles
    assert passages.keys() == want_passages.keys()
    assert all(passages[k][0] == want_passages[k][0] for k in passages)
    cosines = [float(passages[k][1] @ want_passages[k][1]) for k in passages]
    assert min(cosines) >= 0.999
    assert order == want_order  # committed in input order, as a local run commits


def _answers(path: Path, questions: list[str]) -> list:
    from assistant import Assistant

    with Index.open(path, create=False) as index:
        assistant = Assistant(index)
        out = []
        for question in questions:
            answer = assistant.ask(question)
            out.append((answer.found, [(q.article_id, q.start, q.end) for q in answer.quotes],
                        [(s.article_id, s.url) for s in answer.sources]))
        return out


def test_a_ray_build_is_the_local_build_and_answers_alike(inputs, local_build, cluster,
                                                          tmp_path):
    folder, quiz = inputs
    path = tmp_path / "index"
    with Index.open(path) as index:
        report = index.add([folder], ray=RayOptions(shard_bytes=SHARD_BYTES))
    with Index.open(local_build, create=False) as local:
        assert report.added == len(local) and report.chunks == local.stats()["chunks"]
    assert_same_index(path, local_build)
    questions = ["When does the plastic bag ban take effect?", "What did Lavrov say?",
                 *[q["question"] for q in quiz]]
    assert _answers(path, questions) == _answers(local_build, questions)

    # incremental: nothing unchanged goes to be chunked or embedded again
    with Index.open(path) as index:
        again = index.add([folder], ray=RayOptions(shard_bytes=SHARD_BYTES))
    assert (again.added, again.updated, again.chunks) == (0, 0, 0)
    assert again.unchanged == report.added


def test_an_unchanged_article_leaves_the_reading_stage_as_its_id_alone(inputs, tmp_path):
    from embeddings.distributed import rows
    from embeddings.distributed.source import _rows
    from embeddings.readers import read_file
    from embeddings.readers.shards import plan_shards

    records = inputs[0] / "records.jsonl"
    articles = [a for a in read_file(records)]
    known = rows.digests({articles[0].id: articles[0].content_hash,
                          articles[1].id: "another hash: changed since"})
    out = list(_rows(list(plan_shards([records])), known))
    assert [r["kind"] for r in out] == ["unchanged", "article", "article"]
    assert out[0]["body"] is None and out[0]["title"] is None
    assert out[1]["body"] == articles[1].body


def _encoder_workers() -> list[int]:
    """The process ids of this runtime's encoder actors (Ray names its workers' processes)."""
    pids = []
    for pid in sorted(_descendants(os.getpid())):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ray::" in cmdline and b"Embedder" in cmdline:
            pids.append(pid)
    return pids


def test_a_worker_killed_during_a_run_loses_and_duplicates_nothing(inputs, local_build,
                                                                   cluster, tmp_path):
    path = tmp_path / "index"
    killed = []

    def kill_after_first_commit(done, total):
        if done and not killed:
            workers = _encoder_workers()
            assert workers, "no encoder actor process found to kill"
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

    options = RayOptions(shard_bytes=SHARD_BYTES, commit_chunks=32)
    from embeddings.errors import ClusterError

    with Index.open(path) as index:
        try:
            index.add([inputs[0]], ray=options, progress=kill_after_first_commit)
            finished = True
        except ClusterError:  # failed past Ray's retries: what was committed is kept
            finished = False
    assert killed
    if finished:  # Ray restarted the actor and retried its batch: nothing lost already
        assert_same_index(path, local_build)
    with Index.open(path) as index:
        again = index.add([inputs[0]], ray=options)
    assert_same_index(path, local_build)
    if finished:
        assert (again.added, again.updated) == (0, 0)


FILES = 1200


def test_the_writer_holds_the_cluster_back(tmp_path, cluster):
    """A writer that does not take what comes back stops the reading: the run does not read
    its whole input into Ray's object store ahead of the writer (back-pressure)."""
    folder = tmp_path / "many"  # of FILES one-passage articles
    folder.mkdir()
    text = "A sentence that makes the article long enough to weigh something. " * 8
    for i in range(FILES):
        (folder / f"{i:04}.md").write_text(f"# Story {i}\n\n{i}. {text}\n", encoding="utf-8")
    options = RayOptions(shard_bytes=16 * 1024, in_flight_bytes=256 * 1024, commit_chunks=1)
    deleted = []

    def stall_then_delete(done, total):
        if done and not deleted:  # the writer stalls; then the rest of the input goes
            time.sleep(6)
            for file in sorted(folder.iterdir()):
                file.unlink()
                deleted.append(file)

    with Index.open(tmp_path / "index") as index:
        report = index.add([folder], ray=options, progress=stall_then_delete)
    unread = [s for s in report.skipped if "cannot read" in s.reason]
    assert report.added + len(unread) == FILES
    assert len(unread) > FILES // 2, (report.added, len(unread))
