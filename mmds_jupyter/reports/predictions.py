"""A version's predictions on a test set, kept so that curves can be drawn later without the data.

At capture (and at each ``mmds.evaluate``) the rows of the test set are stored as one
content-addressed Parquet file, a *version file* of kind ``predictions``: the row number (and
the frame's index as ``key`` when it is not the default one), the true value, the prediction,
each class's probability and the slice columns (``slice:<column>``). The file's metadata holds
what it was made from: the evaluation's name (``test`` at capture), the test set's fingerprint,
the metrics computed on every row, and whether the rows are all of them or a stratified sample
(by true class, or by decile of the true value) because the test set was larger than the limit
(``c.MMDS.prediction_rows``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..capture.metrics import Predictions

KIND = "predictions"
FORMAT = 1
CAPTURE_NAME = "test"
DEFAULT_ROWS = 100_000
SLICE_PREFIX = "slice:"


def probability_column(cls: Any) -> str:
    return f"probability({cls})"


def _jsonable(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def stratified_rows(strata: np.ndarray, limit: int) -> np.ndarray:
    """Positions of a fixed random sample of about ``limit`` rows that keeps each stratum's
    share (every stratum keeps at least one row), in their order."""
    rng = np.random.default_rng(0)
    n = strata.shape[0]
    codes, _ = pd.factorize(pd.Series(strata), use_na_sentinel=False)
    keep: list[np.ndarray] = []
    for code in np.unique(codes):
        where = np.flatnonzero(codes == code)
        take = max(1, int(round(limit * where.shape[0] / n)))
        keep.append(where if take >= where.shape[0] else rng.choice(where, take, replace=False))
    return np.sort(np.concatenate(keep))


def _strata(task: str, y: np.ndarray) -> tuple[np.ndarray, str]:
    if task in ("binary", "multiclass"):
        return y, "stratified by true class"
    values = pd.Series(y, dtype="float64")
    deciles = pd.qcut(values.rank(method="first"), 10, labels=False)
    return deciles.to_numpy(), "stratified by decile of the true value"


def frame_of(
    p: Predictions, X: Any, slices: dict[str, pd.Series], task: str, limit: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The predictions as a table (all rows, or a stratified sample of ``limit``) and what
    the file's metadata says about the sample."""
    n = p.y.shape[0]
    cols: dict[str, Any] = {"row": np.arange(n, dtype="int64")}
    if isinstance(X, pd.DataFrame) and not isinstance(X.index, pd.RangeIndex):
        cols["key"] = X.index.astype("string").to_numpy()
    cols["y_true"] = p.y
    cols["y_pred"] = p.pred
    if p.proba is not None and p.classes is not None:
        for i, cls in enumerate(p.classes):
            cols[probability_column(cls)] = p.proba[:, i].astype("float64")
    for name, values in slices.items():
        cols[SLICE_PREFIX + str(name)] = pd.Series(np.asarray(values)).astype("string").to_numpy()
    frame = pd.DataFrame(cols)
    for c in ("y_true", "y_pred"):
        if frame[c].dtype == object:
            frame[c] = frame[c].astype("string")
    sample = {"sampled": False, "n_rows": n, "n_kept": n, "sample": "every row"}
    if n > limit:
        strata, how = _strata(task, p.y)
        frame = frame.iloc[stratified_rows(strata, limit)].reset_index(drop=True)
        sample = {"sampled": True, "n_rows": n, "n_kept": int(len(frame)), "sample": how}
    return frame, sample


def to_bytes(frame: pd.DataFrame, meta: dict[str, Any]) -> bytes:
    """The Parquet file: the table, with ``meta`` as JSON under the schema key ``mmds``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[b"mmds"] = json.dumps(meta, sort_keys=True, default=_jsonable).encode()
    table = table.replace_schema_metadata(schema_meta)
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


@dataclass(frozen=True)
class StoredPredictions:
    """One stored evaluation of a version: its table and metadata (see the module's text)."""

    frame: pd.DataFrame
    meta: dict[str, Any]
    sha256: str

    @property
    def name(self) -> str:
        return str(self.meta["name"])

    @property
    def classes(self) -> list[Any]:
        return list(self.meta.get("classes") or [])

    @property
    def dataset_hash(self) -> str:
        return str(self.meta["dataset"]["content_hash"])

    def probabilities(self) -> np.ndarray | None:
        cols = [probability_column(c) for c in self.classes]
        if not cols or any(c not in self.frame.columns for c in cols):
            return None
        return self.frame[cols].to_numpy(dtype="float64")

    def slice_columns(self) -> list[str]:
        return [c[len(SLICE_PREFIX) :] for c in self.frame.columns if c.startswith(SLICE_PREFIX)]

    def summary(self) -> dict[str, Any]:
        """What ``mmds.evaluate`` answers: the name, data set, sample and metrics."""
        m = self.meta
        return {
            "name": m["name"],
            "dataset": m["dataset"],
            "n_rows": m["n_rows"],
            "n_kept": m["n_kept"],
            "sampled": m["sampled"],
            "sample": m["sample"],
            "metrics": m["metrics"],
            "predictions_sha256": self.sha256,
        }


def schema_meta(blob: bytes) -> dict[str, Any]:
    """The ``mmds`` metadata of a file written by :func:`to_bytes`, without reading its rows."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(io.BytesIO(blob))
    return dict(json.loads((schema.metadata or {})[b"mmds"]))


def from_bytes(blob: bytes, sha256: str) -> StoredPredictions:
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(blob))
    meta = json.loads((table.schema.metadata or {})[b"mmds"])
    return StoredPredictions(table.to_pandas(), meta, sha256)


def build(
    p: Predictions,
    X: Any,
    slices: dict[str, pd.Series],
    task: str,
    *,
    name: str,
    dataset: dict[str, Any],
    metric_rows: list[dict[str, Any]],
    limit: int,
) -> bytes:
    """The bytes of the predictions file of one evaluation (see the module's text)."""
    frame, sample = frame_of(p, X, slices, task, limit)
    meta = {
        "format": FORMAT,
        "name": name,
        "task": task,
        "classes": None if p.classes is None else [_jsonable(c) for c in p.classes],
        "dataset": {"content_hash": dataset["content_hash"], "n_rows": dataset["n_rows"]},
        "slices": [str(s) for s in slices],
        "metrics": metric_rows,
        **sample,
    }
    return to_bytes(frame, meta)
