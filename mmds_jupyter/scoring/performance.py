"""Actuals joined with stored score sets: how a model performed over time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..capture import metrics
from ..errors import InvalidInput
from .frames import from_parquet_bytes, read_input, to_parquet_bytes

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import ArtifactStore, Registry, ScoreSetStore


STORED_MODES = ("production", "shadow")  # the modes whose score sets meet actuals


@dataclass(frozen=True)
class ActualsResult:
    """What ``mmds.actuals`` stored: the actual set's id and how its rows met the scores.

    ``matched`` rows have a key that a stored score set of the model holds; ``unmatched`` ones
    (not scored yet, or a key typed differently) wait for a score set with their key.
    """

    actual_set_id: int
    model: str
    rows: int
    matched: int
    unmatched: int


def add_actuals(
    reg: Registry,
    score_sets: ScoreSetStore,
    artifacts: ArtifactStore,
    model: str,
    data: Any,
    key: str,
    target: str,
) -> ActualsResult:
    """Store observed outcomes for a model's scored rows, matched by ``key``."""
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
    ref = reg._ref(model)
    scored = [
        from_parquet_bytes(artifacts.get(ss["artifact_sha256"]))[key]
        for ss in counted_score_sets(score_sets.score_sets(score_sets.model_version_ids(ref)))
        if ss["mode"] in STORED_MODES and ss["key"] == key
    ]
    matched = int(frame[key].isin(pd.concat(scored)).sum()) if scored else 0
    sha = artifacts.put(to_parquet_bytes(frame))
    actual_id, model_ref = score_sets.add_actuals(
        ref, key, target, len(frame), sha, reg.actor, matched=matched
    )
    return ActualsResult(actual_id, model_ref, len(frame), matched, len(frame) - matched)


def counted_score_sets(sets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Score sets (newest first) that count: each input once per version, the newest set.

    Replaced sets are left out, and so are older sets of one input stored before duplicates
    were refused, so that no row is counted twice.
    """
    seen: set[tuple[int, int]] = set()
    out = []
    for ss in sets:
        if ss.get("replaced_by") is not None:
            continue
        if ss["input_dataset_id"] is not None:
            pair = (ss["version_id"], ss["input_dataset_id"])
            if pair in seen:
                continue
            seen.add(pair)
        out.append(ss)
    return out


def performance(
    reg: Registry, score_sets: ScoreSetStore, artifacts: ArtifactStore, model: str
) -> pd.DataFrame:
    """One row per stored score set that has actuals: when, which version, the metrics.

    ``churn`` means every version of the model; ``churn:3`` or ``churn@champion`` one.
    """
    ref = reg._ref(model)
    actual_sets = score_sets.actuals(ref)
    one = ref.version is not None or ref.alias is not None
    version_ids = [reg.get(ref).id] if one else score_sets.model_version_ids(ref)
    if not actual_sets:
        return pd.DataFrame(columns=["score_set", "ref", "mode", "scored_at", "matched"])
    actuals = load_actuals(artifacts, actual_sets)
    rows = []
    for ss in reversed(counted_score_sets(score_sets.score_sets(version_ids))):
        if ss["mode"] not in STORED_MODES or not ss["key"] or "," in ss["key"]:
            continue
        scores = from_parquet_bytes(artifacts.get(ss["artifact_sha256"]))
        joined = scores.merge(actuals, left_on=ss["key"], right_on="__key", how="inner")
        joined = joined.dropna(subset=["prediction"])  # flagged rows the model could not score
        if joined.empty:
            continue
        values = scored_metrics(reg.get(ss["ref"]), joined)
        rows.append(
            {
                "score_set": ss["id"],
                "ref": ss["ref"],
                "mode": ss["mode"],
                "scored_at": ss["created_at"],
                "matched": len(joined),
                **values,
            }
        )
    return pd.DataFrame(rows)


def load_actuals(artifacts: ArtifactStore, actual_sets: list[dict[str, Any]]) -> pd.DataFrame:
    """Every actual set of a model as ``__key`` and ``__actual``; a key's latest outcome wins."""
    return pd.concat(
        [
            from_parquet_bytes(artifacts.get(a["artifact_sha256"])).rename(
                columns={a["key"]: "__key", a["target"]: "__actual"}
            )
            for a in actual_sets
        ]
    ).drop_duplicates("__key", keep="last")


def class_labels(version: Version) -> list[Any]:
    """The classes a classifier's stored probability columns are named after, in order."""
    return [o["class"] for o in version.outputs if o.get("kind") == "probability"]


def scored_metrics(version: Version, joined: pd.DataFrame) -> dict[str, float | None]:
    """The task's metrics of scored rows met by their outcome (``__actual``); a binary
    classifier's also carry gini and ks."""
    y = joined["__actual"].to_numpy()
    pred = joined["prediction"].to_numpy()
    if version.task not in ("binary", "multiclass"):
        return metrics.regression(y, pred)
    classes = class_labels(version)
    names = [f"probability({c})" for c in classes]
    p = joined[names].to_numpy() if classes and set(names) <= set(joined.columns) else None
    values = metrics.classification(y, pred, p, np.asarray(classes))
    if p is not None and len(classes) == 2:
        values.update(metrics.separation(y == classes[1], p[:, 1]))
    return values
