"""Performance over time: a model's production rows in windows, met by late labels.

Nothing here is cached: every call reads the stored score sets and *all* actual sets of the
model, so a label stored a week after its row was scored changes that row's window (its
metrics and its labelled share) the next time anyone asks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InvalidInput
from ..scoring.frames import from_parquet_bytes
from ..scoring.performance import (
    class_labels,
    counted_score_sets,
    load_actuals,
    scored_metrics,
)

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry

CALENDAR = {"day": "D", "week": "W-SUN", "month": "M"}
# What a window with no label yet shows as an estimate (from the classifier's confidence).
ESTIMATED_METRIC = "accuracy"
WINDOW_COLUMNS = ["window", "start", "end", "ref", "slice", "rows", "labelled", "labelled_share"]


def check_window(window: Any) -> str | int:
    """``day``, ``week``, ``month`` or a whole number of rows."""
    if isinstance(window, str) and window.strip().isdigit():
        window = int(window)
    if isinstance(window, bool) or not isinstance(window, (str, int)):
        raise InvalidInput(f"window is day, week, month or a number of rows, not {window!r}.")
    if isinstance(window, int):
        if window < 1:
            raise InvalidInput(f"A window of rows holds at least 1 row, not {window}.")
        return window
    if window not in CALENDAR:
        raise InvalidInput(
            f"window is day, week, month or a number of rows (e.g. 1000), not {window!r}."
        )
    return window


def scored_rows(reg: Registry, model: str) -> tuple[pd.DataFrame, dict[str, Version]]:
    """Every counted production row of the model (``churn``) or of one version (``churn:3``,
    ``churn@challenger``, whose shadow sets count too), oldest first, with ``__ref`` and
    ``__time`` (when its score set was stored) and ``__actual`` where a label has arrived."""
    ss_store, artifacts = reg.store.score_sets, reg.artifacts
    ref = reg._ref(model)
    one = ref.version is not None or ref.alias is not None
    version_ids = [reg.get(ref).id] if one else ss_store.model_version_ids(ref)
    modes = ("production", "shadow") if one else ("production",)
    actual_sets = ss_store.actuals(ref)
    actuals = load_actuals(artifacts, actual_sets) if actual_sets else None
    parts: list[pd.DataFrame] = []
    versions: dict[str, Version] = {}
    for ss in reversed(counted_score_sets(ss_store.score_sets(version_ids))):
        if ss["mode"] not in modes or not ss["key"] or "," in ss["key"]:
            continue
        rows = from_parquet_bytes(artifacts.get(ss["artifact_sha256"]))
        rows = rows.dropna(subset=["prediction"])  # flagged rows the model could not score
        rows = rows.rename(columns={ss["key"]: "__key"})
        if actuals is not None:
            rows = rows.merge(actuals, on="__key", how="left")
        else:
            rows["__actual"] = np.nan
        rows["__ref"], rows["__time"], rows["__set"] = ss["ref"], ss["created_at"], ss["id"]
        versions.setdefault(ss["ref"], reg.get(ss["ref"]))
        parts.append(rows)
    if not parts:
        return pd.DataFrame(columns=["__key", "__actual", "__ref", "__time", "__set"]), versions
    frame = pd.concat(parts, ignore_index=True)
    frame["__time"] = pd.to_datetime(frame["__time"], utc=True)
    return frame, versions


def assign_windows(frame: pd.DataFrame, window: str | int) -> pd.DataFrame:
    """Each row's window: its calendar period (UTC) or its place in scoring order // N."""
    if isinstance(window, int):
        n = np.arange(len(frame)) // window
        frame["__window"] = n
        frame["__label"] = [f"rows {i * window + 1}-{(i + 1) * window}" for i in n]
        return frame
    period = frame["__time"].dt.tz_convert(None).dt.to_period(CALENDAR[window])
    frame["__window"] = period.dt.start_time
    frame["__label"] = period.astype(str)
    return frame


def expected_accuracy(version: Version, rows: pd.DataFrame) -> float | None:
    """Confidence-based estimate: a calibrated classifier is right on a row with the
    probability it gives its predicted class, so the mean of the highest probability."""
    names = [f"probability({c})" for c in class_labels(version)]
    if version.task not in ("binary", "multiclass") or not names or rows.empty:
        return None
    if not set(names) <= set(rows.columns):
        return None
    return float(rows[names].to_numpy(dtype=float).max(axis=1).mean())


def window_row(
    version: Version, rows: pd.DataFrame, label: str, ref: str, slice_: str | None
) -> dict[str, Any]:
    labelled = rows[rows["__actual"].notna()]
    out: dict[str, Any] = {
        "window": label,
        "start": rows["__time"].min(),
        "end": rows["__time"].max(),
        "ref": ref,
        "slice": slice_,
        "rows": len(rows),
        "labelled": len(labelled),
        "labelled_share": len(labelled) / len(rows),
    }
    if version.task in ("binary", "multiclass"):
        classes = class_labels(version)
        out["positives"] = (
            int((labelled["__actual"] == classes[1]).sum()) if len(classes) == 2 else None
        )
    if not labelled.empty:
        out.update(scored_metrics(version, labelled))
    estimate = expected_accuracy(version, rows[rows["__actual"].isna()])
    if estimate is not None:
        out["expected_accuracy"] = estimate
        if labelled.empty:  # no label yet: the accuracy shown is the estimate
            out[ESTIMATED_METRIC] = estimate
    out["estimated"] = bool(labelled.empty and estimate is not None)
    return out


def performance_windows(
    reg: Registry, model: str, window: Any, slice_by: str | None = None
) -> pd.DataFrame:
    """One row per window (and version, and slice value): rows, labelled rows and share,
    the task's metrics on the labelled rows, and for classifiers ``expected_accuracy`` of the
    rows still without a label; a window with no label shows that estimate as its accuracy,
    with ``estimated`` True."""
    size = check_window(window)
    frame, versions = scored_rows(reg, model)
    if frame.empty:
        return pd.DataFrame(columns=WINDOW_COLUMNS)
    if slice_by is not None and slice_by not in frame.columns:
        kept = [c for c in frame.columns if not str(c).startswith("__")]
        raise InvalidInput(
            f"The score sets have no column {slice_by!r} to slice by; store it with the scores "
            f"(mmds.score(..., passthrough=[{slice_by!r}])). Their columns: {', '.join(kept)}."
        )
    frame = assign_windows(frame, size)
    out = []
    for (_, key), rows in frame.groupby(["__window", "__ref"], sort=True):
        ref, label = str(key), str(rows["__label"].iloc[0])
        out.append(window_row(versions[ref], rows, label, ref, None))
        if slice_by is None:
            continue
        values = rows[slice_by].astype("string").fillna("<NA>")
        for value, part in rows.groupby(values, sort=True):
            out.append(window_row(versions[ref], part, label, ref, f"{slice_by}={value}"))
    return pd.DataFrame(out)
