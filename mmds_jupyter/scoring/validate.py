"""Check a data frame against a score contract, reporting every problem at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..capture.datasets import TextCodes
from ..errors import InvalidInput
from .contract import Contract, InputSpec, kind_from_name

# Schema problems make scoring impossible whatever the policy (so do values that cannot be
# converted to the input's type: "values that are not ..."). The rest are domain problems:
# the policy flags the rows ("flag") or refuses the batch ("reject").
SCHEMA = ("missing column", "unexpected column")
DOMAIN = ("null values", "unknown categories", "values out of range")


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
        hint = (
            " Out-of-domain rows can be scored and flagged with policy='flag'."
            if any(p.kind in DOMAIN for p in problems)
            else ""
        )
        super().__init__(
            f"The data does not satisfy the score contract of {ref} ({len(problems)} "
            f"problem(s); nothing was scored or written):\n{lines}\n"
            f"Fix the data, or review the contract with mmds.contract(ref).{hint}"
        )


@dataclass
class Checked:
    """The model's inputs (converted to the contract's types, in the model's order), the
    problems found, per-row flags and the columns of the data that were ignored."""

    frame: pd.DataFrame
    problems: list[Problem]
    flags: pd.Series  # one string per row, '' when the row is in domain
    ignored: list[str]


def ignored_columns(contract: Contract, columns: Any, carried: list[str]) -> list[str]:
    """Columns of the data that are neither inputs of the contract nor carried along."""
    known = {i.name for i in contract.inputs} | set(carried)
    return [str(c) for c in columns if c not in known]


def placeholder(kind: str, spec: InputSpec | None) -> Any:
    """A value for an input the model does not read (its output cannot depend on it)."""
    if spec is not None and spec.categories:
        return spec.categories[0]
    if kind in ("float", "integer"):
        return spec.min if spec is not None and spec.min is not None else 0.0
    return {"boolean": False, "datetime": pd.Timestamp(0)}.get(kind, "")


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
        if col.dtype == np.float64:
            values = col.to_numpy()  # as it is: no copy
        else:
            values = col.to_numpy(dtype="float64", na_value=np.nan)
        # numpy integers are whole: only other numbers need the check
        if spec.type == "integer" and not (
            isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu"
        ):
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
        return pd.Series(values, index=col.index, name=col.name, copy=False), None
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


def check(
    contract: Contract,
    data: pd.DataFrame,
    passthrough: list[str],
    features: list[tuple[str, str]] | None = None,
    codes: TextCodes | None = None,
    categorical_text: bool = False,
) -> Checked:
    """Validate ``data``; raise ContractViolation per the contract's policy, else return it.

    ``features`` are the model's input columns (name, dtype) in its order: inputs it does not
    use get a placeholder value, whether the data has them or not. ``codes`` shares the text
    columns' distinct values with the input's fingerprint, computed in parallel; with
    ``categorical_text`` the model gets text inputs as categoricals of those codes (for
    models whose outputs do not depend on the dtype, and that use the codes as they are)."""
    ref = contract.version_ref or "this version"
    if not isinstance(data, pd.DataFrame):
        raise InvalidInput("Scoring needs a pandas DataFrame (or a path to a Parquet/CSV file).")
    problems: list[Problem] = []
    required = [i for i in contract.inputs if i.required]
    for spec in required:
        if spec.name not in data.columns:
            problems.append(Problem(spec.name, "missing column", len(data)))
    ignored = ignored_columns(contract, data.columns, passthrough)
    if contract.strict:
        problems.extend(
            Problem(
                name,
                "unexpected column",
                len(data),
                detail=" (pass it as key= or passthrough= to carry it along, or score with "
                "strict=False to ignore it)",
            )
            for name in ignored
        )
    flagged: dict[str, np.ndarray] = {}
    out: dict[str, Any] = {}
    factorized: dict[str, tuple[np.ndarray, pd.Index]] = {}
    for spec in required:
        if spec.name not in data.columns:
            continue
        source = data[spec.name]
        col, problem = _convert(source, spec)
        if problem:
            problems.append(problem)
            continue
        out[spec.name] = col
        domain = None
        # text columns as given are factorized once (codes -1 where null) for the fingerprint
        shared = codes.get(spec.name) if codes and col is source and spec.name in codes else None
        if col.dtype == np.float64:  # numbers are float64 by now
            nulls = np.isnan(col.to_numpy())
        else:
            nulls = shared[0] < 0 if shared else col.isna().to_numpy()
        if shared:
            factorized[spec.name] = shared
        if not spec.nullable and nulls.any():
            domain = nulls
            problems.append(
                Problem(
                    spec.name,
                    "null values",
                    int(nulls.sum()),
                    detail=" (the contract says it is never null)",
                )
            )
        found = _outside(col, spec, shared[1] if shared else None)
        if found is not None:
            outside, kind, detail = found
            domain = outside if domain is None else domain | outside
            problems.append(
                Problem(spec.name, kind, int(outside.sum()), _example(col[outside]), detail)
            )
        if domain is not None:
            flagged[spec.name] = domain
    schema = [p for p in problems if p.kind not in DOMAIN]
    if schema or (problems and contract.policy == "reject"):
        raise ContractViolation(ref, problems)
    if features is None:
        features = [(i.name, i.type) for i in contract.inputs]
    model_inputs: dict[str, Any] = {}
    for name, dtype in features:
        if name in out and categorical_text and name in factorized:
            model_inputs[name] = pd.Categorical.from_codes(*factorized[name])
        elif name in out:
            model_inputs[name] = out[name]
        else:  # an input the model does not use: its value cannot change the outputs
            known = contract.input(name)
            kind = known.type if known is not None else kind_from_name(dtype)
            model_inputs[name] = placeholder(kind, known)
    frame = pd.DataFrame(model_inputs, index=data.index, copy=False)
    return Checked(
        frame=frame, problems=problems, flags=_flags(flagged, data.index), ignored=ignored
    )


def _outside(
    col: pd.Series, spec: InputSpec, distinct: Any = None
) -> tuple[np.ndarray, str, str] | None:
    """Rows with an unknown category or a value out of range, the problem and its detail.
    ``distinct`` are the column's distinct values when already known."""
    if spec.categories is not None and spec.type in ("string", "boolean"):
        known = set(spec.categories)
        # the few distinct values first: the row mask only when one is unknown
        if distinct is None:
            distinct = col.dropna().unique()
        if all(value in known for value in distinct):
            return None
        shown = ", ".join(map(str, sorted(known, key=str)[:10]))
        mask = (col.notna() & ~col.isin(known)).to_numpy()
        return mask, "unknown categories", f" (known: {shown})"
    if spec.type in ("float", "integer") and (spec.min is not None or spec.max is not None):
        lo = -np.inf if spec.min is None else spec.min
        hi = np.inf if spec.max is None else spec.max
        # NaN is in no range
        v = col.to_numpy() if col.dtype == np.float64 else col.to_numpy("float64", na_value=np.nan)
        if v.size == 0:
            return None
        # the extremes first (NaN in one means nulls): the row mask only when one is outside
        low, high = v.min(), v.max()
        if low >= lo and high <= hi:
            return None
        outside = (v < lo) | (v > hi)
        if not outside.any():
            return None
        return outside, "values out of range", f" (range {lo:.6g} to {hi:.6g})"
    return None


def _flags(flagged: dict[str, np.ndarray], index: pd.Index) -> pd.Series:
    """Per row, the names of the inputs out of domain, joined by ';' ('' when none)."""
    flags = np.full(len(index), "", dtype=object)
    for name, mask in flagged.items():
        rows = np.flatnonzero(mask)  # only the flagged rows are touched, in numpy
        if rows.size:
            before = flags[rows]
            flags[rows] = np.where(before == "", name, before + (";" + name))
    return pd.Series(flags, index=index, dtype="str")  # as it reads back from Parquet
