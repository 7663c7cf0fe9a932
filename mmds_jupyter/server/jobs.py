"""The blocking work behind the jobs and runs routes: call the scheduler, shape plain JSON.

Like :mod:`.views`, nothing here knows about HTTP: problems raise :class:`MMDSError` subclasses
whose ``http_status`` the one handler base class turns into a JSON error.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, MMDSError, NotFound
from ..scheduler import Scheduler
from ..scheduler.errors import RunNotFound
from ..scheduler.notebooks import shown_path
from ..scheduler.paths import runs_dir
from ..scheduler.spec import read_fields
from .views import int_argument

DEFAULT_RUNS = 20
MAX_RUNS = 500
# SQLite and PostgreSQL ids are 64-bit; a longer number names no run (rather than overflowing).
MAX_ID = 2**63 - 1


class OutputRefused(MMDSError):
    """A run's output path lies outside MMDS_HOME, so the server will not read it."""

    http_status = 403


class OutputMissing(NotFound):
    """The run has no executed notebook (yet, or any more)."""


class BodyRefused(InvalidInput):
    """A request body that is not the JSON object the route reads (names the bad field)."""


def job_dict(scheduler: Scheduler, job: Any) -> dict[str, Any]:
    """A job as JSON; its notebook relative to the scheduler's root (where it lies under it),
    so that no reader learns the server's folders and the path goes back as it came."""
    data: dict[str, Any] = job.to_dict()
    # A remote registry's jobs (a Lab forwarding to `mmds server`) have no root here: that
    # server has shown their notebooks relative to its own already.
    config = getattr(scheduler, "config", None)
    if config is not None:
        data["notebook"] = shown_path(job.notebook, config.root_dir)
    data["state"] = "paused" if job.paused else "active"
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def job_spec(body: bytes, partial: bool = False) -> dict[str, Any]:
    """The keyword arguments of :meth:`Scheduler.create` read from a POST jobs body (or, with
    ``partial``, the fields of a PATCH body that :meth:`Scheduler.update` changes)."""
    try:
        data = json.loads(body or b"null", parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise BodyRefused(f"The body must be a JSON object describing the job ({exc}).") from None
    if not isinstance(data, dict):
        raise BodyRefused(
            'The body must be a JSON object such as {"name": "nightly", "notebook": '
            '"score.ipynb", "cron": "0 2 * * *"}.'
        )
    return read_fields(data, BodyRefused, partial)


def create_job(scheduler: Scheduler, body: bytes) -> dict[str, Any]:
    """A new job from a POST body; Scheduler.create refuses what it could not run."""
    return job_dict(scheduler, scheduler.create(**job_spec(body)))


def replace_job(scheduler: Scheduler, name: str, body: bytes) -> dict[str, Any]:
    """The job ``name`` defined anew from a PUT body (created if there is none); runs already
    queued keep what they were given."""
    spec = job_spec(body)
    if spec["name"] != name:
        raise BodyRefused(
            f"The body names the job {spec['name']!r} but the path {name!r}; a job cannot be "
            "renamed: create one under the new name, then delete the old one."
        )
    return job_dict(scheduler, scheduler.create(**spec, replace=True))


def update_job(scheduler: Scheduler, name: str, body: bytes) -> dict[str, Any]:
    """Change the fields of the job ``name`` that a PATCH body names; the others keep their
    stored values (Scheduler.update checks the result as a create does)."""
    changes = job_spec(body, partial=True)
    if changes.get("name", name) != name:
        raise BodyRefused(
            f"The body names the job {changes['name']!r} but the path {name!r}; a job cannot be "
            "renamed: create one under the new name, then delete the old one."
        )
    if not set(changes) - {"name"}:
        raise BodyRefused(
            'Name the fields to change, e.g. {"cron": "0 3 * * *"} or {"retries": 2}; the '
            "others keep their values."
        )
    return job_dict(scheduler, scheduler.update(name, **changes))


def pause_job(scheduler: Scheduler, name: str) -> dict[str, Any]:
    return job_dict(scheduler, scheduler.pause(name))


def resume_job(scheduler: Scheduler, name: str) -> dict[str, Any]:
    return job_dict(scheduler, scheduler.resume(name))


def delete_job(scheduler: Scheduler, name: str) -> dict[str, Any]:
    """Delete a job with no run queued or running; its past runs stay, under its name."""
    return job_dict(scheduler, scheduler.delete(name))


def list_jobs(scheduler: Scheduler) -> dict[str, Any]:
    """The jobs, and the scheduler processes that start their runs (with whether alive)."""
    schedulers = [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in s.items()}
        for s in scheduler.schedulers()
    ]
    return {"items": [job_dict(scheduler, j) for j in scheduler.list()], "schedulers": schedulers}


