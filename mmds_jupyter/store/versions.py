"""Versions and their references: models, versions, aliases, stages, tags, description, files."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from ..entities import RETIRED_STAGES, NewVersion, Version
from ..errors import ConflictError, InvalidInput, NotFound
from ..refs import Ref
from .base import TrackKey
from .db import Database
from .events import append_event, utc
from .new_version import insert_versions
from .rows import find_version_id, load_versions, refs_of, utc_now
from .tables import (
    AliasRow,
    ModelRow,
    ProjectRow,
    TagRow,
    TrackKeyRow,
    VersionFileRow,
    VersionRow,
)


class SqlVersionStore:
    """Versions in SQL (SQLite or PostgreSQL); every method is one transaction."""

    def __init__(self, db: Database):
        self.db = db

    # -- writes --------------------------------------------------------------------------------

    def create_version(self, spec: NewVersion, key: TrackKey | None = None) -> Version:
        """Insert a version with the next number of its model, its datasets, edges and event;
        with ``key``, record in the same transaction that this request made it (a second
        request under that key fails with ConflictError and writes nothing)."""
        return self.create_versions([(spec, key)])[0]

    def create_versions(self, items: list[tuple[NewVersion, TrackKey | None]]) -> list[Version]:
        """``create_version`` of each ``(spec, key)`` in ONE transaction: all are made, or
        (one refused, e.g. a key used before) none is."""
        with self.db.session(write=True) as s:
            vids = insert_versions(s, [spec for spec, _ in items])
            keys = [
                TrackKeyRow(
                    key=key.key,
                    actor=key.actor,
                    request_sha256=key.request_sha256,
                    version_id=vid,
                    created_at=utc_now(),
                )
                for (_, key), vid in zip(items, vids, strict=True)
                if key is not None
            ]
            if keys:
                s.add_all(keys)
                s.flush()
            by_id = {v.id: v for v in load_versions(s, vids)}
            return [by_id[vid] for vid in vids]

    def tracked_under(self, key: str) -> TrackKey | None:
        """What a track request under idempotency ``key`` made, if one did."""
        with self.db.session() as s:
            row = s.get(TrackKeyRow, key)
            if row is None:
                return None
            ref = refs_of(s, [row.version_id])[row.version_id]
            return TrackKey(row.key, row.actor, row.request_sha256, ref)

    def versions_under(self, keys: list[str]) -> dict[str, str]:
        """The references of the versions that requests (or imports) under ``keys`` made."""
        found: dict[str, str] = {}
        with self.db.session() as s:
            for start in range(0, len(keys), 500):  # bounded IN lists
                rows = s.execute(
                    select(TrackKeyRow.key, TrackKeyRow.version_id).where(
                        TrackKeyRow.key.in_(keys[start : start + 500])
                    )
                ).all()
                refs = refs_of(s, [vid for _, vid in rows])
                found.update((key, refs[vid]) for key, vid in rows)
        return found

    def set_alias(
        self, ref: Ref, alias: str, actor: str, detail: dict[str, Any] | None = None
    ) -> Version:
        """Point ``alias`` at a version; ``detail`` (e.g. a forced check) joins the event."""
        return self.set_aliases([(ref, alias, detail)], actor)[0]

    def set_aliases(
        self, moves: list[tuple[Ref, str, dict[str, Any] | None]], actor: str
    ) -> list[Version]:
        """Point each ``(ref, alias, detail)`` alias at its version in ONE transaction: all the
        moves happen, each with its event, or (one refused) none does."""
        with self.db.session(write=True) as s:
            ids = [_move_alias(s, ref, alias, actor, detail) for ref, alias, detail in moves]
            by_id = {v.id: v for v in load_versions(s, sorted(set(ids)))}
            return [by_id[i] for i in ids]

    def remove_alias(self, ref: Ref, alias: str, actor: str, reason: str) -> Version:
        """Take ``alias`` off the version (it must carry it), with an ``alias.remove`` event."""
        with self.db.session(write=True) as s:
            vid = find_version_id(s, ref)
            row = s.execute(
                select(AliasRow).where(AliasRow.version_id == vid, AliasRow.alias == alias)
            ).scalar()
            target = refs_of(s, [vid])[vid]
            if row is None:
                raise NotFound(f"{target} does not carry the alias {alias!r}.")
            _remove_alias(s, row, target, actor, reason)
            s.flush()
            return load_versions(s, [vid])[0]

    def with_alias(self, alias: str) -> list[int]:
        """The ids of the versions that carry ``alias`` (one per model)."""
        with self.db.session() as s:
            q = select(AliasRow.version_id).where(AliasRow.alias == alias)
            return list(s.execute(q.order_by(AliasRow.version_id)).scalars())

    def set_stage(
        self, ref: Ref, stage: str, actor: str, reason: str | None, drop_aliases: bool = False
    ) -> Version:
        """Move a version to ``stage``. A version leaving service (retired, archived) keeps no
        alias: they are refused unless ``drop_aliases``, which removes each with an event."""
        with self.db.session(write=True) as s:
            vid = find_version_id(s, ref)
            move_stage(s, vid, stage, actor, reason, drop_aliases)
            return load_versions(s, [vid])[0]

    def set_tags(self, ref: Ref, add: dict[str, str], remove: list[str], actor: str) -> Version:
        """Set (``add``) and remove (``remove``) tags of a version, as one audited change."""
        with self.db.session(write=True) as s:
            vid = find_version_id(s, ref)
            rows = {
                r.key: r
                for r in s.execute(select(TagRow).where(TagRow.version_id == vid)).scalars()
            }
            target = refs_of(s, [vid])[vid]
            missing = [k for k in remove if k not in rows]
            if missing:
                raise InvalidInput(
                    f"{target} has no tag {', '.join(map(repr, missing))}; its tags are "
                    f"{', '.join(sorted(rows)) or '(none)'}."
                )
            keys = [*add, *remove]
            before = {k: rows[k].value if k in rows else None for k in keys}
            for k in remove:
                s.delete(rows[k])
            for k, v in add.items():
                if k in rows:
                    rows[k].value = v
                else:
                    s.add(TagRow(version_id=vid, key=k, value=v))
            s.flush()
            append_event(
                s,
                actor,
                "version.tag" if add else "version.untag",
                "version",
                target,
                {"tags": before},
                {"tags": {k: add.get(k) for k in keys}},
            )
            return load_versions(s, [vid])[0]

    def set_description(self, ref: Ref, text: str | None, actor: str) -> Version:
        """Replace a version's description (None clears it), as one audited change."""
        with self.db.session(write=True) as s:
            vid = find_version_id(s, ref)
            row = s.get(VersionRow, vid)
            assert row is not None
            before, row.description = row.description, text
            s.flush()
            append_event(
                s,
                actor,
                "version.describe",
                "version",
                refs_of(s, [vid])[vid],
                {"description": before},
                {"description": text},
            )
            return load_versions(s, [vid])[0]

    def add_version_file(
        self,
        version_id: int,
        kind: str,
        sha256: str,
        actor: str,
        detail: dict[str, Any] | None = None,
        action: str | None = None,
    ) -> None:
        """Record a file made from a version (e.g. its PMML export) with an event (``action``,
        by default ``version.export_<kind>``)."""
        with self.db.session(write=True) as s:
            s.add(
                VersionFileRow(
                    version_id=version_id,
                    kind=kind,
                    artifact_sha256=sha256,
                    created_at=utc_now(),
                    actor=actor,
                )
            )
            s.flush()
            append_event(
                s,
                actor,
                action or f"version.export_{kind}",
                "version",
                refs_of(s, [version_id])[version_id],
                None,
                {"artifact_sha256": sha256, **(detail or {})},
            )

    def version_files(self, version_id: int) -> list[dict[str, Any]]:
        with self.db.session() as s:
            rows = s.execute(
                select(VersionFileRow)
                .where(VersionFileRow.version_id == version_id)
                .order_by(VersionFileRow.id)
            ).scalars()
            return [
                {
                    "kind": r.kind,
                    "artifact_sha256": r.artifact_sha256,
                    "created_at": utc(r.created_at),
                    "actor": r.actor,
                }
                for r in rows
            ]

    # -- reads ---------------------------------------------------------------------------------

    def resolve(self, ref: Ref) -> Version:
        with self.db.session() as s:
            return load_versions(s, [find_version_id(s, ref)])[0]

    def refs(self, ids: list[int]) -> dict[int, str]:
        """``project/name:version`` of each version id (without loading the versions)."""
        with self.db.session() as s:
            return refs_of(s, ids)

    def version_by_id(self, version_id: int) -> Version:
        found = self.versions_by_ids([version_id])
        if not found:
            raise NotFound(f"There is no version with id {version_id}.")
        return found[0]

    def versions_by_ids(self, ids: list[int]) -> list[Version]:
        with self.db.session() as s:
            return load_versions(s, ids)

    def projects(self) -> list[dict[str, Any]]:
        with self.db.session() as s:
            rows = s.execute(
                select(
                    ProjectRow.name,
                    func.count(func.distinct(ModelRow.id)),
                    func.count(VersionRow.id),
                    func.max(VersionRow.created_at),
                )
                .outerjoin(ModelRow, ModelRow.project_id == ProjectRow.id)
                .outerjoin(VersionRow, VersionRow.model_id == ModelRow.id)
                .group_by(ProjectRow.name)
                .order_by(ProjectRow.name)
            ).all()
        return [
            {"name": n, "models": m, "versions": v, "last_tracked": utc(t) if t else None}
            for n, m, v, t in rows
        ]

    def models(self, project: str | None = None) -> list[dict[str, Any]]:
        q = (
            select(
                ProjectRow.name,
                ModelRow.name,
                ModelRow.last_version,
                func.max(VersionRow.created_at),
                literal(None),
            )
            .join(ProjectRow, ModelRow.project_id == ProjectRow.id)
            .outerjoin(VersionRow, VersionRow.model_id == ModelRow.id)
            .group_by(ProjectRow.name, ModelRow.name, ModelRow.last_version)
            .order_by(ProjectRow.name, ModelRow.name)
        )
        if project:
            q = q.where(ProjectRow.name == project)
        with self.db.session() as s:
            rows = s.execute(q).all()
        return [
            {"project": p, "name": n, "versions": last, "last_tracked": utc(t) if t else None}
            for p, n, last, t, _ in rows
        ]


