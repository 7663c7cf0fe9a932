"""``drift`` as the local registry answers it: one data frame on demand, or a stored score set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from ..refs import MAX_ID, parse_ref, whole_number
from .drift import DriftReport, drift_of_frame
from .stored import check_min_rows, require_baseline, stored_drift

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry


def check_request(ref: Any, data: Any, score_set: Any) -> None:
    """One of the data or a score set, and the version (or model) it is read under."""
    if (data is None) == (score_set is None):
        raise InvalidInput(
            "Give the data to compare (mmds.drift(ref, data)) or a stored score set "
            "(mmds.drift(ref, score_set=12)), not both and not neither."
        )
    if ref is None:
        raise InvalidInput(
            "Name the version whose baseline is meant, e.g. mmds.drift('churn@champion', data)."
        )


def drift(
    reg: Registry,
    ref: str | Version | None,
    data: Any,
    score_set: int | None,
    min_rows: int | None,
) -> DriftReport:
    """Drift of ``data`` against ``ref``'s baseline, or the drift stored with ``score_set``."""
    check_request(ref, data, score_set)
    assert ref is not None
    rows = check_min_rows(min_rows)
    asked = reg.get(ref)
    if score_set is not None:
        n = whole_number("score set id", score_set, 1, MAX_ID)
        record = reg.store.score_sets.score_set(n)
        version = reg.store.versions.version_by_id(record["version_id"])
        check_same_model(ref, asked, version, n)
        return stored_drift(
            reg.artifacts, reg.stored_baseline(version), record, None if min_rows is None else rows
        )
    from ..scoring.frames import read_input

    baseline = require_baseline(reg.stored_baseline(asked), asked)
    return drift_of_frame(baseline, read_input(data), asked.ref, rows)


def check_same_model(ref: Any, asked: Version, stored: Version, score_set: int) -> None:
    """A score set is read under the model (or the version) that stored it, nothing else."""
    r = parse_ref(ref.ref if hasattr(ref, "ref") else str(ref))
    same_model = (asked.project, asked.name) == (stored.project, stored.name)
    if not same_model or (r.version is not None and asked.id != stored.id):
        raise InvalidInput(
            f"Score set {score_set} was stored by {stored.ref}, not {ref}; "
            f"ask mmds.drift('{stored.ref}', score_set={score_set})."
        )
