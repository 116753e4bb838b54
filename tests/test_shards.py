"""Input cut into shards (readers.shards): a cluster's read tasks, together, read exactly what
one reading of the whole file reads, with the same source lines."""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embeddings.readers import article_files, read_file
from embeddings.readers.shards import Shard, plan_shards, read_shard


def _record(i: int, text: str) -> str:
    return json.dumps({"url": f"https://news.example/{i}", "title": f"Story {i}",
                       "text": text}, ensure_ascii=False)


def _items(items) -> list:
    return [(type(x).__name__, getattr(x, "id", None), getattr(x, "source", None),
             getattr(x, "reason", None)) for x in items]


def _by_shards(path: Path, shard_bytes: int) -> tuple[list, int]:
    shards = list(plan_shards([path], shard_bytes))
    return _items(x for s in shards for x in read_shard(s)), len(shards)


def test_a_large_json_lines_file_is_cut_at_line_breaks_and_keeps_its_line_numbers(tmp_path):
    path = tmp_path / "dump.jsonl"
    lines = [_record(i, f"Paragraph {i} of a story. " * (i % 7 + 1)) for i in range(200)]
    lines[17] = "{not json"
    lines[50] = ""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = _items(read_file(path))
    sharded, count = _by_shards(path, 2048)
    assert count > 5
    assert sharded == whole
    assert ("Skipped", None, f"{path}:18", "malformed JSON line (Expecting property name "
            "enclosed in double quotes)") in sharded


def test_files_a_shard_cannot_split_are_whole_shards(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([json.loads(_record(i, "Text here.")) for i in
                                                 range(50)]), encoding="utf-8")
    (tmp_path / "b.md").write_text("# Title\n\nBody text of an article.\n", encoding="utf-8")
    import gzip

    with gzip.open(tmp_path / "c.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(_record(i, "Gzipped text.") for i in range(50)) + "\n")
    files = [f for f in article_files([tmp_path]) if isinstance(f, Path)]
    shards = list(plan_shards(files, 64))
    assert [s.end for s in shards] == [None, None, None]
    assert _items(x for s in shards for x in read_shard(s)) == \
        _items(x for f in files for x in read_file(f))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(min_size=1, max_size=80).filter(str.strip), min_size=1,
                      max_size=40),
       noise=st.lists(st.sampled_from(["", "  ", "[1, 2]", "{bad", "\r"]), max_size=5),
       shard_bytes=st.integers(min_value=1, max_value=400), crlf=st.booleans(),
       last_break=st.booleans())
def test_shards_read_exactly_what_the_whole_file_reads(tmp_path_factory, texts, noise,
                                                       shard_bytes, crlf, last_break):
    path = tmp_path_factory.mktemp("shards") / "records.jsonl"
    lines = [_record(i, t) for i, t in enumerate(texts)]
    for i, junk in enumerate(noise):
        lines.insert((i * 7) % (len(lines) + 1), junk)
    sep = "\r\n" if crlf else "\n"
    path.write_bytes((sep.join(lines) + (sep if last_break else "")).encode("utf-8"))
    sharded, _ = _by_shards(path, shard_bytes)
    assert sharded == _items(read_file(path))


def test_a_file_in_another_encoding_is_read_whole_as_a_local_run_reads_it(tmp_path):
    lines = [_record(i, f"Caf\u00e9 story {i}, long enough to be cut into shards.")
             for i in range(40)]
    text = "\n".join(lines) + "\n"
    cases = {"bom.jsonl": b"\xef\xbb\xbf" + text.encode("utf-8"),
             "latin1.jsonl": text.encode("latin-1"),
             "utf16.jsonl": text.encode("utf-16-le"),
             "one-bad-byte.jsonl": text.encode("utf-8").replace(b"story 7", b"story \xe9")}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert list(plan_shards([path], 256)) == [Shard(str(path), len(data))]
        assert _by_shards(path, 256)[0] == _items(read_file(path)), name