def move_stage(
    s: Session, vid: int, stage: str, actor: str, reason: str | None, drop_aliases: bool = False
) -> None:
    """Move version ``vid`` to ``stage`` inside the caller's write transaction, with its event
    (and, given ``drop_aliases``, the removal of its aliases when it leaves service)."""
    row = s.get(VersionRow, vid)
    assert row is not None
    target = refs_of(s, [vid])[vid]
    model_ref = target.rsplit(":", 1)[0]
    before = row.stage
    aliases = list(s.execute(select(AliasRow).where(AliasRow.version_id == vid)).scalars())
    if stage in RETIRED_STAGES and aliases:
        names = ", ".join(sorted(a.alias for a in aliases))
        if not drop_aliases:
            raise ConflictError(
                f"{target} carries the alias(es) {names}; jobs and consumers bound to "
                f"them would go on using a {stage} version. Point them at another "
                f"version first (mmds.alias('{model_ref}:N', ALIAS)), or pass "
                "force=True (--force) to remove them."
            )
        for a in aliases:
            _remove_alias(s, a, target, actor, f"{target} moved to {stage}")
    row.stage = stage
    s.flush()
    append_event(
        s,
        actor,
        "version.stage",
        "version",
        target,
        {"stage": before},
        {"stage": stage, "reason": reason},
    )


