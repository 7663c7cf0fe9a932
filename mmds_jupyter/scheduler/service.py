"""The jobs service: create, list, pause, resume, run and delete jobs; list, show, cancel runs."""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import MMDSError
from ..refs import MAX_ID, whole_number
from .claims import schedule_of
from .config import MMDSScheduler
from .entities import Job, Run
from .errors import JobRefused, ParameterRefused
from .notebooks import coerce_text, notebook_choices, notebook_parameters, resolve_notebook
from .outcomes import now_utc
from .score_sets import score_sets_of_run
from .spark_master import PARAMETER as SPARK_PARAMETER
from .spark_master import check_spark_master
from .spec import SCHEDULE_FIELDS, check_job, definition_of, refuse_unknown
from .timing import normalise, parse_zone

if TYPE_CHECKING:
    from ..registry import Registry

# Deeper values overflow the JSON encoders' recursion (the parameters object is level 1).
MAX_NESTING = 32
# The most notebooks that ``notebooks`` lists (a root holding more is better narrowed).
MAX_NOTEBOOKS = 500
# The widths of the job table's text columns.
_LENGTHS = {"name": 200, "notebook": 2000, "schedule": 200}


def scheduler_status(schedulers: builtins.list[dict[str, Any]]) -> str:
    """Whether queued runs will start, in one line: the schedulers alive, or how to start one."""
    alive = [s for s in schedulers if s["alive"]]
    if not alive:
        return "No scheduler is running: queued runs wait until one starts (`mmds scheduler`)."
    where = ", ".join(f"{s['host']} (pid {s['pid']})" for s in alive)
    return f"{len(alive)} scheduler{'s' if len(alive) > 1 else ''} running: {where}."


