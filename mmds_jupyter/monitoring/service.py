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


def drift(
    reg: Registry,
    ref: str | Version | None,
    data: Any,
    score_set: int | None,
    min_rows: int | None,
) -> DriftReport:
    """Drift of ``data`` against ``ref``'s baseline, or the drift stored with ``score_set``."""
    if (data is None) == (score_set is None):
        raise InvalidInput(
            "Give the data to compare (mmds.drift(ref, data)) or a stored score set "
            "(mmds.drift(ref, score_set=12)), not both and not neither."
        )
    rows = check_min_rows(min_rows)
    if score_set is not None:
        n = whole_number("score set id", score_set, 1, MAX_ID)
        record = reg.store.score_sets.score_set(n)
        if ref is not None:
            check_same_model(ref, record)
        version = reg.store.versions.version_by_id(record["version_id"])
        return stored_drift(
            reg.artifacts,
            reg.stored_baseline(version),
            record,
            None if min_rows is None else rows,
        )
    if ref is None:
        raise InvalidInput("Name the version whose baseline the data is compared with.")
    from ..scoring.frames import read_input

    version = reg.get(ref)
    baseline = require_baseline(reg.stored_baseline(version), version)
    return drift_of_frame(baseline, read_input(data), version.ref, rows)


def check_same_model(ref: Any, record: dict[str, Any]) -> None:
    """A score set is read under the model (or version) that stored it, nothing else."""
    asked = parse_ref(ref.ref if hasattr(ref, "ref") else str(ref))
    stored = parse_ref(record["ref"])
    same = asked.project in (None, stored.project) and asked.name == stored.name
    if not same or (asked.version is not None and asked.version != stored.version):
        raise InvalidInput(
            f"Score set {record['id']} was stored by {record['ref']}, not {ref}; "
            f"ask mmds.drift('{record['ref']}', score_set={record['id']})."
        )
