"""Moving an alias in use: does the new version's contract take the inputs the alias receives?

A production alias is bound to by jobs and consumers, so the inputs it will receive are those its
current version last scored in production. A score set keeps its input's fingerprint (schema and
per-column statistics, not the rows); a few rows rebuilt from it (each numeric column's minimum,
quartiles and maximum, each categorical column's most frequent values, a null where it had nulls)
are checked against the new contract exactly as scoring checks data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InvalidInput, NotFound
from ..refs import Ref
from .validate import ContractViolation, Problem, check

if TYPE_CHECKING:
    from ..entities import Dataset, Version
    from ..registry import Registry, ScoreSetStore


class AliasRefused(InvalidInput):
    """The new version's contract would refuse the inputs the alias last received."""


def sample_frame(dataset: Dataset) -> pd.DataFrame:
    """Rows that span what a fingerprinted data set held, rebuilt from its statistics."""
    columns: dict[str, list[Any]] = {}
    for name in dataset.schema:
        stats = dataset.stats.get(name, {})
        if stats.get("kind") == "numeric":
            keys = ("min", "p25", "p50", "p75", "max")
            values: list[Any] = [stats[k] for k in keys if stats.get(k) is not None]
        else:
            values = list(stats.get("top", {}))
        if stats.get("nulls"):
            values.append(None)
        columns[name] = values
    n = max((len(v) for v in columns.values()), default=0)
    frame: dict[str, Any] = {}
    for name, values in columns.items():
        padded = (values * n)[:n] if values else [None] * n
        series: Any = pd.Series(padded, dtype=object)
        for dtype in (dataset.schema[name], "float64"):
            try:
                series = series.astype(dtype)
                break
            except (TypeError, ValueError):
                continue
        frame[name] = series
    return pd.DataFrame(frame, index=range(n))


def differences(contract: Any, dataset: Dataset) -> list[Problem]:
    """How the data set breaks the contract, as scoring would refuse it ([] when it would not).

    Columns the contract does not name are not differences: scoring carries or ignores them.
    """
    frame = sample_frame(dataset)
    if frame.empty:
        return []
    try:
        check(contract, frame, list(frame.columns))
    except ContractViolation as exc:
        return exc.problems
    return []


def _describe(p: Problem) -> str:
    if p.kind == "missing column":
        return f"missing column {p.column!r}"
    example = "" if p.example is None else f", e.g. {p.example!r}"
    return f"column {p.column!r}: {p.kind}{example}{p.detail}"


def check_alias_move(
    reg: Registry, score_sets: ScoreSetStore, version: Version, alias: str, force: bool
) -> dict[str, Any] | None:
    """Refuse to point ``alias`` at ``version`` when its contract would refuse the inputs the
    alias's current version last scored in production; with ``force`` return what was
    overridden (recorded with the alias event)."""
    try:
        current = reg.get(Ref(name=version.name, project=version.project, alias=alias))
    except NotFound:
        return None
    if current.id == version.id:
        return None
    last = score_sets.last_production_input(current.id)
    if last is None:
        return None
    score_set, dataset = last
    found = [_describe(p) for p in differences(reg.contract(version), dataset)]
    if not found:
        return None
    source = (
        f"the last production input of {current.ref} (score set {score_set['id']}"
        + (f", scheduler run {score_set['run_id']}" if score_set["run_id"] else "")
        + f", {dataset.n_rows} rows)"
    )
    if force:
        return {"forced": True, "checked_against": score_set["id"], "differences": found}
    lines = "\n".join(f"  - {d}" for d in found)
    raise AliasRefused(
        f"Moving {version.project}/{version.name}@{alias} to {version.ref} would break the jobs "
        f"and consumers that use it: {source} does not satisfy the score contract of "
        f"{version.ref}:\n{lines}\nAdjust that contract (mmds.contract('{version.ref}', "
        "update=..., policy='flag')) or the inputs, or pass force=True (--force) to move the "
        "alias anyway."
    )
