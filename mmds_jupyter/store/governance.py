"""The SQL store of governance: template versions, bindings, frozen templates and requests,
with the evidence files of :mod:`.evidence` (the rules are in :mod:`mmds_jupyter.governance`).
Every change appends its event to the hash-chained log in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import ConflictError, InvalidInput, NotFound
from .db import Database
from .events import append_event, utc
from .evidence import SqlEvidenceStore
from .governance_tables import (
    StageRequestRow,
    TemplateBindingRow,
    TemplateRow,
    VersionTemplateRow,
)
from .rows import refs_of, utc_now
from .tables import ModelRow, ProjectRow, VersionRow
from .versions import move_stage


def template_dict(row: TemplateRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "version": row.version,
        "sha256": row.sha256,
        "created_at": utc(row.created_at),
        "actor": row.actor,
        "spec": row.spec,
        "source": row.source,
    }


def request_dict(row: StageRequestRow, ref: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "ref": ref,
        "version_id": row.version_id,
        "template_id": row.template_id,
        "from_stage": row.from_stage,
        "to_stage": row.to_stage,
        "status": row.status,
        "author": row.author,
        "comment": row.comment,
        "created_at": utc(row.created_at),
        "closed_at": None if row.closed_at is None else utc(row.closed_at),
        "decisions": list(row.decisions),
        "gates": list(row.gates),
    }


def request_ref(version_ref: str, request_id: int) -> str:
    """The audit object of a request: under its version, so a version's events list it."""
    return f"{version_ref}#requests/{request_id}"


