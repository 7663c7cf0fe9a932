"""Read what a fitted scikit-learn estimator is: class, steps, parameters, features, task."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInput


def is_estimator(obj: Any) -> bool:
    """True for scikit-learn estimators (and anything that follows their API)."""
    from sklearn.base import BaseEstimator

    return isinstance(obj, BaseEstimator) or (
        hasattr(obj, "get_params") and hasattr(obj, "fit") and not isinstance(obj, type)
    )


def is_fitted(obj: Any) -> bool:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(obj)
    except (NotFittedError, TypeError):
        return False
    return True


def check_trackable(obj: Any, label: str) -> None:
    """Raise a clear error unless ``obj`` is a fitted scikit-learn estimator."""
    if not is_estimator(obj):
        raise InvalidInput(
            f"{label} is a {type(obj).__module__}.{type(obj).__qualname__}, not a scikit-learn "
            "estimator. Pass a fitted estimator or Pipeline (an object with fit/predict and "
            "get_params); nothing was tracked."
        )
    if not is_fitted(obj):
        raise InvalidInput(
            f"{label} ({type(obj).__name__}) is not fitted yet. Call {label}.fit(X, y) before "
            "tracking it; nothing was tracked."
        )


def class_path(obj: Any) -> str:
    """Public dotted path of the class, e.g. ``sklearn.ensemble.RandomForestClassifier``."""
    cls = type(obj)
    parts = [p for p in cls.__module__.split(".") if not p.startswith("_")]
    return ".".join([*parts, cls.__qualname__])


def framework(obj: Any) -> str:
    """Top-level package of the estimator's class, e.g. ``sklearn``."""
    return type(obj).__module__.split(".")[0]


def final_estimator(obj: Any) -> Any:
    """The last step of (nested) pipelines, which decides the task and outputs."""
    while hasattr(obj, "steps") and obj.steps:
        obj = obj.steps[-1][1]
    return obj


def _columns_label(cols: Any) -> Any:
    if isinstance(cols, (list, tuple, np.ndarray, pd.Index)):
        return [c.item() if isinstance(c, np.generic) else c for c in cols]
    if isinstance(cols, (str, int)):
        return cols
    return repr(cols)


def steps_tree(obj: Any, name: str = "model") -> dict[str, Any]:
    """The estimator as a tree of named steps with their classes (and transformer columns)."""
    node: dict[str, Any] = {"name": name, "class": class_path(obj)}
    children: list[dict[str, Any]] = []
    if hasattr(obj, "steps"):
        children = [steps_tree(est, n) for n, est in obj.steps if est not in (None, "passthrough")]
    elif hasattr(obj, "transformers"):
        items = getattr(obj, "transformers_", None) or obj.transformers
        for n, est, cols in items:
            child = {"name": n, "class": est} if isinstance(est, str) else steps_tree(est, n)
            child["columns"] = _columns_label(cols)
            children.append(child)
    elif hasattr(obj, "transformer_list"):
        children = [
            steps_tree(est, n) for n, est in obj.transformer_list if not isinstance(est, str)
        ]
    else:
        for attr in ("estimator", "base_estimator"):
            sub = getattr(obj, attr, None)
            if sub is not None and is_estimator(sub):
                children.append(steps_tree(sub, attr))
    if children:
        node["children"] = children
    return node


