"""Monitors: a model's performance definition, judged window by window, raising alerts.

A definition names the reference (a version or alias: its production rows are judged, against
the baseline and the test metrics frozen with it at capture), the calendar window, which
metrics and drift measures to judge and their (warning, alert) thresholds. A window with fewer
rows than ``min_rows`` (or, for metrics, fewer labelled rows or positives) is "not enough
data", never a verdict. The check runs when a production score set or actuals are stored and
on demand (``mmds.check_monitor``); it reads stored rows, labels and drift counts each time,
so late labels are judged when they arrive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidInput, NotFound
from ..refs import parse_ref
from . import baseline as bl
from .drift import NOT_ENOUGH, compare
from .windows import CALENDAR, assign_windows, scored_rows, window_row

if TYPE_CHECKING:
    import pandas as pd

    from ..entities import Version
    from ..refs import Ref
    from ..registry import Registry

# Metrics judged by how far they fell below the reference (absolute); the others by how much
# they rose above it (relative: +10% of the reference value).
HIGHER_IS_BETTER = ("roc_auc", "accuracy", "f1", "gini", "ks", "r2")
LOWER_IS_BETTER = ("rmse", "mae", "log_loss")
DRIFT_MEASURES = ("psi", "jensen_shannon", "wasserstein", "share_drifting")
DEFAULT_THRESHOLDS: dict[str, tuple[float, float]] = {
    "psi": (0.10, 0.25),
    "share_drifting": (0.30, 0.50),
    "roc_auc": (0.03, 0.05),
    "rmse": (0.10, 0.20),
}
MIN_ROWS, MIN_POSITIVES = 500, 30
DEFAULT_REFERENCE, DEFAULT_WINDOW = "champion", "week"
OK, WARNING, ALERT = "ok", "warning", "alert"


def define(
    version: Version,
    reference: str,
    window: str | None,
    metrics: list[str] | None,
    drift: list[str] | None,
    thresholds: dict[str, Any] | None,
    min_rows: int | None,
    min_positives: int | None,
) -> dict[str, Any]:
    """A checked definition with the defaults (the one place they are spelled) filled in for
    what is None: a weekly window, the task's main metric, PSI and the share of drifting
    inputs, their default thresholds, ``MIN_ROWS`` rows and ``MIN_POSITIVES`` positives."""
    window = DEFAULT_WINDOW if window is None else window
    min_rows = MIN_ROWS if min_rows is None else min_rows
    min_positives = MIN_POSITIVES if min_positives is None else min_positives
    if window not in CALENDAR:
        raise InvalidInput(f"A monitor's window is day, week or month, not {window!r}.")
    classifier = version.task in ("binary", "multiclass")
    metrics = list(metrics) if metrics is not None else ["roc_auc" if classifier else "rmse"]
    drift = list(drift) if drift is not None else ["psi", "share_drifting"]
    known = HIGHER_IS_BETTER + LOWER_IS_BETTER
    for m in metrics:
        if m not in known:
            raise InvalidInput(f"A monitor judges the metrics {', '.join(known)}; not {m!r}.")
    for d in drift:
        if d not in DRIFT_MEASURES:
            raise InvalidInput(
                f"A monitor judges the drift measures {', '.join(DRIFT_MEASURES)}; not {d!r}."
            )
    limits: dict[str, list[float]] = {}
    for name in [*metrics, *drift]:
        given = (thresholds or {}).get(name, DEFAULT_THRESHOLDS.get(name))
        if given is None:
            raise InvalidInput(
                f"{name} has no default thresholds: give them, e.g. thresholds={{'{name}': "
                "(0.05, 0.10)}} (warning, alert)."
            )
        limits[name] = check_pair(name, given)
    extra = set(thresholds or {}) - set(limits)
    if extra:
        raise InvalidInput(
            f"Thresholds for {', '.join(sorted(extra))} are not judged by this monitor; "
            "add them to metrics= or drift=, or leave them out."
        )
    for label, n in (("min_rows", min_rows), ("min_positives", min_positives)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidInput(f"{label} is a whole number of at least 1, not {n!r}.")
    return {
        "reference": reference,
        "window": window,
        "metrics": metrics,
        "drift": drift,
        "thresholds": limits,
        "min_rows": min_rows,
        "min_positives": min_positives,
    }


def check_pair(name: str, given: Any) -> list[float]:
    try:
        warn, alert = (float(x) for x in given)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"The thresholds of {name} are two numbers (warning, alert), not {given!r}."
        ) from None
    if not (0 <= warn <= alert):
        raise InvalidInput(
            f"The thresholds of {name} need 0 <= warning <= alert; got {warn}, {alert}."
        )
    return [warn, alert]


def set_monitor(reg: Registry, model: str, **options: Any) -> dict[str, Any]:
    """Store the model's performance definition; returns it with the model's name."""
    ref = model_ref(
        reg,
        model,
        "A monitor",
        " and give the version or alias it judges as reference=, e.g. reference='champion'",
    )
    reference = str(options.pop("reference", None) or DEFAULT_REFERENCE).lstrip("@:")
    version = reference_version(
        reg, f"{ref.project + '/' if ref.project else ''}{ref.name}", reference
    )
    definition = define(version, reference, **options)
    name = reg.store.monitors.set_definition(ref, definition, reg.actor)
    return {"model": name, **definition}


def model_ref(reg: Registry, model: str, what: str, hint: str = "") -> Ref:
    """``model`` as a model's reference: a version or alias is refused, naming the fix."""
    ref = reg._ref(model)
    if ref.version is not None or ref.alias is not None:
        raise InvalidInput(
            f"{what} belongs to a model: name it without a version ({ref.name}){hint}."
        )
    return ref


