"""The SQL store of the evidence attached to versions (a comparison report, a validation memo):
files kept as the version's ``evidence.<kind>`` files, each attachment an event in the same
transaction. Part of the governance store (:class:`.governance.SqlGovernanceStore`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .db import Database
from .events import append_event, utc
from .rows import refs_of, utc_now
from .tables import VersionFileRow

EVIDENCE = "evidence."  # version_files.kind of an attached piece of evidence: evidence.<kind>


class SqlEvidenceStore:
    db: Database

    def attach(
        self, version_id: int, kind: str, sha256: str, name: str | None, actor: str
    ) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            row = VersionFileRow(
                version_id=version_id,
                kind=EVIDENCE + kind,
                artifact_sha256=sha256,
                created_at=utc_now(),
                actor=actor,
            )
            s.add(row)
            s.flush()
            ref = refs_of(s, [version_id])[version_id]
            after = {"kind": kind, "name": name, "artifact_sha256": sha256}
            append_event(s, actor, "version.evidence", "version", ref, None, after)
            return {"id": row.id, "ref": ref, **after, "actor": actor, "time": utc(row.created_at)}

    def evidence(self, version_id: int, kind: str) -> list[dict[str, Any]]:
        with self.db.session() as s:
            rows = s.execute(
                select(VersionFileRow)
                .where(VersionFileRow.version_id == version_id)
                .where(VersionFileRow.kind == EVIDENCE + kind)
                .order_by(VersionFileRow.id)
            ).scalars()
            return [
                {
                    "id": r.id,
                    "artifact_sha256": r.artifact_sha256,
                    "actor": r.actor,
                    "time": utc(r.created_at),
                }
                for r in rows
            ]

    def evidence_file(self, version_id: int, evidence_id: int) -> dict[str, Any] | None:
        """One piece of evidence attached to the version (None: no such attachment of it)."""
        with self.db.session() as s:
            r = s.get(VersionFileRow, evidence_id)
            if r is None or r.version_id != version_id or not r.kind.startswith(EVIDENCE):
                return None
            return {
                "id": r.id,
                "kind": r.kind.removeprefix(EVIDENCE),
                "artifact_sha256": r.artifact_sha256,
                "actor": r.actor,
                "time": utc(r.created_at),
            }