def json_value(value: Any) -> Any:
    """A JSON-safe form of a hyper-parameter value."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, type):
        return value.__name__
    if is_estimator(value):
        return class_path(value)
    if callable(value):
        return getattr(value, "__name__", repr(value))
    if isinstance(value, (list, tuple)) and len(value) <= 50:
        return [json_value(v) for v in value]
    if isinstance(value, dict) and len(value) <= 50:
        return {str(k): json_value(v) for k, v in value.items()}
    text = repr(value)
    return text if len(text) <= 500 else text[:497] + "..."


def flat_params(obj: Any) -> dict[str, Any]:
    """Every hyper-parameter, nested ones flattened as ``step__param``; sub-estimators by class."""
    params = obj.get_params(deep=True)
    out = {}
    for key in sorted(params):
        if key in ("steps", "transformers", "transformer_list"):
            continue
        out[key] = json_value(params[key])
    return out


def feature_names(obj: Any, X: Any | None) -> list[str]:
    names = getattr(obj, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    n = getattr(obj, "n_features_in_", None)
    if n is None and X is not None:
        n = np.asarray(X).shape[1] if np.ndim(X) == 2 else None
    return [f"x{i}" for i in range(n or 0)]


def _dtypes(names: list[str], X: Any | None) -> dict[str, str]:
    if isinstance(X, pd.DataFrame):
        return {n: str(X[n].dtype) for n in names if n in X.columns}
    if X is not None:
        return dict.fromkeys(names, str(np.asarray(X).dtype))
    return {}


def _dropped_columns(obj: Any, names: list[str]) -> set[str]:
    """Input columns that a fitted ColumnTransformer at the head of the model drops."""
    head = obj
    while hasattr(head, "steps") and head.steps:
        head = head.steps[0][1]
    mapping = getattr(head, "_transformer_to_input_indices", None)
    if not mapping or not hasattr(head, "transformers_"):
        return set()
    used: set[int] = set()
    for tname, est, _cols in head.transformers_:
        if isinstance(est, str) and est == "drop":
            continue
        used.update(int(i) for i in mapping.get(tname, []))
    return {n for i, n in enumerate(names) if i not in used}


def _importances(obj: Any, n: int) -> np.ndarray | None:
    imp = getattr(obj, "feature_importances_", None)
    if imp is None and getattr(obj, "coef_", None) is not None:
        coef = np.atleast_2d(np.asarray(obj.coef_, dtype=float))
        imp = np.abs(coef).max(axis=0)
    if imp is None:
        return None
    imp = np.asarray(imp, dtype=float).ravel()
    return imp if imp.shape[0] == n else None


def _trees(obj: Any) -> list[Any] | None:
    """The fitted trees of a bare tree or tree ensemble that sees every input column."""
    if hasattr(obj, "tree_"):
        return [obj]
    members = getattr(obj, "estimators_", None)
    if members is None or hasattr(obj, "estimators_features_"):  # bagging subsets columns
        return None
    trees = list(np.asarray(members, dtype=object).ravel())
    return trees if trees and all(hasattr(t, "tree_") for t in trees) else None


def _unread_columns(obj: Any, n: int) -> set[int]:
    """Columns a bare model never reads: no tree splits on them, or every coefficient is 0.

    A zero importance is not enough: a split that gains nothing (the first split of an XOR)
    still routes rows by its column."""
    trees = _trees(obj)
    if trees is not None:
        split = {int(f) for t in trees for f in t.tree_.feature if f >= 0}
        return set(range(n)) - split
    coef = getattr(obj, "coef_", None)
    if coef is not None and not hasattr(obj, "steps"):
        coef = np.atleast_2d(np.asarray(coef, dtype=float))
        if coef.shape[1] == n:
            return {int(i) for i in np.flatnonzero((coef == 0.0).all(axis=0))}
    return set()


def input_features(obj: Any, X: Any | None) -> list[dict[str, Any]]:
    """Input features with dtype, whether the model uses them and (for bare models) importance.

    A feature is unused when the model's output cannot depend on it: a ColumnTransformer at
    the head drops it, or a bare model never reads it. Scoring does not require it."""
    names = feature_names(obj, X)
    dtypes = _dtypes(names, X)
    dropped = _dropped_columns(obj, names)
    bare = not hasattr(obj, "steps")
    imp = _importances(obj, len(names)) if bare else None
    unread = _unread_columns(obj, len(names)) if bare else set()
    out = []
    for i, n in enumerate(names):
        importance = float(imp[i]) if imp is not None else None
        used = n not in dropped and i not in unread
        out.append(
            {"name": n, "dtype": dtypes.get(n, "unknown"), "used": used, "importance": importance}
        )
    return out


def task_of(obj: Any) -> str:
    """``binary``, ``multiclass``, ``regression`` or ``other`` (transformers, clusterers)."""
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(obj):
        classes = getattr(obj, "classes_", None)
        return "binary" if classes is not None and len(classes) == 2 else "multiclass"
    if is_regressor(obj):
        return "regression"
    return "other"


def outputs_of(obj: Any, task: str) -> list[dict[str, Any]]:
    """The model's outputs: the prediction and, for probabilistic classifiers, each class's."""
    if task in ("binary", "multiclass"):
        classes = [json_value(c) for c in getattr(obj, "classes_", [])]
        dtype = str(np.asarray(obj.classes_).dtype) if hasattr(obj, "classes_") else "object"
        outs: list[dict[str, Any]] = [
            {"name": "prediction", "kind": "label", "dtype": dtype, "values": classes}
        ]
        if hasattr(obj, "predict_proba"):
            outs += [
                {"name": f"probability({c})", "kind": "probability", "dtype": "float64", "class": c}
                for c in classes
            ]
        return outs
    if task == "regression":
        return [{"name": "prediction", "kind": "value", "dtype": "float64"}]
    return []
