"""Automated retraining: a model's retrain definition owns a job (its notebook and the
parameters papermill injects), and the scheduler's tick queues a run of it when an alert has
persisted long enough; a schedule runs it through the job's cron, a person through
``mmds.retrain``.

Each run is given the model, its champion (``model_ref``, pinned to a version when the run
starts), the alert that triggered it and the data window to train on; the notebook registers
the challenger and opens the promotion request (example_notebooks/05_retrain.ipynb). The
cool-down counts from the last run of the job, whatever triggered it.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound
from ..scheduler.outcomes import now_utc
from .retrain import (
    RetrainDefinition,
    cooling_until,
    define_retrain,
    retrain_due,
    window_span,
)

if TYPE_CHECKING:
    from ..registry import Registry
    from ..scheduler.entities import Run

log = logging.getLogger("mmds.retrain")
# What the scheduler gives each run (besides the job's own parameters); the notebook's
# parameters cell must declare them all.
RUN_PARAMETERS = ("model", "model_ref", "alert_id", "reason", "train_from", "train_to")


def job_name(model: str) -> str:
    """The job that runs a model's retraining: ``retrain-<project>.<model>``."""
    return "retrain-" + re.sub(r"[^A-Za-z0-9_.-]", "-", model.replace("/", "."))


def _model(reg: Registry, model: str) -> str:
    from .monitors import model_ref

    hint = "; the run trains a challenger to its @champion"
    ref = model_ref(reg, model, "A retrain definition", hint)
    return f"{ref.project + '/' if ref.project else ''}{ref.name}"


def set_retrain(
    reg: Registry,
    model: str,
    notebook: str,
    parameters: dict[str, Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Store the model's retrain definition and create (or change) the job that runs it."""
    import os

    from ..scheduler.notebooks import notebook_parameters, resolve_notebook

    name = _model(reg, model)
    definition = define_retrain(os.fspath(notebook), **options)
    champion = f"{name}@champion"
    try:
        reg.get(champion)
    except NotFound:
        raise NotFound(
            f"{name} has no @champion to retrain: set it first, e.g. "
            f"mmds.alias('{name}:1', 'champion')."
        ) from None
    scheduler = reg.jobs
    path = resolve_notebook(definition.notebook, scheduler.config.root_dir)
    missing = [p for p in RUN_PARAMETERS if p not in notebook_parameters(path)]
    if missing:
        raise InvalidInput(
            f"{path.name} must declare {', '.join(missing)} in its 'parameters' cell: the "
            "scheduler gives every retraining run " + ", ".join(RUN_PARAMETERS) + "."
        )
    given = dict(parameters or {})
    taken = sorted(set(given) & set(RUN_PARAMETERS))
    if taken:
        raise InvalidInput(
            f"parameters= may not set {', '.join(taken)}: the scheduler gives them to each run."
        )
    job = scheduler.create(
        job_name(name),
        str(path),
        cron=definition.schedule if definition.trigger == "schedule" else None,
        parameters={**given, "model": name, "model_ref": champion},
        description=f"Retrains {name} ({definition.trigger}); see mmds.retrain_definition.",
        replace=True,
    )
    stored = {**definition.to_dict(), "notebook": job.notebook, "parameters": given}
    reg.store.retrains.set_definition(reg._ref(name), stored, job.name, reg.actor)
    return {"model": name, "job": job.name, **stored}


def retrain_definition(reg: Registry, model: str) -> dict[str, Any]:
    """The model's retrain definition, its job and the job's last runs."""
    name, definition, job = reg.store.retrains.definition(reg._ref(_model(reg, model)))
    if definition is None or job is None:
        raise NotFound(
            f"{name} has no retrain definition; define one with "
            f"mmds.set_retrain('{name}', 'retrain.ipynb')."
        )
    runs = reg.jobs.runs(job=job, limit=5)
    return {"model": name, "job": job, **definition, "runs": [r.to_dict() for r in runs]}


def _definition(stored: dict[str, Any]) -> RetrainDefinition:
    known = RetrainDefinition.__dataclass_fields__
    return RetrainDefinition(**{k: v for k, v in stored.items() if k in known})


def _run_parameters(
    definition: RetrainDefinition, alert_id: int | None, reason: str, now: datetime
) -> dict[str, Any]:
    start = now - window_span(definition.train_window)
    return {
        "alert_id": alert_id,
        "reason": reason,
        "train_from": start.isoformat(),
        "train_to": now.isoformat(),
    }


def retrain(reg: Registry, model: str, reason: str | None = None) -> Run:
    """Queue a retraining run now, by hand (a person's decision: no cool-down applies)."""
    name = _model(reg, model)
    _, stored, job = reg.store.retrains.definition(reg._ref(name))
    if stored is None or job is None:
        raise NotFound(
            f"{name} has no retrain definition; define one with "
            f"mmds.set_retrain('{name}', 'retrain.ipynb')."
        )
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput(f"reason is text, not {reason!r}.")
    why = reason or f"retrained by hand by {reg.actor}"
    params = _run_parameters(_definition(stored), None, why, now_utc())
    return reg.jobs.run(job, trigger="manual", parameters=params)


def _alert_key(reg: Registry, model: str) -> tuple[Any, ...]:
    return tuple(
        (a["id"], a["level"], a["status"]) for a in reg.store.monitors.alerts(reg._ref(model), None)
    )


def queue_due(
    reg: Registry, seen: dict[str, tuple[Any, ...]], now: datetime | None = None
) -> list[int]:
    """Queue a run of each alert-triggered retraining that is due (a scheduler tick); returns
    the new run ids. ``seen`` remembers each model's alerts when it was last found not due,
    so the windows are judged again only when an alert was opened or raised since."""
    from .monitors import check_monitor

    at = now or now_utc()
    queued = []
    for model, stored, job in reg.store.retrains.definitions():
        definition = _definition(stored)
        if definition.trigger != "alert":
            continue
        last = reg.jobs.runs(job=job, limit=1)
        last_run = last[0].created_at if last else None
        if cooling_until(definition, last_run, at) is not None:
            continue  # nothing to judge before the cool-down ends
        key = _alert_key(reg, model)
        if seen.get(model) == key:
            continue
        try:
            result = check_monitor(reg, model, record=False)
        except NotFound as exc:  # no monitor (or no champion): nothing to judge
            log.info("retraining %s: %s", model, exc)
            seen[model] = key
            continue
        decision = retrain_due(definition, result["checks"], last_run, at)
        if not decision.due:
            seen[model] = key
            continue
        alert_id = _alert_of(reg, model, result["ref"], decision.measure, decision.windows)
        params = _run_parameters(definition, alert_id, decision.reason, at)
        run = reg.jobs.run(job, trigger="alert", parameters=params)
        log.info("retraining %s: queued run %s (%s)", model, run.id, decision.reason)
        queued.append(run.id)
    return queued


def _alert_of(
    reg: Registry, model: str, ref: str, measure: str | None, windows: list[str] | None
) -> int | None:
    """The alert of the last window in which the measure persisted."""
    for a in reg.store.monitors.alerts(reg._ref(model), None):
        if a["ref"] == ref and a["measure"] == measure and windows and a["window"] == windows[-1]:
            return int(a["id"])
    return None