def reference_version(reg: Registry, model: str, reference: str) -> Version:
    spelled = f"{model}:{reference}" if reference.isdigit() else f"{model}@{reference}"
    try:
        return reg.get(spelled)
    except NotFound:
        raise NotFound(
            f"The monitor's reference {spelled} names no version: set the alias "
            f"(mmds.alias(...)) or give reference= a version number."
        ) from None


def check_monitor(reg: Registry, model: str, record: bool = True) -> dict[str, Any]:
    """Judge every window of the reference's production rows; open alerts for findings."""
    ref = reg._ref(model)
    name, definition = reg.store.monitors.definition(ref)
    if definition is None:
        raise NotFound(
            f"{name} has no monitor; define one with mmds.set_monitor('{name}') "
            "(the defaults judge AUC or RMSE, PSI and the share of drifting features weekly)."
        )
    version = reference_version(reg, name, definition["reference"])
    checks = judge(reg, version, definition)
    findings = [{**c, "level": c["verdict"]} for c in checks if c["verdict"] in (WARNING, ALERT)]
    opened = (
        reg.store.monitors.record_findings(parse_ref(name), version.id, findings, reg.actor)
        if record
        else []
    )
    return {
        "model": name,
        "ref": version.ref,
        "definition": definition,
        "checks": checks,
        "alerts": opened,
    }


def check_if_monitored(reg: Registry, model: str) -> None:
    """After production scores or actuals were stored: check the model if it has a monitor."""
    _, definition = reg.store.monitors.definition(reg._ref(model))
    if definition is not None:
        check_monitor(reg, model)


