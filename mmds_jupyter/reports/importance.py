"""Permutation importance of a version's inputs on its stored test set, in its reports.

The predictions file keeps no input columns, so beside it, at capture and at each
``mmds.evaluate``, MMDS keeps a small sample of the test inputs (``ROWS`` rows at most, fewer for
a model of many inputs; all of them when the test set is smaller, else a stratified sample drawn
as the predictions file draws its own): a version file of kind ``test_inputs``, Parquet with the
row numbers, the true values and the inputs as the model takes them. Computing importance there
would cost every capture a model's prediction of ``ROWS x REPEATS x inputs`` rows; keeping the
sample costs a small write.

A report computes the importance when the model file loads through the safe loader (never
trusted): each input column is shuffled ``REPEATS`` times and the drop of the score from the
unshuffled one is that input's importance (mean and standard deviation over the shuffles). The
score is the ROC AUC for a binary classifier with probabilities, the accuracy for other
classifiers and R² for a regressor. The shuffles are exactly those of
``sklearn.inspection.permutation_importance`` with ``random_state=SEED`` (the tests check the
numbers agree); the shuffles of one column are scored in one call of the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

ROWS = 1_000
REPEATS = 5
SEED = 0
KIND = "test_inputs"
# Rows a report's model predicts for one version at most (rows x repeats x inputs): the sample
# shrinks for a model of many inputs, never below MIN_ROWS.
BUDGET = 50_000
MIN_ROWS = 100
CALL_ROWS = 50_000


def _score(
    task: str, y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None, classes: Any
) -> float:
    if task == "regression":
        yf = y.astype("float64")
        resid = ((yf - pred.astype("float64")) ** 2).sum()
        total = ((yf - yf.mean()) ** 2).sum()
        return float(1 - resid / total) if total > 0 else float("nan")
    if task == "binary" and proba is not None and classes is not None and len(classes) == 2:
        from .curves import auc

        return auc(y == classes[1], proba[:, 1])
    return float(np.mean(pred == y))


def metric_name(task: str, has_proba: bool) -> str:
    if task == "regression":
        return "r2"
    return "roc_auc" if task == "binary" and has_proba else "accuracy"


def _predict(model: Any, task: str, X: Any, y: np.ndarray, label: str) -> Any:
    from ..capture import metrics

    return metrics.predict(model, task, X, y, label)


def _names(X: Any, names: list[str]) -> list[str]:
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    width = np.asarray(X).shape[1]
    return names if len(names) == width else [f"x{i}" for i in range(width)]


def _copies(data: pd.DataFrame | np.ndarray, j: int, column: np.ndarray, repeats: int) -> Any:
    """``repeats`` copies of ``data`` one under the other, column ``j`` replaced by ``column``."""
    if isinstance(data, pd.DataFrame):
        big = pd.concat([data] * repeats, ignore_index=True)
        big.isetitem(j, pd.Series(column).astype(data.dtypes.iloc[j]).array)
        return big
    tiled = np.tile(data, (repeats, 1))
    tiled[:, j] = column
    return tiled


def _shuffles(data: pd.DataFrame | np.ndarray, j: int, seed: int, repeats: int) -> np.ndarray:
    """Column ``j`` shuffled ``repeats`` times in turn (as scikit-learn does), one after another."""
    rng = np.random.RandomState(seed)
    column = data.iloc[:, j].to_numpy() if isinstance(data, pd.DataFrame) else data[:, j]
    idx = np.arange(column.shape[0])
    out = []
    for _ in range(repeats):
        rng.shuffle(idx)
        column = column[idx]
        out.append(column)
    return np.concatenate(out)


def sample_rows(task: str, y: np.ndarray, n_inputs: int) -> tuple[np.ndarray, str]:
    """The test rows importance is computed on and how they were chosen."""
    from .predictions import _strata, stratified_rows

    n = y.shape[0]
    limit = max(MIN_ROWS, min(ROWS, BUDGET // max(1, REPEATS * n_inputs)))
    if n <= limit:
        return np.arange(n), "every row"
    strata, how = _strata(task, y)
    return stratified_rows(strata, limit), how


def permutation(
    model: Any,
    task: str,
    X: Any,
    y: np.ndarray,
    names: list[str],
    *,
    repeats: int = REPEATS,
    seed: int = SEED,
    label: str = "the model",
) -> dict[str, Any]:
    """Permutation importance of every column of ``X`` (all its rows; see the module's text)."""
    y = np.asarray(y)
    base = _predict(model, task, X, y, label)
    metric = metric_name(task, base.proba is not None)
    baseline = _score(task, y, base.pred, base.proba, base.classes)
    # sklearn draws one seed for all columns, then shuffles each column from it afresh.
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    n = y.shape[0]
    data = X if isinstance(X, pd.DataFrame) else np.asarray(X)
    columns = _names(X, names)
    # The shuffled copies of several columns go to the model in one call (each call has a
    # fixed cost), up to CALL_ROWS rows a call.
    per_call = max(1, CALL_ROWS // max(1, n * repeats))
    out = []
    for start in range(0, len(columns), per_call):
        batch = range(start, min(start + per_call, len(columns)))
        copies = [
            _copies(data, j, _shuffles(data, j, column_seed, repeats), repeats) for j in batch
        ]
        big = (
            pd.concat(copies, ignore_index=True)
            if isinstance(data, pd.DataFrame)
            else np.vstack(copies)
        )
        p = _predict(model, task, big, np.tile(y, repeats * len(batch)), label)
        for k, j in enumerate(batch):
            scores = np.array(
                [
                    _score(
                        task,
                        y,
                        p.pred[(k * repeats + r) * n : (k * repeats + r + 1) * n],
                        None
                        if p.proba is None
                        else p.proba[(k * repeats + r) * n : (k * repeats + r + 1) * n],
                        p.classes,
                    )
                    for r in range(repeats)
                ]
            )
            drops = baseline - scores
            out.append({"name": columns[j], "mean": float(drops.mean()), "std": float(drops.std())})
    return {
        "metric": metric,
        "baseline": baseline,
        "repeats": repeats,
        "seed": seed,
        "features": out,
    }


def inputs_file(
    X: Any, y: Any, task: str, names: list[str], *, name: str, dataset: dict[str, Any]
) -> bytes:
    """The bytes of the ``test_inputs`` file of evaluation ``name`` (see the module's text)."""
    from .predictions import to_bytes

    y_arr = np.asarray(y)
    frame = isinstance(X, pd.DataFrame)
    table = X if frame else pd.DataFrame(np.asarray(X), columns=_names(X, names))
    rows, how = sample_rows(task, y_arr, table.shape[1])
    out = table.iloc[rows].reset_index(drop=True)
    out.columns = [str(c) for c in out.columns]
    columns = list(out.columns)
    out.insert(0, "__row", rows.astype("int64"))
    out.insert(1, "__y_true", y_arr[rows])
    meta = {
        "name": name,
        "dataset": {"content_hash": dataset["content_hash"]},
        "columns": columns,
        "frame": frame,
        "rows": int(rows.shape[0]),
        "of_rows": int(y_arr.shape[0]),
        "sample": how,
    }
    return to_bytes(out, meta)


def compute(model: Any, task: str, blob: bytes, label: str) -> dict[str, Any]:
    """The importance of every input on a ``test_inputs`` file, with how it was computed."""
    from .predictions import from_bytes

    kept = from_bytes(blob, "")
    meta, table = kept.meta, kept.frame
    columns = list(meta["columns"])
    X = table[columns] if meta["frame"] else table[columns].to_numpy()
    y = table["__y_true"].to_numpy()
    found = permutation(model, task, X, y, columns, label=label)
    keys = ("rows", "of_rows", "sample", "name")
    return {**found, **{k: meta[k] for k in keys}}
