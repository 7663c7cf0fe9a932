"""Metrics chosen for the task, named as scikit-learn names them, overall and per slice."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

MAX_SLICE_VALUES = 100


def _safe(fn: Any, *args: Any, **kwargs: Any) -> float | None:
    """A metric that is undefined on this data (one class in a slice) is recorded as None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = float(fn(*args, **kwargs))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def classification(
    y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None, classes: np.ndarray
) -> dict[str, float | None]:
    """accuracy, f1, roc_auc and log_loss; multiclass uses macro f1 and one-vs-rest roc_auc."""
    from sklearn import metrics as m

    binary = len(classes) == 2
    out: dict[str, float | None] = {"accuracy": _safe(m.accuracy_score, y, pred)}
    if binary:
        out["f1"] = _safe(m.f1_score, y, pred, pos_label=classes[1])
    else:
        out["f1"] = _safe(m.f1_score, y, pred, average="macro", labels=classes)
    if proba is not None:
        if binary:
            out["roc_auc"] = _safe(m.roc_auc_score, y == classes[1], proba[:, 1])
        else:
            out["roc_auc"] = _safe(m.roc_auc_score, y, proba, multi_class="ovr", labels=classes)
        out["log_loss"] = _safe(m.log_loss, y, proba, labels=classes)
    return out


def regression(y: np.ndarray, pred: np.ndarray) -> dict[str, float | None]:
    """rmse, mae and r2."""
    from sklearn import metrics as m

    return {
        "rmse": _safe(lambda a, b: math.sqrt(m.mean_squared_error(a, b)), y, pred),
        "mae": _safe(m.mean_absolute_error, y, pred),
        "r2": _safe(m.r2_score, y, pred),
    }


def _predicts_argmax(model: Any) -> bool:
    """True when ``predict`` is by definition the class of highest ``predict_proba``.

    Forests and trees average class probabilities; logistic regression and gradient boosting
    threshold a decision function whose order the probabilities keep. For these one pass
    serves both, instead of running the whole model twice.
    """
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    final = model.steps[-1][1] if hasattr(model, "steps") else model
    return type(final) in (
        RandomForestClassifier,
        ExtraTreesClassifier,
        DecisionTreeClassifier,
        LogisticRegression,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
    )


def evaluate(
    model: Any,
    task: str,
    X: Any,
    y: Any,
    slices: dict[str, pd.Series] | None = None,
) -> list[dict[str, Any]]:
    """Score ``model`` on (X, y) once, then compute metrics overall and for each slice value."""
    y_arr = np.asarray(y)
    proba = None
    classes = None
    if task in ("binary", "multiclass"):
        classes = np.asarray(model.classes_)
        if hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(X))
    if proba is not None and _predicts_argmax(model):
        pred = classes.take(np.argmax(proba, axis=1))  # type: ignore[union-attr]
    else:
        pred = np.asarray(model.predict(X))

    def compute(mask: np.ndarray | None) -> dict[str, float | None]:
        yy, pp = (y_arr, pred) if mask is None else (y_arr[mask], pred[mask])
        if classes is not None:
            pr = None if proba is None else (proba if mask is None else proba[mask])
            return classification(yy, pp, pr, classes)
        if task == "regression":
            return regression(yy, pp)
        return {}

    rows = [{"name": k, "value": v, "slice": None} for k, v in compute(None).items()]
    for col, values in (slices or {}).items():
        vals = pd.Series(np.asarray(values)).astype("string").fillna("<NA>")
        for val in vals.value_counts().index[:MAX_SLICE_VALUES]:
            mask = (vals == val).to_numpy()
            label = f"{col}={val}"
            rows += [{"name": k, "value": v, "slice": label} for k, v in compute(mask).items()]
    return rows
