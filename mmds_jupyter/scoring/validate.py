"""Check a data frame against a score contract, reporting every problem at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInput
from .contract import Contract, InputSpec

# Problems that make scoring impossible whatever the policy; the rest are "out of domain".
STRUCTURAL = ("missing column", "unexpected column", "wrong type", "null values")


@dataclass
class Problem:
    """One way the data breaks the contract."""

    column: str
    kind: str
    rows: int
    example: Any = None
    detail: str = ""

    def __str__(self) -> str:
        if self.kind in ("missing column", "unexpected column"):
            return f"{self.kind} {self.column!r}{self.detail}"
        example = "" if self.example is None else f", e.g. {self.example!r}"
        return f"column {self.column!r}: {self.rows} row(s) with {self.kind}{example}{self.detail}"


class ContractViolation(InvalidInput):
    """The data does not satisfy the version's score contract; nothing was scored."""

    def __init__(self, ref: str, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"The data does not satisfy the score contract of {ref} ({len(problems)} "
            f"problem(s); nothing was scored or written):\n{lines}\n"
            "Fix the data, or review the contract with mmds.contract(ref) — out-of-domain rows "
            "can be scored and flagged with policy='flag'."
        )


@dataclass
class Checked:
    """The inputs converted to the contract's types, in contract order, and per-row flags."""

    frame: pd.DataFrame
    problems: list[Problem]
    flags: pd.Series  # one string per row, '' when the row is in domain


def _example(values: pd.Series) -> Any:
    v = values.iloc[0]
    return v.item() if isinstance(v, np.generic) else v


_BOOLS: dict[Any, bool] = {"true": True, "false": False, 1: True, 0: False}


def _as_bool(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return value
    return _BOOLS.get(value.lower() if isinstance(value, str) else value)


def _plain_number(col: pd.Series) -> bool:
    """Numbers (not booleans) that convert to float64 without asking anything of the values."""
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _convert(col: pd.Series, spec: InputSpec) -> tuple[pd.Series, Problem | None]:
    """Convert ``col`` to the contract type when that is safe, else report a wrong type."""
    if spec.type in ("float", "integer") and _plain_number(col):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        if spec.type == "integer":
            with np.errstate(invalid="ignore"):
                fraction = ~np.isnan(values) & (values != np.floor(values))
            if fraction.any():
                return col, Problem(
                    spec.name,
                    "values that are not integer",
                    int(fraction.sum()),
                    _example(col[fraction]),
                    "",
                )
        return pd.Series(values, index=col.index, name=col.name), None
    present = col.notna()
    if spec.type in ("float", "integer"):
        # text or booleans: only what reads as a number is one
        num = pd.to_numeric(col.astype("string").str.strip(), errors="coerce")
        bad = present & num.isna()
        if spec.type == "integer":
            bad |= present & num.notna() & (num != np.floor(num))
        if bad.any():
            return col, Problem(
                spec.name,
                f"values that are not {spec.type}",
                int(bad.sum()),
                _example(col[bad]),
                "",
            )
        return num.astype("float64"), None
    if spec.type == "boolean":
        if pd.api.types.is_bool_dtype(col):
            return col, None
        mapped = col.map(_as_bool)
        bad = present & mapped.isna()
        if bad.any():
            return col, Problem(
                spec.name, "values that are not boolean", int(bad.sum()), _example(col[bad])
            )
        return mapped.astype("boolean"), None
    if spec.type == "datetime":
        conv = pd.to_datetime(col, errors="coerce")
        bad = present & conv.isna()
        if bad.any():
            return col, Problem(
                spec.name, "values that are not dates", int(bad.sum()), _example(col[bad])
            )
        return conv, None
    if pd.api.types.is_string_dtype(col) or pd.api.types.is_object_dtype(col):
        return col, None
    # numbers where the model saw text categories compare as their text
    return col.where(~present, col.astype("string")).astype(object), None


def check(contract: Contract, data: pd.DataFrame, passthrough: list[str]) -> Checked:
    """Validate ``data``; raise ContractViolation per the contract's policy, else return it."""
    ref = contract.version_ref or "this version"
    if not isinstance(data, pd.DataFrame):
        raise InvalidInput("Scoring needs a pandas DataFrame (or a path to a Parquet/CSV file).")
    problems: list[Problem] = []
    names = [i.name for i in contract.inputs]
    for name in names:
        if name not in data.columns:
            problems.append(Problem(name, "missing column", len(data)))
    allowed = set(names) | set(passthrough)
    for name in data.columns:
        if name not in allowed:
            problems.append(
                Problem(
                    str(name),
                    "unexpected column",
                    len(data),
                    detail=" (pass it as key= or passthrough= to carry it along)",
                )
            )
    flagged: dict[str, pd.Series] = {}
    out: dict[str, pd.Series] = {}
    for spec in contract.inputs:
        if spec.name not in data.columns:
            continue
        col, problem = _convert(data[spec.name], spec)
        if problem:
            problems.append(problem)
            continue
        out[spec.name] = col
        nulls = col.isna()
        if nulls.any() and not spec.nullable:
            problems.append(
                Problem(
                    spec.name,
                    "null values",
                    int(nulls.sum()),
                    detail=" (the contract says it is never null)",
                )
            )
        domain = None
        if spec.categories is not None and spec.type in ("string", "boolean"):
            known = set(spec.categories)
            # the few distinct values first: the row mask only when one is unknown
            seen = col.dropna().unique()
            if any(value not in known for value in seen):
                domain = col.notna() & ~col.isin(known)
            if domain is not None:
                shown = ", ".join(map(str, sorted(known, key=str)[:10]))
                problems.append(
                    Problem(
                        spec.name,
                        "unknown categories",
                        int(domain.sum()),
                        _example(col[domain]),
                        f" (known: {shown})",
                    )
                )
        elif spec.type in ("float", "integer") and (spec.min is not None or spec.max is not None):
            lo = -np.inf if spec.min is None else spec.min
            hi = np.inf if spec.max is None else spec.max
            v = col.to_numpy(dtype="float64", na_value=np.nan)  # NaN is in no range
            outside = (v < lo) | (v > hi)
            domain = pd.Series(outside, index=col.index) if outside.any() else None
            if domain is not None:
                problems.append(
                    Problem(
                        spec.name,
                        "values out of range",
                        int(domain.sum()),
                        _example(col[domain]),
                        f" (range {lo:.6g} to {hi:.6g})",
                    )
                )
        if domain is not None and domain.any():
            flagged[spec.name] = domain
    fatal = [p for p in problems if p.kind in STRUCTURAL or p.kind.startswith("values that")]
    if fatal or (problems and contract.policy == "reject"):
        raise ContractViolation(ref, problems)
    frame = pd.DataFrame(out, index=data.index)[names]
    return Checked(frame=frame, problems=problems, flags=_flags(flagged, data.index))


def _flags(flagged: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """Per row, the names of the inputs out of domain, joined by ';' ('' when none)."""
    flags = pd.Series("", index=index, dtype=object)
    for name, mask in flagged.items():
        flags[mask] = flags[mask].map(lambda f, n=name: f"{f};{n}" if f else n)
    return flags