def list_notebooks(scheduler: Scheduler) -> dict[str, Any]:
    """The notebooks a job can run, by path relative to the scheduler's root (which is not
    shown: it is a folder of the server's), with their parameters."""
    return {"items": scheduler.notebooks()}


def job_detail(scheduler: Scheduler, name: str, limit: str | None) -> dict[str, Any]:
    """One job with its newest runs."""
    data = job_dict(scheduler, scheduler.get(name))
    n = int_argument(limit, "limit", 5, 1, MAX_RUNS)
    runs = scheduler.runs(job=name, limit=n)
    data["runs"] = [r.to_dict() for r in runs]
    # Scheduler.get leaves last_status empty (only list() computes it); the newest run has it.
    data["last_status"] = runs[0].status if runs else None
    return data


def list_runs(scheduler: Scheduler, job: str | None, limit: str | None) -> dict[str, Any]:
    n = int_argument(limit, "limit", DEFAULT_RUNS, 1, MAX_RUNS)
    return {"items": [r.to_dict() for r in scheduler.runs(job=job or None, limit=n)]}


def _run_id(text: str) -> int:
    value = int(text)
    if value > MAX_ID:
        raise RunNotFound(f"There is no run {text}; `mmds runs list` shows the runs.")
    return value


def run_detail(scheduler: Scheduler, run_id: str) -> dict[str, Any]:
    """A run with its parameters, error (failing cell included) and the score sets it wrote."""
    rid = _run_id(run_id)
    data: dict[str, Any] = scheduler.get_run(rid).to_dict()
    data["score_sets"] = scheduler.score_sets(rid)
    return data


def run_job(scheduler: Scheduler, name: str) -> dict[str, Any]:
    """Queue a run of the job at once."""
    run: dict[str, Any] = scheduler.run(name).to_dict()
    return run


def cancel_run(scheduler: Scheduler, run_id: str) -> dict[str, Any]:
    """Cancel a queued run at once; a running run is stopped by its scheduler within seconds."""
    run: dict[str, Any] = scheduler.cancel_run(_run_id(run_id)).to_dict()
    return run


def run_notebook(scheduler: Scheduler, run_id: str) -> Any:
    """The executed notebook of a run, read only from the path its record holds under MMDS_HOME."""
    rid = _run_id(run_id)
    run = scheduler.get_run(rid)
    if not run.output_path:
        raise OutputMissing(
            f"Run {rid} has no executed notebook ({run.status}); runs that were cancelled "
            "before starting, or are still queued, have none."
        )
    # The runner writes outputs to MMDS_HOME/runs/<job>/; nothing else is served, even if a
    # run record (or a link on disk) points elsewhere.
    runs = runs_dir(scheduler.registry.home).resolve()
    path = Path(run.output_path).resolve()
    if not path.is_relative_to(runs):
        raise OutputRefused(
            f"Run {rid}'s output {run.output_path} is outside MMDS_HOME/runs ({runs}); the "
            "server only serves notebooks that the scheduler wrote there."
        )
    if not path.is_file():
        raise OutputMissing(
            f"Run {rid}'s executed notebook {path.name} is gone (a job's keep_outputs may have "
            "removed it)."
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise OutputMissing(f"Run {rid}'s executed notebook cannot be read as JSON.") from None
