"""Custom processes: the tasks of a project or a model (title, description, assignee user or
group, due date, dependencies, weight, milestone), declared in the template (made once per
model) or added by hand, completed with a comment and an optional attachment. A milestone's
progress is the weighted share of its tasks done; the gate ``{tasks: MILESTONE}`` needs them
all done."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..auth.permissions import GRANT
from ..errors import InvalidInput, PermissionDenied
from ..refs import MAX_ID, MAX_NAME, Ref, check_name, check_text, parse_ref, whole_number

if TYPE_CHECKING:
    from ..registry import Registry

COLUMNS = [
    "id", "project", "model", "milestone", "title", "assignee", "group", "due", "depends_on",
    "weight", "status", "completed_by", "completed_at", "comment", "attachment_sha256",
    "source", "description",
]  # fmt: skip


def _when(due: Any) -> datetime | None:
    if due is None or isinstance(due, datetime):
        return due if due is None or due.tzinfo else due.replace(tzinfo=timezone.utc)
    if isinstance(due, date):
        return datetime(due.year, due.month, due.day, tzinfo=timezone.utc)
    if isinstance(due, str):
        try:
            return _when(datetime.fromisoformat(due))
        except ValueError:
            pass
    raise InvalidInput(f"A due date is a date or an ISO date (2026-06-30), not {due!r}.")


def fields(
    title: Any,
    description: Any = None,
    assignee: Any = None,
    group: Any = None,
    due: Any = None,
    depends_on: Any = None,
    weight: Any = 1.0,
    milestone: Any = None,
) -> dict[str, Any]:
    """A task's fields, checked; one clear error for a bad one."""
    if not isinstance(title, str) or not title.strip():
        raise InvalidInput("A task needs a title, e.g. 'Independent validation report'.")
    check_text("The title", title, MAX_NAME)
    check_text("The description", description)
    check_text("The assignee", assignee, MAX_NAME)
    if group is not None:
        check_name("Group", group)
    if milestone is not None:
        check_name("Milestone", milestone)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1e6:
        raise InvalidInput(f"A task's weight is a positive number, not {weight!r}.")
    deps = depends_on or []
    if not isinstance(deps, list):
        deps = [deps]
    deps = [whole_number("A task it depends on", d, 1, MAX_ID) for d in deps]
    return {
        "title": title.strip(), "description": description, "assignee": assignee,
        "group": group, "due": _when(due), "depends_on": deps, "weight": float(weight),
        "milestone": milestone,
    }  # fmt: skip


def target(reg: Registry, where: Any) -> tuple[str, int | None]:
    """A project (``risk``) or a model (``risk/churn``): its project and model id."""
    if not isinstance(where, str) or not where.strip():
        raise InvalidInput("Name a project (risk) or a model (risk/churn) for the task.")
    if "/" not in where:
        return check_name("Project", where), None
    r = parse_ref(where)
    mid, name = reg.task_store.model(Ref(name=r.name, project=r.project))
    return name.split("/", 1)[0], mid


def ensure_template_tasks(reg: Registry, project: str, model_id: int) -> None:
    """Make the bound template's tasks for a model, once."""
    name = reg.governance_store.binding(project)
    t = name and reg.governance_store.template(name)
    specs = (t or {}).get("spec", {}).get("tasks") if t else None
    if not specs:
        return
    now = reg.clock()
    made = [
        {**{k: v for k, v in s.items() if k != "due_days"},
         "due": now + timedelta(days=s["due_days"]) if s.get("due_days") else None}
        for s in specs
    ]  # fmt: skip
    reg.task_store.ensure_template_tasks(project, model_id, t["id"], made, reg.actor, now)


def add(reg: Registry, where: Any, **kw: Any) -> dict[str, Any]:
    f = fields(**kw)
    project, mid = target(reg, where)
    if mid is not None:
        ensure_template_tasks(reg, project, mid)
    return dict(reg.task_store.add(project, mid, f, reg.actor, reg.clock()))


def _mine(reg: Registry, t: dict[str, Any]) -> bool:
    if t["assignee"] == reg.actor:
        return True
    if not t["group"]:
        return False
    standing = reg.standing(t["project"]) if reg.standing else None
    return standing is None or t["group"] in standing[1]  # a laptop: every group is mine


def tasks(
    reg: Registry, where: Any = None, mine: bool = False, status: Any = None
) -> list[dict[str, Any]]:
    if status not in (None, "open", "done"):
        raise InvalidInput(f"status is open or done, not {status!r}.")
    project, mid = (None, None) if where is None else target(reg, where)
    if mid is not None and project is not None:
        ensure_template_tasks(reg, project, mid)
    rows = reg.task_store.tasks(project, mid)
    return [
        t for t in rows if (not mine or _mine(reg, t)) and (status is None or t["status"] == status)
    ]


def complete(reg: Registry, task_id: Any, comment: Any, attachment: Any) -> dict[str, Any]:
    n = whole_number("task id", task_id, 1, MAX_ID)
    check_text("The comment", comment)
    task = reg.task_store.get(n)
    if (task["assignee"] or task["group"]) and not _mine(reg, task):
        standing = reg.standing(task["project"]) if reg.standing else None
        if standing is not None and GRANT not in standing[0]:
            who = " or ".join(
                x for x in (task["assignee"], task["group"] and f"group {task['group']}") if x
            )
            raise PermissionDenied(
                f"Task {n} ({task['title']}) is assigned to {who}; {reg.actor} may not complete "
                f"it (an owner of project {task['project']} may)."
            )
    sha = None
    if attachment is not None:
        if not isinstance(attachment, str) or not attachment.strip():
            raise InvalidInput("An attachment is a non-empty text (e.g. a report's HTML).")
        sha = reg.artifacts.put(attachment.encode())
    return dict(reg.task_store.complete(n, reg.actor, comment, sha, reg.clock()))


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("due", "completed_at"):
        out[c] = pd.to_datetime(out[c], utc=True)
    return out


def progress(rows: list[dict[str, Any]] | pd.DataFrame) -> dict[str | None, dict[str, Any]]:
    """Per milestone (None: tasks of no milestone): the weighted share of tasks done."""
    found: list[dict[str, Any]] = (
        [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]
        if isinstance(rows, pd.DataFrame)
        else rows
    )
    out: dict[str | None, dict[str, Any]] = {}
    for t in found:
        m = t["milestone"] if isinstance(t["milestone"], str) else None
        p = out.setdefault(m, {"done": 0.0, "total": 0.0, "tasks": 0, "open": []})
        p["total"] += t["weight"]
        p["tasks"] += 1
        if t["status"] == "done":
            p["done"] += t["weight"]
        else:
            p["open"].append(t["id"])
    for p in out.values():
        p["progress"] = p["done"] / p["total"] if p["total"] else 0.0
    return out
