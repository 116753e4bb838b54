"""Indexing on a Ray cluster: reading and extraction, chunking and embedding run as Ray Data
stages on the cluster's machines, and the one writer of the index (the process that calls
`Index.add(..., ray=RayOptions(...))`) commits what comes back, in batches, as a local run
does. The served index stays one directory.

    reading    read_datasource(ArticleShards): one task a group of shards (readers.shards);
               an article whose content hash the index holds already goes no further
    chunking   map_batches(chunk_rows): chunk spans and MinHash signatures
    embedding  map_batches(Embedder, compute=ActorPoolStrategy): an actor pool, each actor
               holding the encoder, sized by the cluster's CPUs (or GPUs)
    writing    the caller's process: `Writing._embed_on_cluster`, through `pipeline.run`

Ray is an optional extra (`pip install newsdesk[ray]`); nothing here imports it until a
cluster run starts.
"""
from .options import RayOptions

__all__ = ["RayOptions"]
