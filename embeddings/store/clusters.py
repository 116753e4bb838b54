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
        mates: set[str] = set()
        wanted = sorted(clusters)
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            mates.update(r[0] for r in self.db.execute(
                f"SELECT article_id FROM story_clusters WHERE cluster_id IN "
                f"({','.join('?' * len(part))})", part))
        return mates

    def recluster_around(self, touched: Iterable[str]) -> int:
        """Compute again the clusters of the part of the index that these articles (and
        former cluster-mates, which the caller includes) reach through look-alike bodies;
        see the module's note. Inside the caller's transaction; returns the articles in
        that part."""
        from ..duplicates import THRESHOLD, clusters

        members = self._members()
        if not members:
            return self.recluster()  # nothing left to compare: no clusters
        ids = [m.article_id for m in members]
        row = {aid: n for n, aid in enumerate(ids)}
        matrix = np.stack([m.signature for m in members])
        need = int(np.ceil(THRESHOLD * matrix.shape[1] - 1e-9))  # equal values to pass
        part: set[int] = set()
        frontier = [row[a] for a in set(touched) if a in row]
        part.update(frontier)
        while frontier:
            n = frontier.pop()
            near = np.flatnonzero((matrix == matrix[n]).sum(axis=1) >= need)
            for m in near.tolist():
                if m not in part:
                    part.add(m)
                    frontier.append(m)
        gone = [a for a in set(touched) if a not in row]
        found = clusters([members[n] for n in part])
        changed = [ids[n] for n in part] + gone
        for i in range(0, len(changed), 500):
            chunk = changed[i:i + 500]
            marks = ",".join("?" * len(chunk))
            self.db.execute(f"DELETE FROM story_clusters WHERE article_id IN ({marks})", chunk)
        self.db.executemany("INSERT INTO story_clusters(article_id, cluster_id) VALUES (?, ?)",
                            sorted(found.items()))
        self.db.execute("INSERT OR REPLACE INTO manifest(key, value) VALUES "
                        "('clusters_current', 'true')")
        return len(part)

    def recluster(self) -> int:
        """Compute the clusters again from every stored signature (inside the caller's
        transaction); returns how many articles are in clusters of two or more."""
        from ..duplicates import clusters

        found = clusters(self._members())
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
