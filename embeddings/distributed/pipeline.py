"""The Ray Data pipeline of a cluster run, and the runtime it runs on.

`run` lists the input and plans its shards here, in the writer's process (a listing and,
for a large JSON Lines file, one pass counting its lines: no article is read here), then
streams back what the cluster read, chunked and embedded, in input order. The writer pulls
the stream; Ray Data runs ahead of it by at most `RayOptions.in_flight_bytes` of Ray's
object store, and stops reading until the writer has caught up (back-pressure).
"""
from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..chunking import ChunkerSettings
from ..errors import ClusterError
from ..readers import Skipped, article_files
from ..readers.shards import plan_shards
from ..records import Article, Chunk
from . import rows
from .options import RayOptions

EMBED_BATCH_ROWS = 16  # articles an encoder call takes (~150 passages)
READS_PER_CPU = 1 / 16  # reading and chunking are ~6% of the work: tasks a CPU of the cluster

Item = tuple[Article | rows.Known | Skipped, list[Chunk], np.ndarray | None, np.ndarray | None]


def run(paths: list[Path], articles: list[Article], known: dict[str, str],
        follow_symlinks: bool, chunker: ChunkerSettings, encoder,
        options: RayOptions) -> Iterator[Item]:
    """(item, chunks, vectors, signature) for everything read, in input order: an article
    to embed has its chunks, vectors and signature; an unchanged one (`rows.Known`) and a
    `Skipped` have none."""
    files = []
    for found in article_files(paths, follow_symlinks):
        if isinstance(found, Skipped):
            yield found, [], None, None
        else:
            files.append(found)
    shards = list(plan_shards(files, options.shard_bytes))
    if not shards and not articles:
        return  # nothing to read: no cluster to start
    ray = _import_ray()
    with runtime(options), _data_context(options):
        try:
            yield from _stream(ray, shards, articles, known, chunker, encoder, options)
        except ClusterError:
            raise
        except Exception as exc:  # a stage failed past Ray's retries, or Ray itself did
            raise ClusterError(f"the cluster run failed ({_cause(exc)}); what was committed "
                               f"is kept, run the same command to finish") from exc


