"""The SQL store of tasks: the steps of a project's or a model's custom process (the rules are
in :mod:`mmds_jupyter.governance.tasks`). Adding and completing a task are events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..errors import ConflictError, InvalidInput, NotFound
from ..refs import Ref
from .db import Database
from .events import append_event, utc
from .governance2_tables import TaskRow
from .rows import find_model
from .tables import ModelRow


def _model_names(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from .tables import ProjectRow

    rows = s.execute(
        select(ModelRow.id, ProjectRow.name, ModelRow.name)
        .join(ProjectRow, ModelRow.project_id == ProjectRow.id)
        .where(ModelRow.id.in_(ids))
    ).all()
    return {i: f"{p}/{n}" for i, p, n in rows}


def task_dict(row: TaskRow, model: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "project": row.project,
        "model": model,
        "milestone": row.milestone,
        "title": row.title,
        "description": row.description,
        "assignee": row.assignee,
        "group": row.assignee_group,
        "due": None if row.due is None else utc(row.due),
        "depends_on": list(row.depends_on or []),
        "weight": row.weight,
        "status": row.status,
        "completed_by": row.completed_by,
        "completed_at": None if row.completed_at is None else utc(row.completed_at),
        "comment": row.comment,
        "attachment_sha256": row.attachment_sha256,
        "source": "template" if row.template_key else "manual",
        "created_at": utc(row.created_at),
        "actor": row.actor,
    }


def _object(row: TaskRow, model: str | None) -> str:
    return f"{model}#tasks/{row.id}" if model else f"project:{row.project}#tasks/{row.id}"


class SqlTaskStore:
    def __init__(self, db: Database):
        self.db = db

    def model(self, ref: Ref) -> tuple[int, str]:
        """The id and project/name of the model a reference names."""
        with self.db.session() as s:
            mid, project, name = find_model(s, ref)
            return mid, f"{project}/{name}"

    def add(
        self,
        project: str,
        model_id: int | None,
        fields: dict[str, Any],
        actor: str,
        at: datetime,
        template_key: str | None = None,
    ) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            return self._add(s, project, model_id, fields, actor, at, template_key)

    def _add(
        self,
        s: Session,
        project: str,
        model_id: int | None,
        fields: dict[str, Any],
        actor: str,
        at: datetime,
        template_key: str | None,
    ) -> dict[str, Any]:
        deps = list(fields.get("depends_on") or [])
        if deps:
            found = {
                r.id: r for r in s.execute(select(TaskRow).where(TaskRow.id.in_(deps))).scalars()
            }
            bad = [d for d in deps if d not in found or found[d].project != project]
            if bad:
                raise InvalidInput(
                    f"A task depends only on tasks of its own project; "
                    f"{', '.join(map(str, sorted(set(bad))))} is not one (mmds.tasks lists them)."
                )
        row = TaskRow(
            project=project, model_id=model_id, milestone=fields.get("milestone"),
            title=fields["title"], description=fields.get("description"),
            assignee=fields.get("assignee"), assignee_group=fields.get("group"),
            due=fields.get("due"), depends_on=deps, weight=float(fields.get("weight", 1.0)),
            template_key=template_key, status="open", created_at=at, actor=actor,
        )  # fmt: skip
        s.add(row)
        s.flush()
        model = _model_names(s, {model_id} if model_id else set()).get(model_id or 0)
        d = task_dict(row, model)
        after = {k: d[k] for k in ("title", "milestone", "assignee", "group", "weight")}
        append_event(s, actor, "task.add", "task", _object(row, model), None, after)
        return d

    def ensure_template_tasks(
        self, project: str, model_id: int, template_id: int, specs: list[dict[str, Any]],
        actor: str, at: datetime,
    ) -> None:  # fmt: skip
        """Make a template's tasks for a model once (later calls find them made)."""
        with self.db.session(write=True) as s:
            made = {
                r.template_key: r
                for r in s.execute(
                    select(TaskRow).where(
                        TaskRow.model_id == model_id,
                        TaskRow.template_key.startswith(f"{template_id}:"),
                    )
                ).scalars()
            }
            by_title = {r.title: r.id for r in made.values()}
            for i, spec in enumerate(specs):
                key = f"{template_id}:{i}"
                if key in made:
                    continue
                deps = [by_title[t] for t in spec.get("depends_on") or [] if t in by_title]
                fields = {**spec, "depends_on": deps}
                d = self._add(s, project, model_id, fields, actor, at, key)
                by_title[d["title"]] = d["id"]

    def tasks(self, project: str | None, model_id: int | None) -> list[dict[str, Any]]:
        """Tasks of a project (and every model of it), or of a model and its project."""
        with self.db.session() as s:
            q = select(TaskRow).order_by(TaskRow.id)
            if model_id is not None:
                q = q.where(
                    or_(TaskRow.model_id == model_id, TaskRow.model_id.is_(None)),
                    TaskRow.project == project,
                )
            elif project is not None:
                q = q.where(TaskRow.project == project)
            rows = list(s.execute(q).scalars())
            names = _model_names(s, {r.model_id for r in rows if r.model_id})
            return [task_dict(r, names.get(r.model_id or 0)) for r in rows]

    def get(self, task_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(TaskRow, task_id)
            if row is None:
                raise NotFound(f"There is no task {task_id}; mmds.tasks() lists them.")
            names = _model_names(s, {row.model_id} if row.model_id else set())
            return task_dict(row, names.get(row.model_id or 0))

    def complete(
        self, task_id: int, actor: str, comment: str | None, sha: str | None, at: datetime
    ) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            row = s.get(TaskRow, task_id)
            if row is None:
                raise NotFound(f"There is no task {task_id}; mmds.tasks() lists them.")
            if row.status == "done":
                raise ConflictError(
                    f"Task {task_id} ({row.title}) was completed already by {row.completed_by}."
                )
            deps = list(row.depends_on or [])
            open_deps = list(
                s.execute(
                    select(TaskRow).where(TaskRow.id.in_(deps), TaskRow.status != "done")
                ).scalars()
            )
            if open_deps:
                names = ", ".join(f"{d.id} ({d.title})" for d in open_deps)
                raise ConflictError(
                    f"Task {task_id} ({row.title}) depends on task(s) not done yet: {names}. "
                    "Complete them first."
                )
            row.status, row.completed_by, row.completed_at = "done", actor, at
            row.comment, row.attachment_sha256 = comment, sha
            s.flush()
            model = _model_names(s, {row.model_id} if row.model_id else set()).get(
                row.model_id or 0
            )
            after = {"comment": comment, "attachment_sha256": sha, "title": row.title}
            append_event(s, actor, "task.complete", "task", _object(row, model), None, after)
            return task_dict(row, model)
