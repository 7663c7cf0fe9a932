"""The SQL store (SQLite or PostgreSQL): versions, search, aliases, stages, lineage, events."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from ..entities import RETIRED_STAGES, Dataset, Event, Feature, LineageEdge, Metric, Version
from ..errors import AmbiguousReference, ConflictError, InvalidInput, NotFound
from ..refs import Ref
from .base import NewVersion, Query, Store
from .db import Database
from .events import append_event, first_broken, utc
from .tables import (
    AliasRow,
    ContractRow,
    DatasetRow,
    EdgeRow,
    EventRow,
    FeatureRow,
    MetricRow,
    ModelRow,
    ProjectRow,
    TagRow,
    VersionFileRow,
    VersionRow,
)

MAX_PAGE = 100_000
# A data set named by the start of its content hash (at least 4 hex digits, as git allows).
HASH_PREFIX = re.compile(r"^[0-9a-f]{4,64}\Z")
# A related-table filter matching fewer versions than this leads the search (see _filtered).
SMALL_SET = 2_000
# The leading columns of every search result row (metrics follow).
FIND_COLUMNS = (
    "ref",
    "project",
    "name",
    "version",
    "stage",
    "author",
    "created_at",
    "estimator",
    "task",
    "train_set",  # the first 12 hex digits of the data sets' content hashes
    "test_set",
)
_OPS = {
    ">": "__gt__",
    ">=": "__ge__",
    "<": "__lt__",
    "<=": "__le__",
    "=": "__eq__",
    "==": "__eq__",
    "!=": "__ne__",
}
ORDER_FIELDS = {
    "created": VersionRow.created_at,
    "version": VersionRow.number,
    "name": ModelRow.name,
    "author": VersionRow.author,
    "stage": VersionRow.stage,
}


def _like_escape(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (its % and _ are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SqlStore(Store):
    """Store backed by SQLAlchemy; every method is one transaction."""

    def __init__(self, db: Database):
        self.db = db

    # -- helpers -------------------------------------------------------------------------------

    def _insert_ignore(
        self, s: Session, table: Any, values: dict[str, Any], keys: list[str]
    ) -> None:
        """INSERT that does nothing when a row with the same unique key already exists."""
        ins = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
        s.execute(ins(table).values(**values).on_conflict_do_nothing(index_elements=keys))

    def _model_ids(self, s: Session, ref: Ref) -> tuple[int, str, str]:
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

    def _version_id(self, s: Session, ref: Ref) -> int:
        model_id, project, name = self._model_ids(s, ref)
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

    def _load_versions(self, s: Session, ids: list[int]) -> list[Version]:
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
        test_sets = self._data_sets(s, ids, relation="evaluated_on", short=False)
        for m in s.execute(select(MetricRow).where(MetricRow.version_id.in_(ids))).scalars():
            data = test_sets.get((m.version_id, "evaluated_on")) if m.dataset == "test" else None
            mets[m.version_id].append(Metric(m.name, m.value, m.slice or None, m.dataset, data))
        tags: dict[int, dict[str, str]] = {i: {} for i in ids}
        for t in s.execute(select(TagRow).where(TagRow.version_id.in_(ids))).scalars():
            tags[t.version_id][t.key] = t.value
        aliases = self._aliases(s, ids)
        parents = {r.parent_id for r, _, _ in rows if r.parent_id}
        parent_refs = self._refs(s, list(parents))
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

    def _aliases(self, s: Session, ids: list[int]) -> dict[int, list[str]]:
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

    def _data_sets(
        self,
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

    def _refs(self, s: Session, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = s.execute(
            select(VersionRow.id, ProjectRow.name, ModelRow.name, VersionRow.number)
            .join(ModelRow, VersionRow.model_id == ModelRow.id)
            .join(ProjectRow, ModelRow.project_id == ProjectRow.id)
            .where(VersionRow.id.in_(ids))
        ).all()
        return {vid: f"{p}/{n}:{num}" for vid, p, n, num in rows}

    # -- writes --------------------------------------------------------------------------------

    def create_version(self, spec: NewVersion) -> Version:
        """Insert a version with the next number of its model, its datasets, edges and event."""
        now = _now()
        with self.db.session(write=True) as s:
            self._insert_ignore(s, ProjectRow, {"name": spec.project, "created_at": now}, ["name"])
            project_id = s.execute(
                select(ProjectRow.id).where(ProjectRow.name == spec.project)
            ).scalar_one()
            self._insert_ignore(
                s,
                ModelRow,
                {"project_id": project_id, "name": spec.name, "last_version": 0, "created_at": now},
                ["project_id", "name"],
            )
            # The row lock taken by this UPDATE serialises concurrent trackers of one model;
            # the unique (model_id, number) constraint backs it up.
            model_id, number = s.execute(
                update(ModelRow)
                .where(ModelRow.project_id == project_id, ModelRow.name == spec.name)
                .values(last_version=ModelRow.last_version + 1)
                .returning(ModelRow.id, ModelRow.last_version)
            ).one()
            parent_id = None
            if spec.parent is not None:
                parent_id = self._version_id(s, spec.parent)
            elif spec.notebook_path:
                parent_id = s.execute(
                    select(VersionRow.id)
                    .where(
                        VersionRow.model_id == model_id,
                        VersionRow.notebook_path == spec.notebook_path,
                    )
                    .order_by(VersionRow.number.desc())
                    .limit(1)
                ).scalar()
            overall = {
                m["name"]: m["value"]
                for m in spec.metrics
                if m.get("slice") is None and m.get("dataset", "test") == "test"
            }
            row = VersionRow(
                model_id=model_id,
                number=number,
                stage=spec.stage,
                framework=spec.framework,
                estimator_class=spec.estimator_class,
                task=spec.task,
                author=spec.author,
                created_at=now,
                artifact_sha256=spec.artifact_sha256,
                artifact_format=spec.artifact_format,
                parent_id=parent_id,
                notebook_path=spec.notebook_path,
                description=spec.description,
                params=spec.params,
                steps=spec.steps,
                outputs=spec.outputs,
                provenance=spec.provenance,
                environment=spec.environment,
                summary=overall,
            )
            s.add(row)
            s.flush()
            vid = row.id
            s.add_all(
                FeatureRow(
                    version_id=vid,
                    position=i,
                    name=f["name"],
                    dtype=f["dtype"],
                    used=bool(f.get("used", True)),
                    importance=f.get("importance"),
                )
                for i, f in enumerate(spec.features)
            )
            s.add_all(
                MetricRow(
                    version_id=vid,
                    name=m["name"],
                    slice=m.get("slice") or "",
                    dataset=m.get("dataset", "test"),
                    value=m["value"],
                )
                for m in spec.metrics
            )
            if spec.contract is not None:
                contract, source = spec.contract, None
                if spec.inherit_contract is not None:
                    source = self._contract_source(s, model_id, number, parent_id)
                if spec.inherit_contract is not None and source is not None:
                    contract = spec.inherit_contract(
                        source.to_dict(), self._refs(s, [source.version_id])[source.version_id]
                    )
                contract_row = ContractRow(version_id=vid, updated_at=now, updated_by=spec.author)
                contract_row.fill(contract)
                s.add(contract_row)
            s.add_all(TagRow(version_id=vid, key=k, value=str(v)) for k, v in spec.tags.items())
            for relation, fp, ds_name in spec.datasets:
                self._insert_ignore(
                    s, DatasetRow, {**fp, "name": ds_name, "created_at": now}, ["content_hash"]
                )
                ds_id = s.execute(
                    select(DatasetRow.id).where(DatasetRow.content_hash == fp["content_hash"])
                ).scalar_one()
                self._insert_ignore(
                    s,
                    EdgeRow,
                    {
                        "src_kind": "dataset",
                        "src_id": ds_id,
                        "relation": relation,
                        "dst_kind": "version",
                        "dst_id": vid,
                    },
                    ["src_kind", "src_id", "relation", "dst_kind", "dst_id"],
                )
            if parent_id is not None:
                s.add(
                    EdgeRow(
                        src_kind="version",
                        src_id=parent_id,
                        relation="derived_from",
                        dst_kind="version",
                        dst_id=vid,
                    )
                )
            ref = f"{spec.project}/{spec.name}:{number}"
            append_event(
                s,
                spec.author,
                "version.create",
                "version",
                ref,
                None,
                {
                    "estimator": spec.estimator_class,
                    "stage": spec.stage,
                    "artifact_sha256": spec.artifact_sha256,
                    "metrics": overall,
                    "parent": self._refs(s, [parent_id]).get(parent_id) if parent_id else None,
                },
            )
            s.flush()
            return self._load_versions(s, [vid])[0]

    @staticmethod
    def _contract_source(
        s: Session, model_id: int, number: int, parent_id: int | None
    ) -> ContractRow | None:
        """The contract a new version inherits edits from: its parent's when the parent is a
        version of the same model, else that of the model's latest earlier version."""
        query = select(VersionRow.id).where(
            VersionRow.model_id == model_id, VersionRow.number < number
        )
        if parent_id is not None:
            query = query.where(VersionRow.id == parent_id)
        source_id = s.execute(query.order_by(VersionRow.number.desc()).limit(1)).scalar()
        if source_id is None and parent_id is not None:  # a parent from another model
            return SqlStore._contract_source(s, model_id, number, None)
        return None if source_id is None else s.get(ContractRow, source_id)

    def set_alias(
        self, ref: Ref, alias: str, actor: str, detail: dict[str, Any] | None = None
    ) -> Version:
        """Point ``alias`` at a version; ``detail`` (e.g. a forced check) joins the event."""
        with self.db.session(write=True) as s:
            vid = self._version_id(s, ref)
            row = s.get(VersionRow, vid)
            assert row is not None
            model_id = row.model_id
            if row.stage in RETIRED_STAGES:
                target = self._refs(s, [vid])[vid]
                raise InvalidInput(
                    f"{target} is {row.stage}: an alias on it would send jobs and consumers "
                    "to a version that is out of service. Point the alias at a live version, "
                    f"or move {target} back to validation or production first."
                )
            old = s.get(AliasRow, (model_id, alias))
            before = None
            if old is not None:
                before = {"version": self._refs(s, [old.version_id])[old.version_id]}
                old.version_id = vid
            else:
                s.add(AliasRow(model_id=model_id, alias=alias, version_id=vid))
            s.flush()
            target = self._refs(s, [vid])[vid]
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
            return self._load_versions(s, [vid])[0]

    def set_stage(
        self, ref: Ref, stage: str, actor: str, reason: str | None, drop_aliases: bool = False
    ) -> Version:
        """Move a version to ``stage``. A version leaving service (retired, archived) keeps no
        alias: they are refused unless ``drop_aliases``, which removes each with an event."""
        with self.db.session(write=True) as s:
            vid = self._version_id(s, ref)
            row = s.get(VersionRow, vid)
            assert row is not None
            target = self._refs(s, [vid])[vid]
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
                    s.delete(a)
                    append_event(
                        s,
                        actor,
                        "alias.remove",
                        "alias",
                        f"{model_ref}@{a.alias}",
                        {"version": target},
                        {"reason": f"{target} moved to {stage}"},
                    )
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
            return self._load_versions(s, [vid])[0]

    def set_tags(self, ref: Ref, add: dict[str, str], remove: list[str], actor: str) -> Version:
        """Set (``add``) and remove (``remove``) tags of a version, as one audited change."""
        with self.db.session(write=True) as s:
            vid = self._version_id(s, ref)
            rows = {
                r.key: r
                for r in s.execute(select(TagRow).where(TagRow.version_id == vid)).scalars()
            }
            target = self._refs(s, [vid])[vid]
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
            return self._load_versions(s, [vid])[0]

    def set_description(self, ref: Ref, text: str | None, actor: str) -> Version:
        """Replace a version's description (None clears it), as one audited change."""
        with self.db.session(write=True) as s:
            vid = self._version_id(s, ref)
            row = s.get(VersionRow, vid)
            assert row is not None
            before, row.description = row.description, text
            s.flush()
            append_event(
                s,
                actor,
                "version.describe",
                "version",
                self._refs(s, [vid])[vid],
                {"description": before},
                {"description": text},
            )
            return self._load_versions(s, [vid])[0]

    def add_version_file(
        self,
        version_id: int,
        kind: str,
        sha256: str,
        actor: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record a file made from a version (e.g. its PMML export) with an event."""
        with self.db.session(write=True) as s:
            s.add(
                VersionFileRow(
                    version_id=version_id,
                    kind=kind,
                    artifact_sha256=sha256,
                    created_at=_now(),
                    actor=actor,
                )
            )
            s.flush()
            append_event(
                s,
                actor,
                f"version.export_{kind}",
                "version",
                self._refs(s, [version_id])[version_id],
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
            return self._load_versions(s, [self._version_id(s, ref)])[0]

    def refs(self, ids: list[int]) -> dict[int, str]:
        """``project/name:version`` of each version id (without loading the versions)."""
        with self.db.session() as s:
            return self._refs(s, ids)

    def version_by_id(self, version_id: int) -> Version:
        found = self.versions_by_ids([version_id])
        if not found:
            raise NotFound(f"There is no version with id {version_id}.")
        return found[0]

    def versions_by_ids(self, ids: list[int]) -> list[Version]:
        with self.db.session() as s:
            return self._load_versions(s, ids)

    def _id_sets(self, query: Query) -> list[tuple[Any, list[Any], bool]]:
        """Each filter on a related table as (its version id column, its conditions, can lead).

        "Uses feature f_7", "tag team=risk" and "roc_auc > 0.8" each name a set of version ids
        that one index lists. A set that cannot lead has no index to read it from (a slice on
        its own) and is only ever checked version by version.
        """
        sets: list[tuple[Any, list[Any], bool]] = []
        if query.feature:
            f = aliased(FeatureRow)
            sets.append((f.version_id, [f.name == query.feature, f.used.is_(True)], True))
        if query.tag:
            key, value = query.tag
            t = aliased(TagRow)
            tag_conds = [t.key == key] + ([] if value is None else [t.value == value])
            sets.append((t.version_id, tag_conds, True))
        slice_key = query.slice or ""
        for metric, op, threshold in query.metrics:
            if op not in _OPS:
                raise InvalidInput(
                    f"Unknown comparison {op!r} in a metric filter; use one of {', '.join(_OPS)}."
                )
            m = aliased(MetricRow)
            conds = [
                m.name == metric,
                m.slice == slice_key,
                m.dataset == "test",
                getattr(m.value, _OPS[op])(threshold),
            ]
            sets.append((m.version_id, conds, True))
        if query.slice and not query.metrics:
            m = aliased(MetricRow)
            sets.append((m.version_id, [m.slice == slice_key], False))
        if query.dataset_ids is not None:
            e = aliased(EdgeRow)
            # The versions trained or evaluated on the data sets: the edges' unique index
            # (src_kind, src_id, relation, ...) lists them.
            edge_conds = [
                e.src_kind == "dataset",
                e.src_id.in_(query.dataset_ids),
                e.relation.in_(query.dataset_relations),
                e.dst_kind == "version",
            ]
            sets.append((e.dst_id, edge_conds, True))
        return sets

    def _filtered(self, s: Session, query: Query, ordered: bool = False) -> Any:
        """``SELECT versions.id`` with every filter of ``query``.

        How the related-table filters are written decides where the database starts, and
        neither SQLite nor a guess at the statistics gets it right for both kinds of search:
        a rare feature is best read from its index and the few versions sorted, while a
        common one read that way costs a lookup per member before the newest 25 are known.
        So the sets' sizes are counted first, up to ``SMALL_SET``: the smallest set leads
        (``id IN (...)``) and the others are checked per version (``EXISTS``, one index
        seek each). When every set is large and the result is ordered, none leads: the
        database walks the order's index (newest first) and stops at the page's end.
        """
        v = VersionRow
        sets = self._id_sets(query)
        lead = self._lead_set(s, sets, ordered)
        hide_archived = not query.include_archived and not query.stage
        on_versions = [
            query.project,
            query.name,
            query.name_contains,
            query.stage,
            query.author,
            query.since,
            query.until,
            query.estimator,
            query.without_feature,  # "not in a set": checked version by version
            # Edges can list a version twice (trained and tested on one data set): an
            # IN over them counts each version once, their index alone would not.
            query.dataset_ids,
        ]
        if not ordered and lead >= 0 and not any(on_versions):
            # Nothing to read from the versions themselves (a count): the lead set's index
            # alone answers, each of its rows being one version.
            col, conds, _ = sets[lead]
            q = select(col).where(*conds)
            for i, (other, others, _) in enumerate(sets):
                if i != lead:
                    q = q.where(exists().where(other == col, *others))
            if hide_archived:
                # The archived versions are read once (stage index), not looked up per row.
                q = q.where(col.not_in(select(v.id).where(v.stage == "archived")))
            return q
        q = select(v.id)
        if ordered or query.project or query.name or query.name_contains:
            q = q.join(ModelRow, v.model_id == ModelRow.id).join(
                ProjectRow, ModelRow.project_id == ProjectRow.id
            )
        if query.project:
            q = q.where(ProjectRow.name == query.project)
        if query.name:
            q = q.where(ModelRow.name == query.name)
        if query.name_contains:
            pattern = "%" + _like_escape(query.name_contains) + "%"
            q = q.where(
                or_(
                    ModelRow.name.ilike(pattern, escape="\\"),
                    ProjectRow.name.ilike(pattern, escape="\\"),
                )
            )
        if query.stage:
            q = q.where(v.stage == query.stage)
        elif hide_archived:
            q = q.where(v.stage != "archived")
        if query.author:
            q = q.where(v.author == query.author)
        if query.since:
            q = q.where(v.created_at >= query.since)
        if query.until:
            q = q.where(v.created_at < query.until)
        if query.estimator:
            q = q.where(
                or_(
                    v.estimator_class == query.estimator,
                    v.estimator_class.endswith("." + query.estimator, autoescape=True),
                )
            )
        if query.without_feature:
            f = aliased(FeatureRow)
            q = q.where(
                ~exists().where(
                    f.version_id == v.id, f.name == query.without_feature, f.used.is_(True)
                )
            )
        for i, (col, conds, _) in enumerate(sets):
            if i == lead:
                q = q.where(v.id.in_(select(col).where(*conds)))
            else:
                q = q.where(exists().where(col == v.id, *conds))
        return q

    def _lead_set(self, s: Session, sets: list[tuple[Any, list[Any], bool]], ordered: bool) -> int:
        """Index of the set the search starts from, or -1 to walk the versions instead."""
        candidates = [i for i, (_, _, can_lead) in enumerate(sets) if can_lead]
        if not candidates:
            return -1
        if len(candidates) == 1 and not ordered:
            return candidates[0]
        sizes = s.execute(
            select(
                *[
                    select(func.count())
                    .select_from(
                        select(sets[i][0])
                        .where(*sets[i][1])
                        # bounded: only "small or not" matters
                        .limit(SMALL_SET)
                        .subquery()
                    )
                    .scalar_subquery()
                    for i in candidates
                ]
            )
        ).one()
        size, lead = min(zip(sizes, candidates, strict=True))
        return lead if size < SMALL_SET or not ordered else -1

    def dataset_ids(self, text: str) -> tuple[int, ...]:
        """The data sets ``text`` names: a content-hash prefix (one data set) or a name (any)."""
        d = DatasetRow
        with self.db.session() as s:
            by_hash: list[Any] = []
            if HASH_PREFIX.match(text):
                # A range on the unique index: hashes are lower-case hex, "g" follows "f".
                by_hash = list(
                    s.execute(
                        select(d.id, d.content_hash, d.name)
                        .where(d.content_hash >= text, d.content_hash < text + "g")
                        .limit(5)
                    ).all()
                )
            if len(by_hash) > 1:
                shown = ", ".join(f"{h[:12]} ({n or 'unnamed'})" for _, h, n in by_hash)
                raise AmbiguousReference(
                    f"dataset={text!r} starts the hash of more than one data set ({shown}); "
                    "give more of the hash."
                )
            ids = {i for i, _, _ in by_hash}
            ids.update(s.execute(select(d.id).where(d.name == text)).scalars())
        if not ids:
            raise NotFound(
                f"No data set has a hash starting with or a name equal to {text!r}. Give at "
                "least 4 hex digits of a data set's hash, as shown by mmds lineage and in "
                "the train_set and test_set columns of a search."
            )
        return tuple(sorted(ids))

    def unknown_metrics(self, names: set[str]) -> tuple[list[str], list[str]]:
        """(names no version has recorded, the metric names that exist) for a search's check.

        One index seek per name; the known names are only read when one is missing.
        """
        with self.db.session() as s:
            missing = sorted(
                n
                for n in names
                if s.execute(select(MetricRow.name).where(MetricRow.name == n).limit(1)).first()
                is None
            )
            if not missing:
                return [], []
            known = s.execute(
                select(MetricRow.name).distinct().order_by(MetricRow.name).limit(100)
            ).scalars()
            return missing, list(known)

    def count(self, query: Query, cap: int | None = None) -> int:
        """How many versions match; with ``cap``, counting stops there (for "1,000+")."""
        with self.db.session() as s:
            filtered = self._filtered(s, query)
            sub = (filtered.limit(cap) if cap else filtered).subquery()
            return int(s.execute(select(func.count()).select_from(sub)).scalar_one())

    def find(self, query: Query) -> list[dict[str, Any]]:
        """Rows of the versions that match, in the query's order, one page at a time."""
        with self.db.session() as s:
            v = VersionRow
            q = self._filtered(s, query, ordered=True).add_columns(
                ProjectRow.name,
                ModelRow.name,
                v.number,
                v.stage,
                v.author,
                v.created_at,
                v.estimator_class,
                v.task,
                v.framework,
                v.summary,
                v.parent_id,
            )
            desc = query.order_by.startswith("-")
            key = query.order_by.lstrip("-+")
            limit = min(query.limit, MAX_PAGE) if query.limit else None
            offset = query.offset or 0
            if key in ORDER_FIELDS:
                col = ORDER_FIELDS[key]
                q = q.order_by(
                    col.desc() if desc else col.asc(), v.id.desc() if desc else v.id.asc()
                )
                rows = list(s.execute(q.limit(limit).offset(offset or None)).all())
            else:
                m = aliased(MetricRow)
                on = and_(
                    m.version_id == v.id,
                    m.name == key,
                    m.slice == (query.slice or ""),
                    m.dataset == "test",
                    m.value.is_not(None),
                )
                order = m.value.desc() if desc else m.value.asc()
                # Versions with the metric, best first: the database walks the (name, slice,
                # dataset, value) index and stops at the page's end.
                ranked = q.join(m, on).order_by(order, v.id.desc())
                rows = list(s.execute(ranked.limit(limit).offset(offset or None)).all())
                if not any(name == key for name, _, _ in query.metrics) and (
                    limit is None or len(rows) < limit
                ):
                    # Then, in either direction, the versions without it, newest first.
                    if rows or not offset:
                        n_ranked = offset + len(rows)
                    else:
                        n_ranked = s.execute(
                            select(func.count()).select_from(ranked.subquery())
                        ).scalar_one()
                    rest = q.where(~exists().where(on)).order_by(v.id.desc())
                    rest = rest.limit(None if limit is None else limit - len(rows))
                    rows += s.execute(rest.offset(max(0, offset - n_ranked) or None)).all()
            ids = [r[0] for r in rows]
            aliases = self._aliases(s, ids) if ids else {}
            data_sets = self._data_sets(s, ids) if ids else {}
            slice_metrics: dict[int, dict[str, float | None]] = {}
            if query.slice and ids:
                for vid, name, value in s.execute(
                    select(MetricRow.version_id, MetricRow.name, MetricRow.value).where(
                        MetricRow.version_id.in_(ids),
                        MetricRow.slice == query.slice,
                        MetricRow.dataset == "test",
                    )
                ):
                    slice_metrics.setdefault(vid, {})[name] = value
        out = []
        for (
            vid,
            project,
            name,
            number,
            stage,
            author,
            created,
            est,
            task,
            fw,
            summary,
            parent,
        ) in rows:
            row = {
                "ref": f"{project}/{name}:{number}",
                "project": project,
                "name": name,
                "version": number,
                "stage": stage,
                "author": author,
                "created_at": utc(created),
                "estimator": est.rsplit(".", 1)[-1],
                "task": task,
                "framework": fw,
                "aliases": aliases.get(vid, []),
                "id": vid,
                "parent_id": parent,
                "train_set": data_sets.get((vid, "trained_on")),
                "test_set": data_sets.get((vid, "evaluated_on")),
            }
            if query.slice:
                row["slice"] = query.slice
                row.update(slice_metrics.get(vid, {}))
            else:
                row.update(summary or {})
            out.append(row)
        return out

    def edges(self, kind: str, ids: list[int], direction: str) -> list[LineageEdge]:
        """Edges into (``up``) or out of (``down``) the given nodes."""
        if not ids:
            return []
        e = EdgeRow
        if direction == "up":
            cond = and_(e.dst_kind == kind, e.dst_id.in_(ids))
        else:
            cond = and_(e.src_kind == kind, e.src_id.in_(ids))
        with self.db.session() as s:
            return [
                LineageEdge(r.src_kind, r.src_id, r.relation, r.dst_kind, r.dst_id)
                for r in s.execute(select(e).where(cond)).scalars()
            ]

    def datasets(self, ids: list[int]) -> list[Dataset]:
        with self.db.session() as s:
            rows = s.execute(select(DatasetRow).where(DatasetRow.id.in_(ids))).scalars()
            return [
                Dataset(
                    r.id,
                    r.content_hash,
                    r.name,
                    r.n_rows,
                    r.n_cols,
                    r.schema,
                    r.stats,
                    utc(r.created_at),
                )
                for r in rows
            ]

    def events(
        self,
        object_ref: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        q = select(EventRow).order_by(EventRow.id.desc())
        if object_ref:
            # The object and everything under it (ref:N, ref@alias, ref#scores/N), as index
            # ranges: each separator's successor character bounds its range.
            ranges = [
                and_(
                    EventRow.object_ref >= object_ref + sep, EventRow.object_ref < object_ref + nxt
                )
                for sep, nxt in ((":", ";"), ("@", "A"), ("#", "$"))
            ]
            q = q.where(or_(EventRow.object_ref == object_ref, *ranges))
            # Sorting by an expression, not the primary key, keeps SQLite from scanning every
            # event newest first (its guess when the limit is a bound parameter): it reads the
            # few index ranges above and sorts what they hold.
            q = q.order_by(None).order_by((EventRow.id + 0).desc())
        if actor:
            q = q.where(EventRow.actor == actor)
        if action:
            q = q.where(EventRow.action == action)
        if since:
            q = q.where(EventRow.time >= since)
        if limit:
            q = q.limit(limit)
        with self.db.session() as s:
            return [
                Event(
                    r.id,
                    utc(r.time),
                    r.actor,
                    r.action,
                    r.object_kind,
                    r.object_ref,
                    r.before,
                    r.after,
                    r.prev_hash,
                    r.hash,
                )
                for r in s.execute(q).scalars()
            ]

    def verify_events(self) -> int | None:
        with self.db.session() as s:
            return first_broken(s)

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
