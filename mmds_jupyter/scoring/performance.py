"""Actuals joined with stored score sets: how a model performed over time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..capture import metrics
from ..errors import InvalidInput
from .frames import from_parquet_bytes, read_input, to_parquet_bytes

if TYPE_CHECKING:
    from ..registry import Registry


def add_actuals(reg: Registry, model: str, data: Any, key: str, target: str) -> int:
    """Store observed outcomes for a model's scored rows, matched later by ``key``."""
    frame = read_input(data)
    for col in (key, target):
        if col not in frame.columns:
            raise InvalidInput(
                f"The actuals have no column {col!r}; their columns are "
                f"{', '.join(map(str, frame.columns))}."
            )
    if frame[key].duplicated().any():
        raise InvalidInput(f"The actuals repeat key values in {key!r}; give one outcome per key.")
    frame = frame[[key, target]]
    sha = reg.artifacts.put(to_parquet_bytes(frame))
    return reg.scoring.add_actuals(reg._ref(model), key, target, len(frame), sha, reg.actor)


def performance(reg: Registry, model: str) -> pd.DataFrame:
    """One row per production score set that has actuals: when, which version, the metrics."""
    ref = reg._ref(model)
    actual_sets = reg.scoring.actuals(ref)
    if not actual_sets:
        return pd.DataFrame(columns=["score_set", "ref", "scored_at", "matched"])
    actuals = pd.concat(
        [
            from_parquet_bytes(reg.artifacts.get(a["artifact_sha256"])).rename(
                columns={a["key"]: "__key", a["target"]: "__actual"}
            )
            for a in actual_sets
        ]
    ).drop_duplicates("__key", keep="last")
    rows = []
    version_ids = reg.scoring.model_version_ids(ref)
    for ss in reversed(reg.scoring.score_sets(version_ids)):
        if ss["mode"] != "production" or not ss["key"] or "," in ss["key"]:
            continue
        scores = from_parquet_bytes(reg.artifacts.get(ss["artifact_sha256"]))
        joined = scores.merge(actuals, left_on=ss["key"], right_on="__key", how="inner")
        joined = joined.dropna(subset=["prediction"])  # flagged rows the model could not score
        if joined.empty:
            continue
        version = reg.get(ss["ref"])
        proba = [c for c in joined.columns if c.startswith("probability(")]
        y = joined["__actual"].to_numpy()
        if version.task in ("binary", "multiclass"):
            classes = [o["class"] for o in version.outputs if o.get("kind") == "probability"]
            p = joined[[f"probability({c})" for c in classes]].to_numpy() if proba else None
            values = metrics.classification(
                y, joined["prediction"].to_numpy(), p, np.asarray(classes)
            )
        else:
            values = metrics.regression(y, joined["prediction"].to_numpy())
        rows.append(
            {
                "score_set": ss["id"],
                "ref": ss["ref"],
                "scored_at": ss["created_at"],
                "matched": len(joined),
                **values,
            }
        )
    return pd.DataFrame(rows)
