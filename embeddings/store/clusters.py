"""The SQL of story clusters (wire copies), mixed into `MetaStore`: each article's MinHash
signature, and which cluster it is in. `recluster` computes every cluster again from the
stored signatures, in the caller's transaction, so clusters are the same whatever order
articles came, went or changed in."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np

from ..records import Copy


class StoryClusters:
    """`MetaStore`'s cluster methods (it has `db`)."""

    def insert_signatures(self, signatures: Iterable[tuple[str, np.ndarray | None]]) -> None:
        from ..duplicates import to_blob

        self.db.executemany(
            "INSERT OR REPLACE INTO article_signatures(article_id, minhash) VALUES (?, ?)",
            [(aid, to_blob(sig)) for aid, sig in signatures if sig is not None])

    def recluster(self) -> int:
        """Compute the clusters again from every stored signature (inside the caller's
        transaction); returns how many articles are in clusters of two or more."""
        from ..duplicates import Member, clusters, from_blob

        members = []
        for aid, blob, published, added, title, outlet in self.db.execute(
                "SELECT s.article_id, s.minhash, a.published, a.added_at, a.title, a.outlet "
                "FROM article_signatures s JOIN articles a ON a.id = s.article_id"):
            sig = from_blob(blob)
            if sig is not None:
                members.append(Member(aid, sig, date.fromisoformat(published) if published
                                      else None, added or "", title, outlet))
        found = clusters(members)
        self.db.execute("DELETE FROM story_clusters")
        self.db.execute("INSERT OR REPLACE INTO manifest(key, value) VALUES "
                        "('clusters_current', 'true')")
        self.db.executemany("INSERT INTO story_clusters(article_id, cluster_id) VALUES (?, ?)",
                            sorted(found.items()))
        return len(found)

    def clusters_stale(self) -> None:
        """Say (inside a write) that articles changed since the clusters were computed."""
        self.db.execute("INSERT OR REPLACE INTO manifest(key, value) VALUES "
                        "('clusters_current', 'false')")

    def clusters_current(self) -> bool:
        row = self.db.execute(
            "SELECT value FROM manifest WHERE key = 'clusters_current'").fetchone()
        return row is None or row[0] == "true"

    def clusters_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """article id -> cluster id, for those of these articles in a cluster."""
        ids = list(dict.fromkeys(article_ids))
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out.update(self.db.execute(
                f"SELECT article_id, cluster_id FROM story_clusters "
                f"WHERE article_id IN ({','.join('?' * len(part))})", part).fetchall())
        return out

    def copies_of(self, article_ids: Iterable[str]) -> dict[str, list[Copy]]:
        """article id -> the other articles of its cluster, earliest first (none: absent)."""
        clusters = self.clusters_of(article_ids)
        if not clusters:
            return {}
        members: dict[str, list[Copy]] = {}
        wanted = sorted(set(clusters.values()))
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            for cid, aid, title, outlet, url, published in self.db.execute(
                    f"SELECT s.cluster_id, a.id, a.title, a.outlet, a.url, a.published "
                    f"FROM story_clusters s JOIN articles a ON a.id = s.article_id "
                    f"WHERE s.cluster_id IN ({','.join('?' * len(part))}) "
                    f"ORDER BY a.published IS NULL, a.published, a.added_at, a.id", part):
                members.setdefault(cid, []).append(Copy(
                    aid, title, outlet, url, date.fromisoformat(published) if published else None))
        return {aid: [c for c in members.get(cid, []) if c.article_id != aid]
                for aid, cid in clusters.items()}

    def cluster_count(self) -> tuple[int, int]:
        """(clusters of two or more, articles in them)."""
        n, members = self.db.execute(
            "SELECT count(DISTINCT cluster_id), count(*) FROM story_clusters").fetchone()
        return int(n), int(members)
