"""The reading stage: a Ray Data datasource over the input's shards (`readers.shards`).

Each read task takes a run of shards of about `shard_bytes` in all (many small files, or
one piece of a large JSON Lines file) and yields its rows in blocks of `BLOCK_ROWS`, so no
task holds more than a shard's articles. An article the index holds unchanged (its id and
content hash among the index's digests) leaves as a row of its id and source alone: it is
never chunked, embedded or shipped again.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from ..readers import Skipped
from ..readers.shards import Shard, read_shard
from . import rows

BLOCK_ROWS = 64  # articles a block: ~30 embedding calls' worth of passages in flight


class ArticleShards(Datasource):
    """`shards` read in order, then `extra` (Article objects given as such, as rows)."""

    def __init__(self, shards: list[Shard], extra: list[dict], known_digests,
                 shard_bytes: int):
        super().__init__()
        self.shards = shards
        self.extra = extra
        self.known = known_digests  # an ObjectRef of the sorted digests, fetched once a task
        self.shard_bytes = shard_bytes

    def get_name(self) -> str:
        return "ReadArticles"

    def estimate_inmemory_data_size(self) -> int | None:
        return sum(s.bytes for s in self.shards) or None

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                       data_context=None) -> list[ReadTask]:
        tasks = []
        for group in _groups(self.shards, self.shard_bytes):
            size = sum(s.bytes for s in group)
            meta = BlockMetadata(num_rows=None, size_bytes=size, exec_stats=None,
                                 input_files=tuple(dict.fromkeys(s.file for s in group)))
            tasks.append(ReadTask(_reader(group, self.known), meta,
                                  per_task_row_limit=per_task_row_limit))
        if self.extra:
            extra = self.extra
            meta = BlockMetadata(num_rows=len(extra), size_bytes=None, exec_stats=None,
                                 input_files=None)
            tasks.append(ReadTask(lambda: _blocks(iter(extra)), meta,
                                  per_task_row_limit=per_task_row_limit))
        return tasks


def _groups(shards: list[Shard], shard_bytes: int) -> Iterator[list[Shard]]:
    group: list[Shard] = []
    size = 0
    for shard in shards:
        if group and size + shard.bytes > shard_bytes:
            yield group
            group, size = [], 0
        group.append(shard)
        size += shard.bytes
    if group:
        yield group


def _reader(group: list[Shard], known_ref):
    def read() -> Iterator[pa.Table]:
        import ray

        known = ray.get(known_ref)
        return _blocks(_rows(group, known))

    return read


def _rows(group: list[Shard], known) -> Iterator[dict]:
    for shard in group:
        for item in read_shard(shard):
            if isinstance(item, Skipped):
                yield rows.skipped_row(item)
            else:
                same = rows.holds(known, rows.digest(item.id, item.content_hash))
                yield rows.article_row(item, unchanged=same)


def _blocks(items: Iterator[dict]) -> Iterator[pa.Table]:
    block: list[dict] = []
    for row in items:
        block.append(row)
        if len(block) >= BLOCK_ROWS:
            yield pa.Table.from_pylist(block, schema=rows.READ)
            block = []
    if block:
        yield pa.Table.from_pylist(block, schema=rows.READ)
