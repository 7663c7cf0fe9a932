"""Metrics chosen for the task, named as scikit-learn names them, overall and per slice."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInput
from ..ranking import ROWS

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


def separation(positive: np.ndarray, score: np.ndarray) -> dict[str, float | None]:
    """gini (2 AUC - 1) and ks (the largest gap between the classes' score distributions)
    of a binary classifier's probability of the positive class."""
    from sklearn import metrics as m

    def ks(a: np.ndarray, b: np.ndarray) -> float:
        fpr, tpr, _ = m.roc_curve(a, b)
        return float(np.max(tpr - fpr))

    auc = _safe(m.roc_auc_score, positive, score)
    return {"gini": None if auc is None else 2 * auc - 1, "ks": _safe(ks, positive, score)}


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


def _rows(mask: np.ndarray) -> str:
    where = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in where[:5]) + (", ..." if len(where) > 5 else "")
    return f"{len(where)} row(s) (positions {shown})"


def _shown(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_target(y: np.ndarray, classes: np.ndarray | None, label: str) -> None:
    """Refuse a test target with missing values or labels the model does not know.

    Metrics are recorded against the test set's fingerprint; computed on part of it they
    would describe data that was never recorded, so the caller drops those rows knowingly.
    """
    missing = np.asarray(pd.isna(y), dtype=bool)
    if classes is None and missing.sum() == 0 and y.dtype.kind == "f":
        missing = ~np.isfinite(y)
    if missing.any():
        raise InvalidInput(
            f"The test target of {label} has no value in {_rows(missing)}; metrics on the "
            "other rows would not describe this test set. Drop those rows from X_test and "
            "y_test (e.g. keep = y_test.notna(); X_test[keep], y_test[keep]) and track again."
        )
    if classes is None:
        return
    unknown = ~np.isin(y, classes)
    if unknown.any():
        labels = ", ".join(_shown(v) for v in pd.unique(y[unknown])[:5])
        known = ", ".join(_shown(c) for c in classes[:10])
        raise InvalidInput(
            f"The test target of {label} holds label(s) {labels} in {_rows(unknown)} that the "
            f"model does not know (its classes: {known}). Pass the test set's labels as "
            "the model was trained on them (same values and type), or drop those rows."
        )


def evaluate(
    model: Any,
    task: str,
    X: Any,
    y: Any,
    slices: dict[str, pd.Series] | None = None,
    label: str = "the model",
) -> list[dict[str, Any]]:
    """Score ``model`` on (X, y) once, then compute metrics overall and for each slice value.

    A target with missing values or unknown labels is refused before the model runs.
    """
    return measure(predict(model, task, X, y, label), task, slices)


class Predictions:
    """A model's answers on a test set: the true values, the predictions and, for a classifier
    with probabilities, each class's probability (columns in the order of ``classes``)."""

    def __init__(
        self, y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None, classes: Any
    ) -> None:
        self.y, self.pred, self.proba, self.classes = y, pred, proba, classes


def predict(model: Any, task: str, X: Any, y: Any, label: str = "the model") -> Predictions:
    """Run ``model`` on ``X`` once (the class of highest probability doubles as the prediction
    where that is its definition), after refusing a target it cannot be measured against."""
    y_arr = np.asarray(y)
    proba = None
    classes = None
    if task in ("binary", "multiclass"):
        classes = np.asarray(model.classes_)
    check_target(y_arr, classes, label)
    if classes is not None and hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X))
    if proba is not None and _predicts_argmax(model):
        pred = classes.take(np.argmax(proba, axis=1))  # type: ignore[union-attr]
    else:
        pred = np.asarray(model.predict(X))
    return Predictions(y_arr, pred, proba, classes)


def measure(
    p: Predictions, task: str, slices: dict[str, pd.Series] | None = None
) -> list[dict[str, Any]]:
    """Metrics of predictions overall and for each slice value (the 100 most frequent), each
    subset's with the number of rows they were measured on (``rows``)."""
    y_arr, pred, proba, classes = p.y, p.pred, p.proba, p.classes

    def compute(mask: np.ndarray | None) -> dict[str, float | None]:
        yy, pp = (y_arr, pred) if mask is None else (y_arr[mask], pred[mask])
        if classes is not None:
            pr = None if proba is None else (proba if mask is None else proba[mask])
            return {ROWS: len(yy), **classification(yy, pp, pr, classes)}
        if task == "regression":
            return {ROWS: len(yy), **regression(yy, pp)}
        return {}

    rows = [{"name": k, "value": v, "slice": None} for k, v in compute(None).items()]
    for col, values in (slices or {}).items():
        vals = pd.Series(np.asarray(values)).astype("string").fillna("<NA>")
        for val in vals.value_counts().index[:MAX_SLICE_VALUES]:
            mask = (vals == val).to_numpy()
            label = f"{col}={val}"
            rows += [{"name": k, "value": v, "slice": label} for k, v in compute(mask).items()]
    return rows
