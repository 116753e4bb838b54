"""How an index is built on a Ray cluster (`Index.add(..., ray=RayOptions(...))`)."""
from __future__ import annotations

from dataclasses import dataclass

from ..writing import BATCH_CHUNKS
from ..readers.shards import SHARD_BYTES

LOCAL = "local"


@dataclass(frozen=True)
class RayOptions:
    """`address`: a running cluster ("auto", "ray://host:10001", "host:6379"), or "local"
    (or None) for a Ray runtime started on this machine for the run, bound to 127.0.0.1.

    `encoders`: the size of the encoder actor pool (None: one per `encoder_cpus` of the
    cluster's CPUs; one per GPU with `gpus`). `gpus`: embed on the cluster's GPUs, one
    encoder actor a GPU, under torch with CUDA (every node needs a CUDA build of torch; not
    measured here, where there is no GPU). `local_cpus`: the CPUs a local
    runtime may use (None: all of this machine's). `shard_bytes`: how much input one read
    task takes. `commit_chunks`: the passages the writer commits together. `in_flight_bytes`:
    the most the pipeline holds in Ray's object store ahead of the writer (back-pressure)."""

    address: str | None = None
    encoders: int | None = None
    encoder_cpus: float = 1.0
    gpus: bool = False
    local_cpus: int | None = None
    shard_bytes: int = SHARD_BYTES
    commit_chunks: int = BATCH_CHUNKS
    in_flight_bytes: int = 512 * 2**20

    @property
    def local(self) -> bool:
        return self.address in (None, "", LOCAL)