class SqlGovernanceStore(SqlEvidenceStore):
    def __init__(self, db: Database):
        self.db = db

    # -- templates -------------------------------------------------------------------------------

    def save_template(
        self, name: str, source: str, spec: dict[str, Any], sha256: str, actor: str
    ) -> tuple[dict[str, Any], bool]:
        """Store ``source`` as the next version of template ``name`` (unless it is the latest
        already); whether a version was added."""
        with self.db.session(write=True) as s:
            latest = _latest(s, name)
            if latest is not None and latest.sha256 == sha256:
                return template_dict(latest), False
            row = TemplateRow(
                name=name,
                version=(latest.version if latest else 0) + 1,
                source=source,
                spec=spec,
                sha256=sha256,
                created_at=utc_now(),
                actor=actor,
            )
            s.add(row)
            s.flush()
            before = (
                None if latest is None else {"version": latest.version, "sha256": latest.sha256}
            )
            after = {"version": row.version, "sha256": sha256}
            append_event(s, actor, "template.save", "template", f"template:{name}", before, after)
            return template_dict(row), True

    def template(self, name: str, version: int | None = None) -> dict[str, Any] | None:
        with self.db.session() as s:
            if version is None:
                row = _latest(s, name)
            else:
                row = s.execute(
                    select(TemplateRow).where(
                        TemplateRow.name == name, TemplateRow.version == version
                    )
                ).scalar()
            return None if row is None else template_dict(row)

    def template_by_id(self, template_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(TemplateRow, template_id)
            assert row is not None
            return template_dict(row)

    def templates(self) -> list[dict[str, Any]]:
        """The newest version of each template, with the projects bound to it."""
        with self.db.session() as s:
            newest = (
                select(TemplateRow.name, func.max(TemplateRow.version).label("v"))
                .group_by(TemplateRow.name)
                .subquery()
            )
            rows = s.execute(
                select(TemplateRow).join(
                    newest,
                    (TemplateRow.name == newest.c.name) & (TemplateRow.version == newest.c.v),
                )
            ).scalars()
            bound: dict[str, list[str]] = {}
            for b in s.execute(select(TemplateBindingRow)).scalars():
                bound.setdefault(b.template, []).append(b.project)
            return [
                {**template_dict(r), "projects": sorted(bound.get(r.name, []))}
                for r in sorted(rows, key=lambda r: r.name)
            ]

    # -- bindings --------------------------------------------------------------------------------

    def bind(self, project: str, name: str, actor: str) -> dict[str, Any]:
        """Bind ``project`` to template ``name``. The versions already in the project keep the
        template version in force for them (frozen now); later versions follow ``name``."""
        with self.db.session(write=True) as s:
            latest = _latest(s, name)
            if latest is None:
                raise NotFound(
                    f"There is no template {name!r}; save it first (mmds template save)."
                )
            old = s.get(TemplateBindingRow, project)
            frozen = 0
            for vid, created in s.execute(
                select(VersionRow.id, VersionRow.created_at)
                .join(ModelRow, VersionRow.model_id == ModelRow.id)
                .join(ProjectRow, ModelRow.project_id == ProjectRow.id)
                .where(ProjectRow.name == project)
                .where(~VersionRow.id.in_(select(VersionTemplateRow.version_id)))
            ).all():
                template = _in_force(s, old.template, created) if old else latest
                s.add(VersionTemplateRow(version_id=vid, template_id=template.id))
                frozen += 1
            before = None if old is None else {"template": old.template}
            if old is None:
                old = TemplateBindingRow(project=project)
                s.add(old)
            old.template, old.bound_at, old.actor = name, utc_now(), actor
            s.flush()
            after = {"template": name, "version": latest.version, "versions_frozen": frozen}
            append_event(s, actor, "template.bind", "project", f"project:{project}", before, after)
            return {"project": project, "template": name, "version": latest.version}

    def binding(self, project: str) -> str | None:
        with self.db.session() as s:
            row = s.get(TemplateBindingRow, project)
            return None if row is None else row.template

    def version_template(
        self, version_id: int, project: str, created_at: datetime
    ) -> dict[str, Any] | None:
        """The template version a version follows: the one frozen for it, else the newest
        version of its project's template that existed when it was made (changes of the
        template apply to new versions only). None: its project binds no template."""
        with self.db.session() as s:
            frozen = s.get(VersionTemplateRow, version_id)
            if frozen is not None:
                row = s.get(TemplateRow, frozen.template_id)
                assert row is not None
                return template_dict(row)
            binding = s.get(TemplateBindingRow, project)
            if binding is None:
                return None
            return template_dict(_in_force(s, binding.template, created_at))

    # -- requests --------------------------------------------------------------------------------

    def open_request(
        self,
        version_id: int,
        template_id: int,
        from_stage: str,
        to_stage: str,
        author: str,
        comment: str | None,
        at: datetime,
    ) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            ref = refs_of(s, [version_id])[version_id]
            row = StageRequestRow(
                version_id=version_id,
                template_id=template_id,
                from_stage=from_stage,
                to_stage=to_stage,
                status="open",
                author=author,
                comment=comment,
                created_at=at,
                decisions=[],
                gates=[],
            )
            s.add(row)
            s.flush()
            after = {"from": from_stage, "to": to_stage, "comment": comment}
            append_event(
                s, author, "request.open", "request", request_ref(ref, row.id), None, after
            )
            return request_dict(row, ref)

    def request(self, request_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(StageRequestRow, request_id)
            if row is None:
                raise NotFound(f"There is no request {request_id}; mmds requests lists them.")
            return request_dict(row, refs_of(s, [row.version_id])[row.version_id])

    def open_request_for(self, version_id: int, to_stage: str) -> int | None:
        with self.db.session() as s:
            return s.execute(
                select(StageRequestRow.id).where(
                    StageRequestRow.version_id == version_id,
                    StageRequestRow.to_stage == to_stage,
                    StageRequestRow.status == "open",
                )
            ).scalar()

    def requests(
        self, status: str | None = None, version_ids: list[int] | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        q = select(StageRequestRow).order_by(StageRequestRow.id.desc()).limit(limit)
        if status:
            q = q.where(StageRequestRow.status == status)
        if version_ids is not None:
            q = q.where(StageRequestRow.version_id.in_(version_ids))
        with self.db.session() as s:
            rows = list(s.execute(q).scalars())
            refs = refs_of(s, sorted({r.version_id for r in rows}))
            return [request_dict(r, refs[r.version_id]) for r in rows]

    def approvers(self, request_ids: list[int]) -> dict[int, list[str]]:
        """Who approved each of these requests (in the order they did); a request id on no
        record is left out."""
        if not request_ids:
            return {}
        with self.db.session() as s:
            rows = s.execute(
                select(StageRequestRow.id, StageRequestRow.decisions).where(
                    StageRequestRow.id.in_(sorted(set(request_ids)))
                )
            ).all()
            return {
                rid: [d["actor"] for d in decisions or [] if d.get("verdict") == "approve"]
                for rid, decisions in rows
            }

    def last_done(self, version_id: int, stage: str) -> datetime | None:
        """When a request last took this version to ``stage`` or reviewed it there."""
        with self.db.session() as s:
            t = s.execute(
                select(func.max(StageRequestRow.closed_at)).where(
                    StageRequestRow.version_id == version_id,
                    StageRequestRow.to_stage == stage,
                    StageRequestRow.status == "done",
                )
            ).scalar()
            return None if t is None else utc(t)

    def decide(
        self,
        request_id: int,
        actor: str,
        decision: dict[str, Any] | None,
        evaluate: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
        check_decision: Callable[[dict[str, Any], list[dict[str, Any]]], None],
        at: datetime,
    ) -> dict[str, Any]:
        """Record ``decision`` (an approval or rejection; None: re-check the gates) on an open
        request and close it when it is rejected or every gate passes, moving the version in
        the same transaction. ``evaluate`` gives the gates for the decisions so far."""
        with self.db.session(write=True) as s:
            q = select(StageRequestRow).where(StageRequestRow.id == request_id)
            if s.get_bind().dialect.name == "postgresql":
                q = q.with_for_update()
            row = s.execute(q).scalar()
            if row is None:
                raise NotFound(f"There is no request {request_id}; mmds requests lists them.")
            ref = refs_of(s, [row.version_id])[row.version_id]
            if row.status != "open":
                raise ConflictError(
                    f"Request {request_id} ({ref} to {row.to_stage}) is {row.status} already; "
                    f"open a new one: mmds.request('{ref}', '{row.to_stage}')."
                )
            version = s.get(VersionRow, row.version_id)
            assert version is not None
            if version.stage != row.from_stage:
                raise ConflictError(
                    f"{ref} moved to {version.stage} since request {request_id} was opened "
                    f"(from {row.from_stage}); reject it and open a new one."
                )
            decisions = list(row.decisions)
            obj = request_ref(ref, row.id)
            if decision is not None:
                check_decision(row_view(row, ref), decisions)
                decisions.append({**decision, "actor": actor, "time": at.isoformat()})
                append_event(
                    s, actor, f"request.{decision['verdict']}", "request", obj, None,
                    {"comment": decision.get("comment")},
                )  # fmt: skip
            gates = evaluate(decisions)
            row.decisions, row.gates = decisions, gates
            if decision is not None and decision["verdict"] == "reject":
                row.status, row.closed_at = "rejected", at
            elif all(g["passed"] for g in gates):
                row.status, row.closed_at = "done", at
                if row.to_stage != row.from_stage:
                    move_stage(s, row.version_id, row.to_stage, actor, f"request {row.id}")
                append_event(
                    s, actor, "request.done", "request", obj, {"stage": row.from_stage},
                    {"stage": row.to_stage, "gates": gates},
                )  # fmt: skip
            else:
                blocking = [g["gate"] for g in gates if not g["passed"]]
                append_event(
                    s, actor, "request.check", "request", obj, None,
                    {"blocking": blocking, "gates": gates},
                )  # fmt: skip
            s.flush()
            return request_dict(row, ref)


def row_view(row: StageRequestRow, ref: str) -> dict[str, Any]:
    return request_dict(row, ref)


def _latest(s: Session, name: str) -> TemplateRow | None:
    return s.execute(
        select(TemplateRow)
        .where(TemplateRow.name == name)
        .order_by(TemplateRow.version.desc())
        .limit(1)
    ).scalar()


def _in_force(s: Session, name: str, when: datetime) -> TemplateRow:
    """The newest version of template ``name`` saved before ``when`` (else its first)."""
    rows = list(
        s.execute(
            select(TemplateRow).where(TemplateRow.name == name).order_by(TemplateRow.version)
        ).scalars()
    )
    if not rows:
        raise InvalidInput(f"The template {name!r} has no versions.")
    when = utc(when)
    chosen = rows[0]
    for r in rows:
        if utc(r.created_at) <= when:
            chosen = r
    return chosen
