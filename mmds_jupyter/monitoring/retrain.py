"""When a model is retrained: a retrain definition and the decision it takes on a monitor's
checks. The scheduler that runs the notebook (papermill) is not here (see retrain_runs.py): this
module only says whether a run is due, and why, so that the decision can be tested alone.

A definition names the parameterised notebook, what triggers it (an alert that persists for
``windows`` consecutive windows, a schedule, or only by hand), a cool-down after a run, and
the data window to train on.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from ..errors import InvalidInput

TRIGGERS = ("alert", "schedule", "manual")


@dataclass(frozen=True)
class RetrainDefinition:
    notebook: str
    trigger: str = "alert"
    windows: int = 2  # consecutive windows an alert must persist (trigger="alert")
    cooldown_days: float = 7.0
    train_window: str = "90d"  # the data to train on: "90d" (days) or "8w" (weeks)
    schedule: str | None = None  # a cron expression (trigger="schedule")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def define_retrain(notebook: Any, **options: Any) -> RetrainDefinition:
    """A checked retrain definition; one clear error for each bad field."""
    if not isinstance(notebook, str) or not notebook.endswith(".ipynb"):
        raise InvalidInput(f"A retrain definition names a notebook (.ipynb), not {notebook!r}.")
    d = RetrainDefinition(notebook, **options)
    if d.trigger not in TRIGGERS:
        raise InvalidInput(f"trigger is {', '.join(TRIGGERS)}; not {d.trigger!r}.")
    if isinstance(d.windows, bool) or not isinstance(d.windows, int) or d.windows < 1:
        raise InvalidInput(f"windows is a whole number of at least 1, not {d.windows!r}.")
    if not isinstance(d.cooldown_days, (int, float)) or d.cooldown_days < 0:
        raise InvalidInput(f"cooldown_days is a number of days >= 0, not {d.cooldown_days!r}.")
    window_span(d.train_window)
    if d.trigger == "schedule" and not d.schedule:
        raise InvalidInput("A scheduled retraining needs schedule= (a cron expression).")
    return d


def window_span(text: Any) -> timedelta:
    """The span of a data window to train on: ``90d`` (days) or ``8w`` (weeks)."""
    match = re.fullmatch(r"\s*([0-9]+)\s*([dw])\s*", text) if isinstance(text, str) else None
    if match is None or int(match[1]) < 1:
        raise InvalidInput(
            f"train_window is a number of days or weeks, e.g. '90d' or '8w'; not {text!r}."
        )
    n = int(match[1])
    return timedelta(days=n) if match[2] == "d" else timedelta(weeks=n)


@dataclass(frozen=True)
class RetrainDecision:
    due: bool
    reason: str
    measure: str | None = None
    windows: list[str] | None = None


def persisting_alert(checks: list[dict[str, Any]], n: int) -> tuple[str, list[str]] | None:
    """The first measure whose verdict is "alert" in each of the last ``n`` judged windows
    (windows judged "not enough data" for it neither break nor extend the run)."""
    order: list[str] = []
    for c in checks:
        if c["window"] not in order:
            order.append(c["window"])
    by_measure: dict[str, dict[str, str]] = {}
    for c in checks:
        by_measure.setdefault(c["measure"], {})[c["window"]] = c["verdict"]
    for measure, verdicts in by_measure.items():
        judged = [w for w in order if verdicts.get(w) not in (None, "not enough data")]
        last = judged[-n:]
        if len(last) == n and all(verdicts[w] == "alert" for w in last):
            return measure, last
    return None


def cooling_until(
    definition: RetrainDefinition, last_run: datetime | None, now: datetime
) -> datetime | None:
    """When the cool-down after the last run ends, if it has not ended by ``now``."""
    if last_run is None:
        return None
    until = last_run + timedelta(days=definition.cooldown_days)
    return until if now < until else None


def retrain_due(
    definition: RetrainDefinition,
    checks: list[dict[str, Any]],
    last_run: datetime | None,
    now: datetime,
) -> RetrainDecision:
    """Whether an alert-triggered retraining is due now, and why (or why not)."""
    if definition.trigger != "alert":
        return RetrainDecision(False, f"retraining is triggered by {definition.trigger}")
    found = persisting_alert(checks, definition.windows)
    if found is None:
        return RetrainDecision(
            False, f"no alert has persisted for {definition.windows} judged window(s)"
        )
    measure, windows = found
    until = cooling_until(definition, last_run, now)
    if last_run is not None and until is not None:
        return RetrainDecision(
            False, f"cooling down after the run of {last_run:%Y-%m-%d} until {until:%Y-%m-%d}",
            measure, windows,
        )  # fmt: skip
    return RetrainDecision(
        True,
        f"{measure} has been in alert for {len(windows)} window(s): {', '.join(windows)}",
        measure,
        windows,
    )
