"""Jobs and runs over HTTP: the :class:`~mmds_jupyter.scheduler.Scheduler` methods a front end
uses, as calls to the jobs and runs routes, returning the same Job and Run entities."""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

from .refs import MAX_ID, whole_number
from .remote_http import Transport, path_of
from .scheduler.entities import Job, Run

# The largest page of runs the route serves (server/jobs.MAX_RUNS).
MAX_RUNS = 500


def _entity(cls: type[Any], data: Mapping[str, Any]) -> Any:
    """A Job or Run from its JSON (times read back from ISO text; route extras ignored)."""
    kw = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if isinstance(value, str) and f.name.endswith(("_at", "_for", "not_before")):
            value = datetime.fromisoformat(value)
        kw[f.name] = value
    return cls(**kw)


class RemoteJobs:
    """``create``, ``update``, ``list``, ``get``, ``pause``, ``resume``, ``delete``, ``run``,
    ``runs``, ``get_run``, ``cancel_run`` and ``score_sets`` of the server's scheduler. Notebook
    paths are the server's: relative to its scheduler's root."""

    def __init__(self, http: Transport):
        self.http = http

    def create(
        self,
        name: str,
        notebook: str,
        parameters_as_text: bool = False,
        replace: bool = False,
        **kwargs: Any,
    ) -> Job:
        """Check a job definition on the server and store it there, or with ``replace`` define
        the job anew (PUT); ``parameters_as_text`` is not sent: the route takes typed JSON
        parameters, so ``-p`` values stay text."""
        body = {"name": name, "notebook": os.fspath(notebook), **kwargs}
        if replace:
            return _entity(Job, self.http.put(path_of("jobs", name), body))
        return _entity(Job, self.http.post("jobs", body))

    def update(self, name: str, /, parameters_as_text: bool = False, **changes: Any) -> Job:
        """Change the named fields of the job on the server (PATCH); the others keep their
        values there. ``parameters_as_text`` is not sent (see :meth:`create`)."""
        if "notebook" in changes:
            changes["notebook"] = os.fspath(changes["notebook"])
        return _entity(Job, self.http.patch(path_of("jobs", name), changes))

    def list(self) -> builtins.list[Job]:
        return [_entity(Job, j) for j in self.http.get("jobs")["items"]]

    def schedulers(self) -> builtins.list[dict[str, Any]]:
        found: builtins.list[dict[str, Any]] = self.http.get("jobs")["schedulers"]
        for s in found:
            for key in ("started_at", "seen_at", "stopped_at"):
                s[key] = datetime.fromisoformat(s[key]) if s[key] else None
        return found

    def notebooks(self) -> builtins.list[dict[str, Any]]:
        found: builtins.list[dict[str, Any]] = self.http.get("notebooks")["items"]
        return found

    def get(self, name: str) -> Job:
        return _entity(Job, self.http.get(path_of("jobs", name), {"limit": 1}))

    def pause(self, name: str) -> Job:
        return _entity(Job, self.http.post(path_of("jobs", name, "pause")))

    def resume(self, name: str) -> Job:
        return _entity(Job, self.http.post(path_of("jobs", name, "resume")))

    def delete(self, name: str) -> Job:
        return _entity(Job, self.http.delete(path_of("jobs", name)))

    def run(self, name: str) -> Run:
        return _entity(Run, self.http.post(path_of("jobs", name, "run")))

    def runs(
        self, job: str | None = None, status: str | None = None, limit: int | None = 50
    ) -> builtins.list[Run]:
        """Runs, newest first (at most 500 over HTTP); ``status`` is filtered here."""
        n = MAX_RUNS if limit is None or status else whole_number("limit", limit, 1)
        found = [_entity(Run, r) for r in self.http.get("runs", {"job": job, "limit": n})["items"]]
        if status:
            found = [r for r in found if r.status == status]
        return found if limit is None else found[:limit]

    def get_run(self, run_id: int) -> Run:
        run_id = whole_number("run id", run_id, 0, MAX_ID)
        return _entity(Run, self.http.get(f"runs/{run_id}"))

    def cancel_run(self, run_id: int) -> Run:
        run_id = whole_number("run id", run_id, 0, MAX_ID)
        return _entity(Run, self.http.post(f"runs/{run_id}/cancel"))

    def score_sets(self, run_id: int) -> builtins.list[dict[str, Any]]:
        run_id = whole_number("run id", run_id, 0, MAX_ID)
        found: builtins.list[dict[str, Any]] = self.http.get(f"runs/{run_id}")["score_sets"]
        return found