def _stream(ray, shards, articles, known, chunker, encoder, options) -> Iterator[Item]:
    from ray.data import ActorPoolStrategy, TaskPoolStrategy

    from .source import ArticleShards
    from .stages import Embedder, chunk_rows

    digests = rows.digests(known)
    extra = [rows.article_row(a, unchanged=known.get(a.id) == a.content_hash) for a in articles]
    resources = ray.cluster_resources()
    cpus, gpus = float(resources.get("CPU", 1)), float(resources.get("GPU", 0))
    if options.gpus:  # one encoder a GPU, under torch (ONNX serves the CPU)
        if gpus < 1:
            raise ClusterError("RayOptions(gpus=True), but the cluster has no GPU")
        if encoder.backend == "onnx-int8":
            raise ClusterError("the index's encoder is int8 ONNX, which runs on CPUs: "
                               "index with gpus=False, or with the fp32 encoder")
        size, placement = options.encoders or int(gpus), {"num_gpus": 1}
        settings = {"backend": "torch", "device": "cuda", "threads": None}
    else:
        size = options.encoders or max(1, int(cpus // options.encoder_cpus))
        placement = {"num_cpus": options.encoder_cpus}
        settings = {"backend": encoder.backend, "device": "cpu",
                    "threads": max(1, int(options.encoder_cpus))}
    from ..onnx_export import configured_cache

    cache = configured_cache()
    reads = max(1, int(cpus * READS_PER_CPU + 0.5))
    source = ArticleShards(shards, extra, ray.put(digests), options.shard_bytes)
    ds = ray.data.read_datasource(source, num_cpus=0, compute=TaskPoolStrategy(size=reads))
    ds = ds.map_batches(chunk_rows, batch_format="pyarrow", num_cpus=0,
                        compute=TaskPoolStrategy(size=reads),
                        fn_kwargs={"settings": chunker})
    ds = ds.map_batches(Embedder, fn_constructor_kwargs={
                            "model": encoder.model_id, "onnx_cache": cache and str(cache),
                            **settings},
                        batch_format="pyarrow", batch_size=EMBED_BATCH_ROWS,
                        compute=ActorPoolStrategy(size=size, max_tasks_in_flight_per_actor=2),
                        **placement)
    dim = encoder.dim
    for batch in ds.iter_batches(batch_format="pyarrow", batch_size=None, prefetch_batches=1):
        for row in batch.to_pylist():
            item = rows.to_item(row)
            if isinstance(item, Article):
                yield (item, rows.chunks_of(row, item), rows.vectors_of(row, dim),
                       rows.signature_of(row))
            else:
                yield item, [], None, None


@contextlib.contextmanager
def runtime(options: RayOptions) -> Iterator[None]:
    """Connected to the cluster for the run: the caller's own connection where it has one,
    else `options.address`, else a runtime started here, on 127.0.0.1, and stopped after."""
    ray = _import_ray()
    if ray.is_initialized():
        yield
        return
    quiet = {"include_dashboard": False, "log_to_driver": False,
             "logging_level": logging.ERROR, "configure_logging": True}
    try:
        if options.local:
            with _loopback_only():
                ray.init(address="local", num_cpus=options.local_cpus,
                         num_gpus=None if options.gpus else 0, _node_ip_address="127.0.0.1",
                         **quiet)
        else:
            ray.init(address=options.address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "a local Ray runtime" if options.local else f"the Ray cluster at {options.address}"
        raise ClusterError(f"could not start or reach {where} ({_cause(exc)})") from exc
    try:
        yield
    finally:
        ray.shutdown()


@contextlib.contextmanager
def _data_context(options: RayOptions):
    """Ray Data's settings for the run, put back after: blocks come out in input order,
    no progress bars of its own, and at most `in_flight_bytes` of the object store used
    ahead of the writer."""
    from ray.data import DataContext, ExecutionResources

    ctx = DataContext.get_current()
    saved = (ctx.execution_options.preserve_order, ctx.enable_progress_bars,
             ctx.execution_options.resource_limits, ctx.print_on_execution_start)
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    ctx.execution_options.resource_limits = ExecutionResources(
        object_store_memory=options.in_flight_bytes)
    logger = logging.getLogger("ray.data")
    level = logger.level
    logger.setLevel(logging.ERROR)
    with warnings.catch_warnings():
        # pools larger than a small input's blocks: said as UserWarnings, not faults
        warnings.filterwarnings("ignore", message="The minimum number of concurrent actors")
        warnings.filterwarnings("ignore", message="The maximum number of concurrent tasks")
        try:
            yield ctx
        finally:
            (ctx.execution_options.preserve_order, ctx.enable_progress_bars,
             ctx.execution_options.resource_limits, ctx.print_on_execution_start) = saved
            logger.setLevel(level)


@contextlib.contextmanager
def _loopback_only() -> Iterator[None]:
    """While a local runtime starts: this machine is taken to be no cluster's node, so the
    runtime's node address is 127.0.0.1 and every one of its servers (GCS, raylet, agents,
    workers) listens on 127.0.0.1 alone. `ray.init`'s own `_node_ip_address="127.0.0.1"`
    is turned into the machine's address otherwise, and the servers listen on every
    interface. Ray reads the setting from `RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER`, which the
    processes it starts inherit, and from a constant this process read at import; both
    are put back once it has started."""
    from ray._private import ray_constants

    name = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
    saved_env, saved_constant = os.environ.get(name), ray_constants.ENABLE_RAY_CLUSTER
    os.environ[name] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved_constant
        if saved_env is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved_env


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ClusterError("indexing on a Ray cluster needs Ray: pip install "
                           "'newsdesk[ray]'") from exc
    return ray


def _cause(exc: BaseException) -> str:
    """What went wrong, in a line: a failed task's own error where Ray wraps one (its
    message starts with a `ray::Stage()` header), else the last line of the message."""
    inner = getattr(exc, "cause", None)
    if isinstance(inner, BaseException) and inner is not exc:
        return _cause(inner)
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