def _remove_alias(s: Session, row: AliasRow, target: str, actor: str, reason: str) -> None:
    """Delete one alias of version ``target`` with its ``alias.remove`` event."""
    s.delete(row)
    model_ref = target.rsplit(":", 1)[0]
    append_event(
        s, actor, "alias.remove", "alias", f"{model_ref}@{row.alias}", {"version": target},
        {"reason": reason},
    )  # fmt: skip


def _move_alias(s: Session, ref: Ref, alias: str, actor: str, detail: dict[str, Any] | None) -> int:
    """Point ``alias`` at the version ``ref`` names inside the caller's transaction, with its
    event; the version's id."""
    vid = find_version_id(s, ref)
    row = s.get(VersionRow, vid)
    assert row is not None
    model_id = row.model_id
    if row.stage in RETIRED_STAGES:
        target = refs_of(s, [vid])[vid]
        raise InvalidInput(
            f"{target} is {row.stage}: an alias on it would send jobs and consumers "
            "to a version that is out of service. Point the alias at a live version, "
            f"or move {target} back to validation or production first."
        )
    old = s.get(AliasRow, (model_id, alias))
    before = None
    if old is not None:
        before = {"version": refs_of(s, [old.version_id])[old.version_id]}
        old.version_id = vid
    else:
        s.add(AliasRow(model_id=model_id, alias=alias, version_id=vid))
    s.flush()
    target = refs_of(s, [vid])[vid]
    model_ref = target.rsplit(":", 1)[0]
    append_event(
        s,
        actor,
        "alias.set",
        "alias",
        f"{model_ref}@{alias}",
        before,
        {"version": target, **(detail or {})},
    )
    return vid
