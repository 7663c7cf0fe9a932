"""Reads and writes that every aggregate store shares, each inside the caller's session.

A store method is one transaction; these helpers are its steps: find a model or a version by
reference, load versions as entities, name versions by reference.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..entities import Dataset, Feature, Metric, Version
from ..errors import AmbiguousReference, NotFound
from ..refs import Ref
from .events import utc
from .tables import (
    AliasRow,
    DatasetRow,
    EdgeRow,
    FeatureRow,
    MetricRow,
    ModelRow,
    ProjectRow,
    TagRow,
    VersionRow,
)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def row_dict(row: Any) -> dict[str, Any]:
    """Every column of a row, its times in UTC."""
    out = {c.key: getattr(row, c.key) for c in row.__table__.columns}
    for k, v in out.items():
        if isinstance(v, datetime):
            out[k] = utc(v)
    return out


def insert_ignore(s: Session, table: Any, values: dict[str, Any], keys: list[str]) -> None:
    """INSERT that does nothing when a row with the same unique key already exists."""
    ins = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(ins(table).values(**values).on_conflict_do_nothing(index_elements=keys))


def find_model(s: Session, ref: Ref) -> tuple[int, str, str]:
    q = (
        select(ModelRow.id, ProjectRow.name, ModelRow.name)
        .join(ProjectRow, ModelRow.project_id == ProjectRow.id)
        .where(ModelRow.name == ref.name)
    )
    if ref.project:
        q = q.where(ProjectRow.name == ref.project)
    rows = s.execute(q).all()
    if not rows:
        where = f" in project '{ref.project}'" if ref.project else ""
        raise NotFound(
            f"There is no model named '{ref.name}'{where}. Check the spelling; "
            "`mmds list` (or mmds.find()) shows the models that exist."
        )
    if len(rows) > 1:
        options = ", ".join(sorted(f"{p}/{n}" for _, p, n in rows))
        raise AmbiguousReference(
            f"'{ref.name}' names a model in more than one project ({options}). "
            f"Say which one with project/name, e.g. {sorted(options.split(', '))[0]}."
        )
    return rows[0][0], rows[0][1], rows[0][2]


def find_version_id(s: Session, ref: Ref) -> int:
    model_id, project, name = find_model(s, ref)
    if ref.version is not None:
        vid = s.execute(
            select(VersionRow.id).where(
                VersionRow.model_id == model_id, VersionRow.number == ref.version
            )
        ).scalar()
        if vid is None:
            last = s.execute(
                select(func.max(VersionRow.number)).where(VersionRow.model_id == model_id)
            ).scalar()
            raise NotFound(
                f"{project}/{name} has no version {ref.version}; its versions run from 1 "
                f"to {last}. Use {project}/{name}:latest for the newest."
            )
        return vid
    if ref.alias in (None, "latest"):
        vid = s.execute(
            select(VersionRow.id)
            .where(VersionRow.model_id == model_id)
            .order_by(VersionRow.number.desc())
            .limit(1)
        ).scalar()
        if vid is None:
            raise NotFound(f"{project}/{name} has no versions yet.")
        return vid
    vid = s.execute(
        select(AliasRow.version_id).where(
            AliasRow.model_id == model_id, AliasRow.alias == ref.alias
        )
    ).scalar()
    if vid is None:
        known = s.execute(select(AliasRow.alias).where(AliasRow.model_id == model_id)).scalars()
        names = ", ".join(sorted(known)) or "none yet"
        raise NotFound(
            f"{project}/{name} has no alias '{ref.alias}' (its aliases: {names}). Set one "
            f"with mmds.alias('{project}/{name}:N', '{ref.alias}')."
        )
    return vid


def load_versions(s: Session, ids: list[int]) -> list[Version]:
    if not ids:
        return []
    rows = s.execute(
        select(VersionRow, ModelRow.name, ProjectRow.name)
        .join(ModelRow, VersionRow.model_id == ModelRow.id)
        .join(ProjectRow, ModelRow.project_id == ProjectRow.id)
        .where(VersionRow.id.in_(ids))
    ).all()
    feats: dict[int, list[Feature]] = {i: [] for i in ids}
    for f in s.execute(
        select(FeatureRow)
        .where(FeatureRow.version_id.in_(ids))
        .order_by(FeatureRow.version_id, FeatureRow.position)
    ).scalars():
        feats[f.version_id].append(Feature(f.name, f.dtype, f.used, f.importance))
    mets: dict[int, list[Metric]] = {i: [] for i in ids}
    test_sets = data_sets_of(s, ids, relation="evaluated_on", short=False)
    for m in s.execute(select(MetricRow).where(MetricRow.version_id.in_(ids))).scalars():
        data = test_sets.get((m.version_id, "evaluated_on")) if m.dataset == "test" else None
        mets[m.version_id].append(Metric(m.name, m.value, m.slice or None, m.dataset, data))
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    for t in s.execute(select(TagRow).where(TagRow.version_id.in_(ids))).scalars():
        tags[t.version_id][t.key] = t.value
    aliases = aliases_of(s, ids)
    parents = {r.parent_id for r, _, _ in rows if r.parent_id}
    parent_refs = refs_of(s, list(parents))
    out = {}
    for r, model, project in rows:
        out[r.id] = Version(
            id=r.id,
            project=project,
            name=model,
            version=r.number,
            stage=r.stage,
            framework=r.framework,
            estimator_class=r.estimator_class,
            task=r.task,
            author=r.author,
            created_at=utc(r.created_at),
            params=r.params,
            steps=r.steps,
            features=feats[r.id],
            outputs=r.outputs,
            metrics=mets[r.id],
            provenance=r.provenance,
            environment=r.environment,
            artifact_sha256=r.artifact_sha256,
            artifact_format=r.artifact_format,
            parent_id=r.parent_id,
            parent_ref=parent_refs.get(r.parent_id or -1),
            aliases=aliases.get(r.id, []),
            tags=tags[r.id],
            description=r.description,
        )
    return [out[i] for i in ids if i in out]


def aliases_of(s: Session, ids: list[int]) -> dict[int, list[str]]:
    q = select(AliasRow.version_id, AliasRow.alias)
    # Aliases are few; for long pages reading them all beats a huge IN list.
    wanted = set(ids)
    if len(ids) <= 500:
        q = q.where(AliasRow.version_id.in_(ids))
    out: dict[int, list[str]] = {}
    for vid, alias in s.execute(q):
        if vid in wanted:
            out.setdefault(vid, []).append(alias)
    return {k: sorted(v) for k, v in out.items()}


def data_sets_of(
    s: Session,
    ids: list[int],
    relation: str | None = None,
    short: bool = True,
) -> dict[tuple[int, str], str]:
    """(version id, trained_on/evaluated_on) -> the data set's (short) content hash."""
    e = EdgeRow
    relations = (relation,) if relation else ("trained_on", "evaluated_on")
    q = (
        select(e.dst_id, e.relation, DatasetRow.content_hash)
        .join(DatasetRow, DatasetRow.id == e.src_id)
        .where(e.src_kind == "dataset", e.dst_kind == "version", e.relation.in_(relations))
    )
    # As for aliases: for long pages, reading every such edge beats a huge IN list.
    wanted = set(ids)
    if len(ids) <= 500:
        q = q.where(e.dst_id.in_(ids))
    return {
        (vid, rel): h[:12] if short else h
        for vid, rel, h in s.execute(q.order_by(e.id))
        if vid in wanted
    }


def refs_of(s: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = s.execute(
        select(VersionRow.id, ProjectRow.name, ModelRow.name, VersionRow.number)
        .join(ModelRow, VersionRow.model_id == ModelRow.id)
        .join(ProjectRow, ModelRow.project_id == ProjectRow.id)
        .where(VersionRow.id.in_(ids))
    ).all()
    return {vid: f"{p}/{n}:{num}" for vid, p, n, num in rows}


def load_datasets(s: Session, ids: list[int]) -> list[Dataset]:
    rows = s.execute(select(DatasetRow).where(DatasetRow.id.in_(ids))).scalars()
    return [
        Dataset(
            r.id, r.content_hash, r.name, r.n_rows, r.n_cols, r.schema, r.stats, utc(r.created_at)
        )
        for r in rows
    ]
