"""The SQL store of retention: legal holds, purge tombstones, and which versions still use a
file (so archiving, restoring and purging never delete a file another version needs). The
rules are in :mod:`mmds_jupyter.governance.retention`; each change appends its event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..errors import ConflictError, NotFound
from .db import Database
from .events import append_event, utc
from .governance2_tables import LegalHoldRow, PurgedVersionRow
from .rows import refs_of
from .tables import (
    ActualsRow,
    ScoreSetRow,
    ScoringTestRow,
    VersionFileRow,
    VersionRow,
)


def _hold(row: LegalHoldRow) -> dict[str, Any]:
    return {"reason": row.reason, "actor": row.actor, "held_at": utc(row.held_at)}


def _purge(row: PurgedVersionRow) -> dict[str, Any]:
    return {
        "artifact_sha256": row.artifact_sha256,
        "reason": row.reason,
        "actor": row.actor,
        "purged_at": utc(row.purged_at),
    }


def version_files(s: Session, vid: int) -> list[str]:
    """The sha256 of every file of a version: its model file, then its other files."""
    row = s.get(VersionRow, vid)
    if row is None:
        raise NotFound(f"There is no version with id {vid}.")
    shas = [row.artifact_sha256] if row.artifact_sha256 else []
    shas += s.execute(
        select(VersionFileRow.artifact_sha256).where(VersionFileRow.version_id == vid)
    ).scalars()
    return list(dict.fromkeys(shas))


class SqlRetentionStore:
    def __init__(self, db: Database):
        self.db = db

    def files(self, vid: int) -> list[str]:
        with self.db.session() as s:
            return version_files(s, vid)

    def hold(self, vid: int, reason: str, actor: str, at: datetime) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            ref = refs_of(s, [vid])[vid]
            held = s.get(LegalHoldRow, vid)
            if held is not None:
                raise ConflictError(
                    f"{ref} is under legal hold already (since {utc(held.held_at):%Y-%m-%d}, "
                    f"by {held.actor}: {held.reason})."
                )
            row = LegalHoldRow(version_id=vid, reason=reason, actor=actor, held_at=at)
            s.add(row)
            s.flush()
            append_event(s, actor, "version.hold", "version", ref, None, {"reason": reason})
            return {"ref": ref, **_hold(row)}

    def release(self, vid: int, reason: str | None, actor: str) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            ref = refs_of(s, [vid])[vid]
            held = s.get(LegalHoldRow, vid)
            if held is None:
                raise NotFound(f"{ref} is not under legal hold; there is nothing to release.")
            before = _hold(held)
            s.delete(held)
            s.flush()
            append_event(
                s,
                actor,
                "version.release",
                "version",
                ref,
                {"reason": before["reason"], "held_by": before["actor"]},
                {"reason": reason},
            )
            return {"ref": ref, "released": True, "held": {**before, "held_at": before["held_at"]}}

    def hold_of(self, vid: int) -> dict[str, Any] | None:
        with self.db.session() as s:
            row = s.get(LegalHoldRow, vid)
            return None if row is None else _hold(row)

    def purged(self, vid: int) -> dict[str, Any] | None:
        with self.db.session() as s:
            row = s.get(PurgedVersionRow, vid)
            return None if row is None else _purge(row)

    def purge(self, vid: int, reason: str, actor: str, at: datetime) -> dict[str, Any]:
        """Record the tombstone (the version.purge event keeps the hashes); the caller deletes
        the files once this is committed."""
        with self.db.session(write=True) as s:
            ref = refs_of(s, [vid])[vid]
            if s.get(PurgedVersionRow, vid) is not None:
                raise ConflictError(f"{ref} was purged already; its records stay as they are.")
            held = s.get(LegalHoldRow, vid)
            if held is not None:
                raise ConflictError(_held_message(ref, "purged", _hold(held)))
            shas = version_files(s, vid)
            row = s.get(VersionRow, vid)
            assert row is not None
            tomb = PurgedVersionRow(
                version_id=vid,
                artifact_sha256=row.artifact_sha256,
                reason=reason,
                actor=actor,
                purged_at=at,
            )
            s.add(tomb)
            s.flush()
            append_event(
                s,
                actor,
                "version.purge",
                "version",
                ref,
                {"artifact_sha256": row.artifact_sha256, "files": shas, "stage": row.stage},
                {"reason": reason, "purged": True},
            )
            return {"ref": ref, **_purge(tomb), "files": shas}

    def uses(self, sha: str, vid: int) -> tuple[bool, bool]:
        """Whether a file is still needed besides by version ``vid``: (hot: by a version in
        service or by any score set, actuals or scoring test; cold: by an archived version).
        Purged versions need nothing."""
        with self.db.session() as s:
            purged = select(PurgedVersionRow.version_id)
            owners = (
                select(VersionRow.id)
                .where(VersionRow.artifact_sha256 == sha)
                .union(
                    select(VersionFileRow.version_id).where(VersionFileRow.artifact_sha256 == sha)
                )
            )
            stages = set(
                s.execute(
                    select(VersionRow.stage).where(
                        VersionRow.id.in_(owners.scalar_subquery()),
                        VersionRow.id != vid,
                        VersionRow.id.not_in(purged.scalar_subquery()),
                    )
                ).scalars()
            )
            other = (
                s.execute(
                    select(ScoreSetRow.id)
                    .where(or_(ScoreSetRow.artifact_sha256 == sha, ScoreSetRow.drift_sha256 == sha))
                    .limit(1)
                ).first()
                or s.execute(
                    select(ActualsRow.id).where(ActualsRow.artifact_sha256 == sha).limit(1)
                ).first()
                or s.execute(
                    select(ScoringTestRow.id)
                    .where(
                        or_(
                            ScoringTestRow.inputs_sha256 == sha,
                            ScoringTestRow.expected_sha256 == sha,
                        )
                    )
                    .limit(1)
                ).first()
            )
            hot = bool(other) or any(stage != "archived" for stage in stages)
            return hot, "archived" in stages

    def in_stage(self, stage: str) -> list[int]:
        """The ids of the versions in ``stage`` (the retention sweep reads the retired)."""
        with self.db.session() as s:
            return list(
                s.execute(
                    select(VersionRow.id).where(VersionRow.stage == stage).order_by(VersionRow.id)
                ).scalars()
            )

    def refs(self, ids: list[int]) -> dict[int, str]:
        with self.db.session() as s:
            return refs_of(s, ids)


def _held_message(ref: str, what: str, hold: dict[str, Any]) -> str:
    return (
        f"{ref} is under legal hold (since {hold['held_at']:%Y-%m-%d}, by {hold['actor']}: "
        f"{hold['reason']}), so it cannot be {what}. Release the hold first: "
        f"mmds.release('{ref}', reason='...') (CLI: mmds release {ref} --reason ...)."
    )


held_message = _held_message
