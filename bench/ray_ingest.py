"""Indexing on Ray against indexing here, on the same sample, in one run.

    python bench/ray_ingest.py [--articles 300] [--cpus N] [--json]

Writes the first N news-5k articles as a JSON Lines file (in a temporary folder), then
times, each as a new process on an empty index:
  local   `newsdesk index SAMPLE`
  ray     `newsdesk index SAMPLE --ray` (a local Ray runtime, started and stopped by the
          command: its start-up is in the figure)
and, in this process, `Index.add(..., ray=...)` on a Ray runtime started beforehand (the
pipeline's own overhead, without the runtime's start). Prints passages/s of each and their
ratios to local, and checks that the Ray index holds the local one's passages and vectors.
On one 2-core machine Ray cannot be faster: the ratio is its overhead.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import news5k_or_exit, news5k_sample_file, timed_run  # noqa: E402

CLI = Path(sys.executable).parent / "newsdesk"


def timed_cli(source: Path, index: Path, *extra: str) -> tuple[float, dict]:
    wall, done = timed_run([str(CLI), "index", str(source), "--index", str(index), "--json",
                            *extra])
    if done.returncode != 0:
        sys.exit(f"newsdesk index {' '.join(extra)} failed:\n{done.stderr}")
    return wall, json.loads(done.stdout)


def timed_library(source: Path, index: Path, cpus: int | None) -> tuple[float, float]:
    """(seconds of the add alone, seconds the runtime took to start)."""
    from embeddings import Index
    from embeddings.distributed import RayOptions
    from embeddings.distributed.pipeline import runtime

    t0 = time.perf_counter()
    with runtime(RayOptions(local_cpus=cpus)):
        started = time.perf_counter() - t0
        with Index.open(index) as ix:
            t1 = time.perf_counter()
            ix.add([source], ray=RayOptions())
            return time.perf_counter() - t1, started


def vectors(index: Path) -> dict:
    import numpy as np

    db = sqlite3.connect(index / "meta.sqlite")
    try:
        return {(a, o, s, e): np.frombuffer(v, np.float32) for a, o, s, e, v in db.execute(
            'SELECT c.article_id, c.ordinal, c.start, c."end", v.vec FROM chunks c '
            "JOIN vectors v ON v.chunk_id = c.id")}
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--cpus", type=int, help="CPUs of the library run's runtime "
                        "(default: all; the CLI's runtime always takes all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    news5k_or_exit()
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-ray-bench-"))
    try:
        source = news5k_sample_file(folder, args.articles)
        local_s, local = timed_cli(source, folder / "local")
        ray_s, on_ray = timed_cli(source, folder / "ray", "--ray")
        lib_s, start_s = timed_library(source, folder / "library", args.cpus)
        passages = local["chunks"]
        assert on_ray["chunks"] == passages and on_ray["added"] == local["added"]
        want, got = vectors(folder / "local"), vectors(folder / "ray")
        assert want.keys() == got.keys(), "the Ray index's passages differ from the local one's"
        min_cos = min(float(want[k] @ got[k]) for k in want)
        figures = {
            "articles": local["added"], "passages": passages,
            "local_s": round(local_s, 1), "local_passages_per_s": round(passages / local_s, 2),
            "ray_s": round(ray_s, 1), "ray_passages_per_s": round(passages / ray_s, 2),
            "ratio_ray_to_local": round(local_s / ray_s, 3),
            "library_ray_add_s": round(lib_s, 1),
            "library_ray_passages_per_s": round(passages / lib_s, 2),
            "ratio_library_ray_to_local": round(local_s / lib_s, 3),
            "ray_runtime_start_s": round(start_s, 1),
            "min_cosine_ray_vs_local": round(min_cos, 6),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"sample: {figures['articles']} news-5k articles, {passages} passages")
    print(f"local  newsdesk index        {local_s:7.1f} s  {figures['local_passages_per_s']:6.2f} passages/s")
    print(f"ray    newsdesk index --ray  {ray_s:7.1f} s  {figures['ray_passages_per_s']:6.2f} passages/s"
          f"  ratio {figures['ratio_ray_to_local']:.3f} (target >= 0.8)")
    print(f"ray    Index.add, runtime up {lib_s:7.1f} s  {figures['library_ray_passages_per_s']:6.2f} "
          f"passages/s  ratio {figures['ratio_library_ray_to_local']:.3f} (runtime start "
          f"{start_s:.1f} s, not counted)")
    print(f"vectors: min cosine, Ray against local, {min_cos:.6f}")


if __name__ == "__main__":
    main()
