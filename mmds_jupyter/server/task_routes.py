"""REST routes of tasks: add (to a project or a model), list (mine), complete. Thin: each
calls one registry service operation (governance/tasks.py)."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..encode import records
from ..errors import InvalidInput
from ..service import RegistryService
from .actions import LIST, NUMBER, TEXT, body
from .routes import MMDSHandler

ADD_FIELDS = {
    "ref": TEXT, "title": TEXT, "description": TEXT, "assignee": TEXT, "group": TEXT,
    "due": TEXT, "depends_on": LIST, "weight": NUMBER, "milestone": TEXT,
}  # fmt: skip


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in d.items()}


def add(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    b = body(raw, ADD_FIELDS, ("ref", "title"))
    return _jsonable(registry.add_task(b.pop("ref"), b.pop("title"), **b))


def tasks(registry: RegistryService, args: dict[str, str | None]) -> dict[str, Any]:
    mine = args.get("mine")
    if mine not in (None, "true", "false"):
        raise InvalidInput(f"mine is true or false, not {mine!r}.")
    status = args.get("status")
    if status == "":
        raise InvalidInput("status is open or done, not empty.")
    found = registry.tasks(args.get("ref") or None, mine=mine == "true", status=status)
    return {"items": records(found)}


def complete(registry: RegistryService, task_id: str, raw: bytes) -> dict[str, Any]:
    from .views import int_argument

    n = int_argument(task_id, "task id", 1, 1, 2**31 - 1)
    return _jsonable(registry.complete_task(n, **body(raw, {"comment": TEXT, "attachment": TEXT})))


class TasksHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(tasks, self.registry, self.args("ref", "mine", "status")))

    @tornado.web.authenticated
    async def post(self) -> None:
        made = await self.run(add, self.registry, self.request.body)
        self.set_status(201)
        self.reply(made)


class TaskCompleteHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, task_id: str) -> None:
        self.reply(await self.run(complete, self.registry, task_id, self.request.body))


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (r"tasks/(?P<task_id>[0-9]+)/complete", TaskCompleteHandler),
    ("tasks", TasksHandler),
]
