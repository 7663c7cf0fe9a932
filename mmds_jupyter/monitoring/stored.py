"""Baselines and drift as the registry keeps them.

A version's baseline is a *version file* of kind ``baseline``: a content-addressed JSON
artifact written in the same transaction as the version, so it is frozen with it (no later
write can change what a version is compared against) and costs the versions table nothing. A
stored score set's drift is one more content-addressed JSON artifact named by the score set
(``drift_sha256``): the counts of its rows in the baseline's bins and a sample (what later
windows add up, instead of re-reading rows), and the report computed from them at storing time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InvalidInput, NotFound
from . import baseline as bl
from .drift import MIN_ROWS, DriftReport, compare

if TYPE_CHECKING:
    from ..capture.datasets import TextCodes
    from ..entities import Version
    from ..store.artifacts import ArtifactStore
    from ..store.base import VersionStore

KIND = "baseline"


def baseline_sha256(versions: VersionStore, version: Version) -> str | None:
    files = [f for f in versions.version_files(version.id) if f["kind"] == KIND]
    return files[-1]["artifact_sha256"] if files else None


def load_baseline(
    versions: VersionStore, artifacts: ArtifactStore, version: Version
) -> dict[str, Any] | None:
    """The version's baseline, or None for a version captured without data."""
    sha = baseline_sha256(versions, version)
    return bl.from_bytes(artifacts.get(sha)) if sha else None


def require_baseline(baseline: dict[str, Any] | None, version: Version) -> dict[str, Any]:
    if baseline is None:
        raise NotFound(
            f"{version.ref} has no drift baseline: it was captured without training or test "
            "data. Track it again with X_train (or X_test) to get one."
        )
    return baseline


def summarize_inputs(
    baseline: dict[str, Any] | None, frame: pd.DataFrame, codes: TextCodes | None = None
) -> dict[str, Any] | None:
    """The scoring input counted in the baseline's input bins (run beside the model), its
    text columns from their codes when scoring has factorized them."""
    if baseline is None:
        return None
    return bl.summarize(baseline, frame, role="input", codes=codes)


def score_set_drift(
    baseline: dict[str, Any] | None,
    inputs: dict[str, Any] | None,
    outputs: pd.DataFrame,
    ref: str,
) -> tuple[bytes, DriftReport] | None:
    """The artifact of a score set's drift (summary and report), from the inputs' summary and
    the outputs; None when the version has no baseline."""
    if baseline is None or inputs is None:
        return None
    return drift_document(baseline, inputs, bl.summarize(baseline, outputs, role="score"), ref)


def drift_document(
    baseline: dict[str, Any], inputs: dict[str, Any], scores: dict[str, Any], ref: str
) -> tuple[bytes, DriftReport]:
    """The artifact of a score set's drift and its report, from the summaries of its inputs
    and of its scores (made from pandas, or in Spark by scoring.spark_drift)."""
    summary = {**inputs, "columns": {**inputs["columns"], **scores["columns"]}}
    report = compare(baseline, summary, ref)
    doc = {"format": bl.FORMAT, "summary": bl.pack(summary), "report": report.to_dict()}
    return bl.to_bytes(doc), report


def stored_drift(
    artifacts: ArtifactStore,
    baseline: dict[str, Any] | None,
    score_set: dict[str, Any],
    min_rows: int | None = None,
) -> DriftReport:
    """The drift stored with a score set; with another ``min_rows``, recomputed from its
    stored summary (no rows are read)."""
    sha = score_set.get("drift_sha256")
    if not sha:
        raise NotFound(
            f"Score set {score_set['id']} has no stored drift: its version has no baseline, or "
            "it was stored before MMDS kept drift. mmds.drift(ref, data) computes it on demand."
        )
    doc = bl.from_bytes(artifacts.get(sha))
    if min_rows is None or baseline is None:
        report = DriftReport.from_dict(doc["report"])
    else:
        report = compare(baseline, bl.unpack(doc["summary"]), score_set["ref"], min_rows)
    report.score_set_id = int(score_set["id"])
    return report


def check_min_rows(min_rows: Any) -> int:
    if min_rows is None:
        return MIN_ROWS
    if isinstance(min_rows, bool) or not isinstance(min_rows, int) or min_rows < 1:
        raise InvalidInput(f"min_rows is a whole number of at least 1, not {min_rows!r}.")
    return min_rows