class Scheduler:
    """Jobs and runs of one registry; every call is one transaction and writes an event."""

    def __init__(self, registry: Registry, config: MMDSScheduler | None = None):
        self.registry = registry
        self.jobs = registry.job_store()
        self.config = config or MMDSScheduler()

    # -- jobs ----------------------------------------------------------------------------------

    def create(
        self,
        name: str,
        notebook: str,
        *,
        cron: str | None = None,
        every: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        timezone: str = "UTC",
        max_concurrent: int = 1,
        timeout: float | None = None,
        retries: int = 0,
        retry_delay: float = 60.0,
        catchup: str = "once",
        keep_outputs: int | None = None,
        description: str | None = None,
        paused: bool = False,
        spark_master: str | None = None,
        parameters_as_text: bool = False,
        replace: bool = False,
    ) -> Job:
        """Check a job definition and store it; nothing is stored if any check fails.

        ``parameters_as_text`` types string values (from ``-p key=value``) like the defaults in
        the notebook's parameters cell.
        """
        definition = {
            "name": name,
            "notebook": notebook,
            "cron": cron,
            "every": every,
            "parameters": parameters,
            "timezone": timezone,
            "max_concurrent": max_concurrent,
            "timeout": timeout,
            "retries": retries,
            "retry_delay": retry_delay,
            "catchup": catchup,
            "keep_outputs": keep_outputs,
            "description": description,
            "paused": paused,
            "spark_master": spark_master,
        }
        fields = self._checked(definition, parameters_as_text)
        if replace:  # a definition that owns its job (a retraining) changes it in place
            job = self.jobs.replace_job(name, fields, self.registry.actor)
        else:
            job = self.jobs.create_job(fields, self.registry.actor)
        return self._with_next(job)

    def _checked(self, definition: dict[str, Any], parameters_as_text: bool) -> dict[str, Any]:
        """The job table's columns of a ``definition`` (the keyword arguments of :meth:`create`)
        once every check passed: the one check of a new job and of a changed one."""
        notebook = definition["notebook"]
        if isinstance(notebook, os.PathLike):  # a Path is fine from Python
            notebook = os.fspath(notebook)
            definition = {**definition, "notebook": notebook}
        check_job(definition)
        name = definition["name"]
        spark_master, timezone = definition["spark_master"], definition["timezone"]
        check_spark_master(spark_master)
        path = resolve_notebook(notebook, self.config.root_dir)
        declared = notebook_parameters(path)
        schedule = normalise(definition["cron"], definition["every"])
        _check_lengths(name=name, notebook=str(path), schedule=schedule)
        parse_zone(timezone)
        parameters = dict(definition["parameters"] or {})
        params = self._check_parameters(parameters, declared, path, parameters_as_text)
        if spark_master is not None and SPARK_PARAMETER in params:
            raise ParameterRefused(
                f"Give the Spark master once: as spark_master ({spark_master!r}) or as the "
                f"parameter {SPARK_PARAMETER} ({params[SPARK_PARAMETER]!r}), not both."
            )
        now = now_utc()
        return dict(
            name=name,
            notebook=str(path),
            schedule=schedule,
            timezone=timezone,
            parameters=params,
            max_concurrent=definition["max_concurrent"],
            timeout_s=definition["timeout"],
            max_retries=definition["retries"],
            retry_delay_s=definition["retry_delay"],
            catchup=definition["catchup"],
            keep_outputs=definition["keep_outputs"],
            paused=definition["paused"],
            scheduled_until=now,
            created_at=now,
            created_by=self.registry.actor,
            description=definition["description"],
            spark_master=spark_master,
        )

    def update(
        self,
        name: str,
        /,
        *,
        parameters_as_text: bool = False,
        may_change: Callable[[Job], None] | None = None,
        **changes: Any,
    ) -> Job:
        """Change the fields of the job ``name`` that ``changes`` names; every other field keeps
        its stored value. The result is checked exactly as :meth:`create` checks a job, stored
        in place and audited as ``job.update``; runs already queued keep what they were given.

        ``cron`` and ``every`` are one setting: naming either replaces the schedule (neither
        given a value: on demand). ``parameters`` replaces the whole mapping. ``may_change``
        (the server's permission check) is called with the job as stored, under the same lock,
        and raises when the caller may not change it.
        """
        refuse_unknown(changes, JobRefused)
        if changes.get("name", name) != name:
            raise JobRefused(
                f"A job cannot be renamed ({name!r} to {changes['name']!r}): create one under the "
                "new name, then delete the old one."
            )
        if not set(changes) - {"name"}:
            raise JobRefused(
                f"Name what to change in the job {name!r} (e.g. its cron schedule or its "
                "retries); the fields not named keep their values."
            )
        as_text = parameters_as_text and "parameters" in changes

        def merge(stored: Job) -> dict[str, Any]:
            if may_change is not None:
                may_change(stored)
            values = definition_of(stored)
            if any(field in changes for field in SCHEDULE_FIELDS):
                values.update(dict.fromkeys(SCHEDULE_FIELDS))
            values.update(changes)
            return self._checked(values, as_text)

        # Read, merge, check and write in one transaction that holds the job: two changes at
        # once both land, and a job deleted meanwhile is not found instead of brought back.
        return self._with_next(self.jobs.update_job(name, merge, self.registry.actor))

    def _check_parameters(
        self, params: dict[str, Any], declared: dict[str, Any], path: Any, as_text: bool
    ) -> dict[str, Any]:
        unknown = sorted(set(params) - set(declared))
        if unknown:
            names = ", ".join(sorted(declared)) or "none"
            raise ParameterRefused(
                f"{path.name} does not declare the parameter(s) {', '.join(unknown)} in its "
                f"'parameters' cell (it declares: {names}). Fix the spelling, or add an "
                "assignment with a default value to that cell."
            )
        if as_text:
            params = {k: coerce_text(str(v), declared[k]) for k, v in params.items()}
        for key in self.config.model_ref_parameters:
            if key not in params:
                continue
            try:
                self.registry.get(str(params[key]))
            except MMDSError as exc:
                raise ParameterRefused(
                    f"The parameter {key}={params[key]!r} does not name a model version in the "
                    f"registry: {exc}"
                ) from None
        if _nesting(params) > MAX_NESTING:
            raise ParameterRefused(
                f"Job parameters may nest lists and dicts at most {MAX_NESTING} levels deep."
            )
        try:
            json.dumps(params)
        except (TypeError, ValueError):
            raise ParameterRefused(
                "Job parameters must be plain values (text, numbers, booleans, lists, dicts) "
                "so they can be stored and passed to the notebook."
            ) from None
        return params

    def notebooks(self) -> builtins.list[dict[str, Any]]:
        """The notebooks a job can run (``path`` under the root), each with the parameters its
        cell declares (``name``, ``default``, ``has_default``) or the ``problem`` with it."""
        return notebook_choices(self.config.root_dir, MAX_NOTEBOOKS)

    def schedulers(self) -> builtins.list[dict[str, Any]]:
        """The `mmds scheduler` processes seen, newest check-in first, each with ``alive``:
        queued runs start only while one is alive."""
        return self.jobs.schedulers()

    def list(self) -> list[Job]:
        """Every job, by name, with its next due time and last run status."""
        return [self._with_next(job, mark, last) for job, mark, last in self.jobs.jobs()]

    def get(self, name: str) -> Job:
        """One job by name."""
        return self._with_next(*self.jobs.job(name))

    def _with_next(
        self, job: Job, mark: datetime | None = None, last_status: str | None = None
    ) -> Job:
        if job.schedule and not job.paused:
            sched = schedule_of(job)
            if sched is not None:
                job.next_run_at = sched.next_after(max(mark or job.created_at, now_utc()))
        job.last_status = last_status
        return job

    def pause(self, name: str) -> Job:
        """Stop scheduling new occurrences of a job (running runs finish; "run now" still works)."""
        return self._with_next(self.jobs.set_paused(name, True, self.registry.actor))

    def resume(self, name: str) -> Job:
        """Schedule a paused job again from now on; occurrences during the pause are not run."""
        return self._with_next(self.jobs.set_paused(name, False, self.registry.actor))

    def delete(self, name: str) -> Job:
        """Delete a job that has no run queued or running (cancel those first); its past runs,
        their outputs and the audit log keep its name."""
        return self.jobs.delete_job(name, self.registry.actor)

    def run(
        self, name: str, *, trigger: str = "manual", parameters: dict[str, Any] | None = None
    ) -> Run:
        """Queue a run of the job at once, whatever its schedule or pause; ``parameters``
        override the job's for this run (a retraining's alert and data window)."""
        return self.jobs.queue_run(name, self.registry.actor, trigger, parameters)

    # -- runs ----------------------------------------------------------------------------------

    def runs(
        self, job: str | None = None, status: str | None = None, limit: int | None = 50
    ) -> builtins.list[Run]:
        """Runs, newest first, optionally of one job and/or in one status."""
        if limit is not None:
            limit = whole_number("limit", limit, 1)
        return self.jobs.runs(job, status, limit)

    def get_run(self, run_id: int) -> Run:
        """One run by id."""
        return self.jobs.run(whole_number("run id", run_id, 0, MAX_ID))

    def cancel_run(self, run_id: int) -> Run:
        """Cancel a queued run at once, or ask the scheduler running it to stop its kernel."""
        run_id = whole_number("run id", run_id, 0, MAX_ID)
        return self.jobs.cancel_run(run_id, self.registry.actor)

    def score_sets(self, run_id: int) -> builtins.list[dict[str, Any]]:
        """The score sets that a run's notebook wrote."""
        self.get_run(run_id)
        return score_sets_of_run(self.registry, run_id)


def _check_lengths(**texts: str | None) -> None:
    for field, text in texts.items():
        limit = _LENGTHS[field]
        if text is not None and len(text) > limit:
            raise JobRefused(f"The job's {field} is {len(text)} characters; at most {limit} fit.")


def _nesting(value: Any) -> int:
    """How deeply lists and dicts nest in ``value`` (without recursion, whatever the depth)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, depth + 1) for v in item)
    return deepest
