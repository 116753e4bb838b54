"""The chunking and embedding stages, as Ray Data runs them on Arrow batches of rows."""
from __future__ import annotations

import pyarrow as pa

from ..chunking import ChunkerSettings, chunk_spans
from . import rows


def chunk_rows(batch: pa.Table, settings: ChunkerSettings) -> pa.Table:
    """Each article's chunk spans (as `chunking.chunk_article` cuts them) and MinHash
    signature; other rows pass with none."""
    from ..duplicates import signature, to_blob

    out = batch.to_pylist()
    for row in out:
        article = row["kind"] == rows.ARTICLE
        spans = chunk_spans(row["body"], settings) if article else []
        row["starts"] = [s for s, _, _ in spans]
        row["ends"] = [e for _, e, _ in spans]
        row["tokens"] = [n for _, _, n in spans]
        sig = signature(row["body"]) if article else None
        row["signature"] = to_blob(sig) if sig is not None else None
    return pa.Table.from_pylist(out, schema=rows.CHUNKED)


class Embedder:
    """An encoder actor: loads the model once, then embeds batch after batch, each passage
    as a local run embeds it (`writing.embed_text`)."""

    def __init__(self, model: str, backend: str, onnx_cache: str | None, threads: int | None,
                 device: str = "cpu"):
        from ..encoder import Encoder, configure

        configure(backend, onnx_cache)
        self.encoder = Encoder(model, device=device, threads=threads).load()

    def __call__(self, batch: pa.Table) -> pa.Table:
        from ..writing import embed_text

        out = batch.to_pylist()
        texts, counts = [], []
        for row in out:
            if row["kind"] == rows.ARTICLE:
                article = rows.to_article(row)
                texts += [embed_text(article, article.body[s:e])
                          for s, e in zip(row["starts"], row["ends"])]
            counts.append(len(row["starts"]))
        vectors = self.encoder.encode(texts)
        at = 0
        for row, n in zip(out, counts):
            row["vectors"] = vectors[at:at + n].tobytes() if n else None
            at += n
        return pa.Table.from_pylist(out, schema=rows.EMBEDDED)