def judge(reg: Registry, version: Version, definition: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per window and measure: value, reference, thresholds and the verdict."""
    return judged_windows(reg, version, definition)[0]


def judged_windows(
    reg: Registry, version: Version, definition: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[list[int]]]:
    """The checks of every window, and per window (oldest first) its performance row and
    the ids of the score sets it covers."""
    frame, _ = scored_rows(reg, version.ref)
    if frame.empty:
        return [], [], []
    frame = assign_windows(frame, definition["window"])
    baseline = reg.stored_baseline(version)
    reference = version.overall_metrics
    out: list[dict[str, Any]] = []
    perf_rows, sets = [], []
    for _, rows in frame.groupby("__window", sort=True):
        label = str(rows["__label"].iloc[0])
        perf = window_row(version, rows, label, version.ref, None)
        perf_rows.append(perf)
        sets.append(sorted(int(s) for s in rows["__set"].unique()))
        for metric in definition["metrics"]:
            out.append(judge_metric(definition, perf, metric, reference.get(metric)))
        if definition["drift"]:
            out += judge_drift(reg, definition, baseline, rows, label, version.ref)
    return out, perf_rows, sets


def _row(label: str, measure: str, rows: int, limits: list[float]) -> dict[str, Any]:
    return {
        "window": label,
        "measure": measure,
        "rows": rows,
        "value": None,
        "reference": None,
        "change": None,
        "warning": limits[0],
        "alert": limits[1],
        "verdict": NOT_ENOUGH,
        "threshold": None,
        "message": "",
    }


def level(change: float, limits: list[float]) -> tuple[str, float | None]:
    if change >= limits[1]:
        return ALERT, limits[1]
    if change >= limits[0]:
        return WARNING, limits[0]
    return OK, None


def judge_metric(
    definition: dict[str, Any], perf: dict[str, Any], metric: str, reference: float | None
) -> dict[str, Any]:
    limits = definition["thresholds"][metric]
    row = _row(perf["window"], metric, perf["labelled"], limits)
    positives = perf.get("positives")
    enough = perf["labelled"] >= definition["min_rows"] and (
        positives is None or positives >= definition["min_positives"]
    )
    value = perf.get(metric) if not perf.get("estimated") else None
    if not enough or value is None or (isinstance(value, float) and np.isnan(value)):
        row["message"] = (
            f"{perf['labelled']} labelled rows"
            + (f", {positives} positives" if positives is not None else "")
            + f": at least {definition['min_rows']} rows"
            + (f" and {definition['min_positives']} positives" if positives is not None else "")
            + " are needed to judge."
        )
        return row
    if reference is None:
        row.update(
            value=value,
            verdict="no reference",
            message=f"the reference version recorded no test {metric} to compare with",
        )
        return row
    if metric in HIGHER_IS_BETTER:
        change = reference - value
        spelled = f"{metric} {value:.3f}, {change:+.3f} below the reference {reference:.3f}"
    else:
        change = (value - reference) / abs(reference) if reference else float("inf")
        spelled = f"{metric} {value:.4g}, {change:+.0%} over the reference {reference:.4g}"
    verdict, threshold = level(change, limits)
    row.update(
        value=value,
        reference=reference,
        change=change,
        verdict=verdict,
        threshold=threshold,
        message=spelled,
    )
    return row


def window_summary(reg: Registry, set_ids: list[int]) -> dict[str, Any] | None:
    """The stored drift counts of a window's score sets added up (samples joined)."""
    merged: dict[str, Any] = {"n_rows": 0, "columns": {}}
    for sid in set_ids:
        sha = reg.store.score_sets.score_set(int(sid)).get("drift_sha256")
        if not sha:
            return None
        summary = bl.unpack(bl.from_bytes(reg.artifacts.get(sha))["summary"])
        merged["n_rows"] += int(summary["n_rows"])
        for name, col in summary["columns"].items():
            got = merged["columns"].setdefault(name, {"counts": [0] * len(col["counts"])})
            got["counts"] = [a + b for a, b in zip(got["counts"], col["counts"], strict=True)]
            if "sample" in col:
                got["sample"] = np.concatenate([got.get("sample", np.empty(0)), col["sample"]])
    return merged


def judge_drift(
    reg: Registry,
    definition: dict[str, Any],
    baseline: dict[str, Any] | None,
    rows: pd.DataFrame,
    label: str,
    ref: str,
) -> list[dict[str, Any]]:
    summary = None if baseline is None else window_summary(reg, sorted(rows["__set"].unique()))
    report = (
        None if summary is None else compare(baseline, summary, ref, definition["min_rows"])  # type: ignore[arg-type]
    )
    n = len(rows)
    enough = report is not None and n >= definition["min_rows"]
    out = []
    for measure in definition["drift"]:
        limits = definition["thresholds"][measure]
        if measure == "share_drifting":
            row = _row(label, measure, n, limits)
            share = report.share_drifting if enough and report is not None else None
            if share is None:
                row["message"] = not_enough_drift(report, n, definition)
            else:
                verdict, threshold = level(share, limits)
                row.update(
                    value=share,
                    change=share,
                    verdict=verdict,
                    threshold=threshold,
                    message=f"{report.n_drifting} of {len(report.judged)} inputs drift"  # type: ignore[union-attr]
                    f" ({share:.0%})",
                )
            out.append(row)
            continue
        for col in report.columns if report is not None else [{"column": "*", "role": "input"}]:
            if col["role"] != "input":
                continue
            row = _row(label, f"{measure}({col['column']})", n, limits)
            value = col.get(measure) if enough else None
            if not isinstance(value, (int, float)):
                row["message"] = not_enough_drift(report, n, definition)
            else:
                verdict, threshold = level(value, limits)
                row.update(
                    value=value,
                    change=value,
                    verdict=verdict,
                    threshold=threshold,
                    message=f"{measure} of {col['column']} is {value:.3f}",
                )
            out.append(row)
    return out


def not_enough_drift(report: Any, n: int, definition: dict[str, Any]) -> str:
    if report is None:
        return "no drift counts were stored with these score sets (no baseline)"
    return f"{n} rows: at least {definition['min_rows']} are needed to judge."
