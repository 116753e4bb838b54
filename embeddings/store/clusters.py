"""The SQL of story clusters (wire copies), mixed into `MetaStore`: each article's MinHash
signature, and which cluster it is in. `recluster` computes every cluster again from the
stored signatures, in the caller's transaction, so clusters are the same whatever order
articles came, went or changed in.

`recluster_around` does the same work for the part a write touched: the articles it
added, changed or removed, their former cluster-mates, and every article reachable from
those through look-alike bodies (compared with all stored signatures at once, in numpy).
A cluster only ever depends on its look-alikes, so clustering that connected part alone
gives what clustering everything would, in milliseconds rather than a second at 5,000
articles (a watched folder syncs each change so)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np

from ..records import Copy
from .sql import execute_in, rows_in


class StoryClusters:
    """`MetaStore`'s cluster methods (it has `db`)."""

    def insert_signatures(self, signatures: Iterable[tuple[str, np.ndarray | None]]) -> None:
        from ..duplicates import to_blob

        self.db.executemany(
            "INSERT OR REPLACE INTO article_signatures(article_id, minhash) VALUES (?, ?)",
            [(aid, to_blob(sig)) for aid, sig in signatures if sig is not None])

    def _members(self) -> list:
        """Every stored signature as a `duplicates.Member`."""
        from ..duplicates import Member, from_blob

        members = []
        for aid, blob, published, added, title, outlet in self.db.execute(
                "SELECT s.article_id, s.minhash, a.published, a.added_at, a.title, a.outlet "
                "FROM article_signatures s JOIN articles a ON a.id = s.article_id"):
            sig = from_blob(blob)
            if sig is not None:
                members.append(Member(aid, sig, date.fromisoformat(published) if published
                                      else None, added or "", title, outlet))
        return members

    def cluster_mates(self, article_ids: Iterable[str]) -> set[str]:
        """The members of the clusters these articles are in (them included)."""
        clusters = set(self.clusters_of(article_ids).values())
        return {r[0] for r in rows_in(
            self.db, "SELECT article_id FROM story_clusters WHERE cluster_id IN ({marks})",
            clusters)}

    def recluster_around(self, touched: Iterable[str]) -> int:
        """Compute again the clusters of the part of the index that these articles (and
        former cluster-mates, which the caller includes) reach through look-alike bodies;
        see the module's note. Inside the caller's transaction; returns the articles in
        that part."""
        from ..duplicates import reachable

        touched = set(touched)
        members = self._members()
        part = reachable(members, touched)
        gone = touched - {m.article_id for m in members}
        execute_in(self.db, "DELETE FROM story_clusters WHERE article_id IN ({marks})",
                   [m.article_id for m in part] + sorted(gone))
        self._keep_clusters(part)
        return len(part)

    def recluster(self) -> int:
        """Compute the clusters again from every stored signature (inside the caller's
        transaction); returns how many articles are in clusters of two or more."""
        self.db.execute("DELETE FROM story_clusters")
        return self._keep_clusters(self._members())

    def _keep_clusters(self, members: list) -> int:
        """Store the clusters of these members (whose rows are gone), and say that the
        clusters are current; returns how many members are in one."""
        from ..duplicates import clusters

        found = clusters(members)
        self.db.executemany("INSERT INTO story_clusters(article_id, cluster_id) VALUES (?, ?)",
                            sorted(found.items()))
        self.write_manifest({"clusters_current": True})
        return len(found)

    def clusters_stale(self) -> None:
        """Say (inside a write) that articles changed since the clusters were computed."""
        self.write_manifest({"clusters_current": False})

    def clusters_current(self) -> bool:
        return bool(self.manifest_value("clusters_current", True))

    def clusters_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """article id -> cluster id, for those of these articles in a cluster."""
        return dict(rows_in(
            self.db, "SELECT article_id, cluster_id FROM story_clusters "
                     "WHERE article_id IN ({marks})", dict.fromkeys(article_ids)))

    def copies_of(self, article_ids: Iterable[str]) -> dict[str, list[Copy]]:
        """article id -> the other articles of its cluster, earliest first (none: absent)."""
        clusters = self.clusters_of(article_ids)
        if not clusters:
            return {}
        members: dict[str, list[Copy]] = {}
        for cid, aid, title, outlet, url, published in rows_in(
                self.db, "SELECT s.cluster_id, a.id, a.title, a.outlet, a.url, a.published "
                         "FROM story_clusters s JOIN articles a ON a.id = s.article_id "
                         "WHERE s.cluster_id IN ({marks}) "
                         "ORDER BY a.published IS NULL, a.published, a.added_at, a.id",
                sorted(set(clusters.values()))):
            members.setdefault(cid, []).append(Copy(
                aid, title, outlet, url, date.fromisoformat(published) if published else None))
        return {aid: [c for c in members.get(cid, []) if c.article_id != aid]
                for aid, cid in clusters.items()}

    def cluster_count(self) -> tuple[int, int]:
        """(clusters of two or more, articles in them)."""
        n, members = self.db.execute(
            "SELECT count(DISTINCT cluster_id), count(*) FROM story_clusters").fetchone()
        return int(n), int(members)
