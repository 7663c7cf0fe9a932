"""Champion/challenger: the challenger scores the champion's production data in the shadow,
and the two are compared on the same labelled rows with paired tests.

Shadow scoring happens when production data is scored through ``@champion`` and the model
has a ``@challenger`` in validation: its outputs are stored as a shadow score set, never
returned to the caller. The comparison reads both versions' stored rows each time, so labels
that arrive later count as soon as they are stored.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InvalidInput, MMDSError, NotFound
from ..refs import parse_ref
from ..scoring.performance import class_labels
from . import paired
from .windows import scored_rows

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry

log = logging.getLogger(__name__)
CHAMPION, CHALLENGER = "champion", "challenger"
ALPHA = 0.05


def shadow_score(reg: Registry, ref: Any, data: Any, key: Any, passthrough: Any) -> int | None:
    """Score ``data`` with the model's challenger as a shadow score set when ``ref`` names
    the champion; returns the shadow set's id (None: no shadow was scored)."""
    if not isinstance(ref, str) or parse_ref(ref).alias != CHAMPION or key is None:
        return None
    r = parse_ref(ref)
    model = f"{r.project + '/' if r.project else ''}{r.name}"
    try:
        challenger = reg.get(f"{model}@{CHALLENGER}")
    except NotFound:
        return None
    if challenger.stage != "validation":
        log.info("%s is not in validation: no shadow scoring", challenger.ref)
        return None
    try:
        shadow = reg.score(
            challenger, data, mode="shadow", key=key, passthrough=passthrough, replace=True
        )
    except MMDSError as e:  # the champion's answer stands; the challenger's refusal is logged
        log.warning("shadow scoring of %s failed: %s", challenger.ref, e)
        return None
    sid: int | None = shadow.score_set_id
    return sid


def _labelled(reg: Registry, version: Version) -> pd.DataFrame:
    frame, _ = scored_rows(reg, version.ref)
    frame = frame[frame["__actual"].notna()] if len(frame) else frame
    return frame.drop_duplicates("__key", keep="last")


def champion_challenger(
    reg: Registry, model: str, champion: str = CHAMPION, challenger: str = CHALLENGER
) -> dict[str, Any]:
    """Both versions' metrics on the rows both scored and that have a label, each difference
    (challenger - champion) with its paired test, and which is better and how sure."""
    r = reg._ref(model)
    if r.version is not None or r.alias is not None:
        raise InvalidInput(f"Name the model ({r.name}); champion= and challenger= name versions.")
    name = f"{r.project + '/' if r.project else ''}{r.name}"
    a = reg.get(f"{name}:{champion}" if str(champion).isdigit() else f"{name}@{champion}")
    b = reg.get(f"{name}:{challenger}" if str(challenger).isdigit() else f"{name}@{challenger}")
    if a.id == b.id:
        raise InvalidInput(f"{champion} and {challenger} are the same version ({a.ref}).")
    rows_a, rows_b = _labelled(reg, a), _labelled(reg, b)
    both = rows_a.merge(rows_b, on="__key", suffixes=("_a", "_b"))
    out: dict[str, Any] = {
        "model": name,
        "champion": a.ref,
        "challenger": b.ref,
        "rows": len(both),
        "metrics": [],
    }
    if both.empty:
        out["verdict"] = (
            "no labelled rows scored by both yet: score production data through @champion "
            "(the challenger scores it in the shadow) and store the actuals"
        )
        return out
    y = both["__actual_a"].to_numpy()
    out["metrics"] = compare(a, b, both, y)
    out["verdict"] = verdict(out["metrics"])
    return out


def compare(a: Version, b: Version, both: pd.DataFrame, y: np.ndarray) -> list[dict[str, Any]]:
    from ..capture import metrics as mx

    pred_a, pred_b = both["prediction_a"].to_numpy(), both["prediction_b"].to_numpy()
    rows: list[dict[str, Any]] = []
    if a.task in ("binary", "multiclass"):
        classes = class_labels(a)
        if len(classes) == 2 and f"probability({classes[1]})_a" in both:
            pa = both[f"probability({classes[1]})_a"].to_numpy(float)
            pb = both[f"probability({classes[1]})_b"].to_numpy(float)
            try:
                auc_a, auc_b, p = paired.delong(y == classes[1], pa, pb)
                rows.append(_row("roc_auc", auc_a, auc_b, "DeLong", p, True))
            except ValueError:
                pass
        ca, cb = pred_a == y, pred_b == y
        only_a, only_b, p = paired.mcnemar(ca, cb)
        row = _row("accuracy", ca.mean(), cb.mean(), "McNemar", p, True)
        row.update(only_champion_right=only_a, only_challenger_right=only_b)
        rows.append(row)
        return rows
    for name, higher in (("rmse", False), ("mae", False), ("r2", True)):

        def diff(idx: np.ndarray, name: str = name) -> float:
            ma = mx.regression(y[idx], pred_a[idx])[name]
            mb = mx.regression(y[idx], pred_b[idx])[name]
            return np.nan if ma is None or mb is None else mb - ma

        whole_a = mx.regression(y, pred_a)[name]
        whole_b = mx.regression(y, pred_b)[name]
        observed, low, high, p = paired.paired_bootstrap(diff, len(y))
        row = _row(name, whole_a, whole_b, "paired bootstrap", p, higher)
        row.update(ci_low=low, ci_high=high)
        rows.append(row)
    return rows


def _row(
    metric: str, a: float | None, b: float | None, test: str, p: float, higher: bool
) -> dict[str, Any]:
    diff = None if a is None or b is None else float(b) - float(a)
    better = None
    if diff is not None and p < ALPHA and diff != 0:
        better = CHALLENGER if (diff > 0) == higher else CHAMPION
    return {
        "metric": metric,
        "champion": None if a is None else float(a),
        "challenger": None if b is None else float(b),
        "difference": diff,
        "test": test,
        "p_value": p,
        "better": better,
    }


def verdict(rows: list[dict[str, Any]]) -> str:
    """One sentence: the first metric (the main one) decides; the p-value says how sure."""
    if not rows:
        return "no metric could be computed on these rows"
    main = rows[0]
    if main["better"] is None:
        return (
            f"no significant difference in {main['metric']} "
            f"({main['test']} p={main['p_value']:.3g}); keep the champion"
        )
    return (
        f"the {main['better']} is better on {main['metric']} "
        f"({main['champion']:.4g} vs {main['challenger']:.4g}, {main['test']} "
        f"p={main['p_value']:.3g})"
    )
