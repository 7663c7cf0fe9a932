"""Scoring tests: inputs, expected outputs and a tolerance, run against a version."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InvalidInput
from ..refs import check_name
from .frames import from_parquet_bytes, read_input, to_parquet_bytes
from .score import FLAG_COLUMN

if TYPE_CHECKING:
    from ..registry import ArtifactStore, Registry, ScoringStore

MAX_DETAIL_ROWS = 20


def create(
    reg: Registry,
    scoring: ScoringStore,
    artifacts: ArtifactStore,
    ref: Any,
    inputs: Any,
    expected: Any,
    tolerance: float = 1e-6,
    name: str = "default",
    key: str | None = None,
    whole_model: bool = False,
) -> dict[str, Any]:
    """Store a scoring test with a version (or, with ``whole_model``, with its model)."""
    check_name("Scoring test", name)
    if not isinstance(tolerance, (int, float)) or tolerance < 0:
        raise InvalidInput(f"tolerance must be a number >= 0, not {tolerance!r}.")
    inp, exp = read_input(inputs), read_input(expected)
    if key is None and len(inp) != len(exp):
        raise InvalidInput(
            f"The test has {len(inp)} input rows but {len(exp)} expected rows; "
            "give as many, or a key= column present in both."
        )
    if key is not None and (key not in inp.columns or key not in exp.columns):
        raise InvalidInput(
            f"The key column {key!r} must be in both the inputs and the expected outputs."
        )
    version = reg.get(ref)
    outputs = {o["name"] for o in version.outputs} | {FLAG_COLUMN}
    unknown = [c for c in exp.columns if c != key and c not in outputs]
    if unknown:
        raise InvalidInput(
            f"Expected column(s) {', '.join(map(repr, unknown))} are not outputs "
            f"of {version.ref}; its outputs are {', '.join(sorted(outputs))}."
        )
    # The inputs must satisfy the contract now, not only when the test first runs.
    reg.score(version, inp, mode="test", key=key)
    return scoring.create_test(
        reg._ref(version),
        whole_model,
        name,
        key,
        artifacts.put(to_parquet_bytes(inp)),
        artifacts.put(to_parquet_bytes(exp)),
        float(tolerance),
        reg.actor,
    )


def _compare(
    actual: pd.DataFrame, expected: pd.DataFrame, key: str | None, tolerance: float
) -> dict[str, Any]:
    if key is not None:
        merged = expected.merge(
            actual, on=key, how="left", suffixes=("_expected", ""), indicator=True
        )
        missing = int((merged["_merge"] == "left_only").sum())
    else:
        merged = pd.concat(
            [
                expected.add_suffix("_expected").reset_index(drop=True),
                actual.reset_index(drop=True),
            ],
            axis=1,
        )
        missing = 0
    bad = np.zeros(len(merged), dtype=bool)
    worst = 0.0
    diffs: dict[str, np.ndarray] = {}
    for col in expected.columns:
        if col == key:
            continue
        exp_col, act_col = merged[f"{col}_expected"], merged[col]
        if pd.api.types.is_numeric_dtype(exp_col) and pd.api.types.is_numeric_dtype(act_col):
            d = np.abs(exp_col.to_numpy(dtype="float64") - act_col.to_numpy(dtype="float64"))
            d = np.where(np.isnan(d), np.inf, d)
            diffs[col] = d
            bad |= d > tolerance
            finite = d[np.isfinite(d)]
            worst = max(worst, float(finite.max()) if finite.size else 0.0)
        else:
            ne = (exp_col.astype("string") != act_col.astype("string")).fillna(True).to_numpy()
            diffs[col] = ne.astype(float)
            bad |= ne
    rows = []
    for i in np.flatnonzero(bad)[:MAX_DETAIL_ROWS]:
        row: dict[str, Any] = {"row": int(i)}
        if key is not None:
            row[key] = _plain(merged.iloc[i][key])
        for col in diffs:
            row[col] = {
                "expected": _plain(merged.iloc[i][f"{col}_expected"]),
                "actual": _plain(merged.iloc[i][col]),
                "diff": _plain(diffs[col][i]),
            }
        rows.append(row)
    return {
        "n_rows": int(len(merged)),
        "n_mismatched": int(bad.sum()),
        "max_abs_diff": worst,
        "passed": bool(not bad.any() and missing == 0),
        "details": {"rows": rows, "missing_keys": missing, "tolerance": tolerance},
    }


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def run(
    reg: Registry,
    scoring: ScoringStore,
    artifacts: ArtifactStore,
    ref: Any,
    name: str | None = None,
) -> list[dict[str, Any]]:
    """Run the scoring tests that apply to a version (all, or the one named); record results."""
    version = reg.get(ref)
    tests = scoring.tests_for(version.id)
    if name is not None:
        tests = [t for t in tests if t["name"] == name]
    if not tests:
        raise InvalidInput(
            f"{version.ref} has no scoring test"
            + (f" named {name!r}" if name else "")
            + "; create one with mmds.scoring_test.create(ref, inputs, expected)."
        )
    results = []
    for test in tests:
        start = time.perf_counter()
        inputs = from_parquet_bytes(artifacts.get(test["inputs_sha256"]))
        expected = from_parquet_bytes(artifacts.get(test["expected_sha256"]))
        try:
            outputs = reg.score(version, inputs, mode="test", key=test["key"]).outputs
            if FLAG_COLUMN in expected and FLAG_COLUMN not in outputs:  # scored with 'reject'
                outputs[FLAG_COLUMN] = ""
            outcome = _compare(outputs, expected, test["key"], test["tolerance"])
        except InvalidInput as exc:
            outcome = {
                "n_rows": len(inputs),
                "n_mismatched": len(inputs),
                "max_abs_diff": None,
                "passed": False,
                "details": {"error": str(exc)},
            }
        outcome["duration_s"] = time.perf_counter() - start
        results.append(scoring.record_result(test, version.id, version.ref, outcome, reg.actor))
    return results
