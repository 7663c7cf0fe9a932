"""Score contracts: the inputs a version requires (type, nulls, domain) and the outputs it gives."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInput

POLICIES = ("reject", "flag")
KINDS = ("float", "integer", "boolean", "string", "datetime")
MAX_CATEGORIES = 200


@dataclass
class InputSpec:
    """One required input column."""

    name: str
    type: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    categories: list[Any] | None = None


@dataclass
class Contract:
    """Required inputs, outputs and the out-of-domain policy of one version."""

    inputs: list[InputSpec]
    outputs: list[dict[str, Any]]
    policy: str = "reject"
    version_ref: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def input(self, name: str) -> InputSpec | None:
        return next((i for i in self.inputs if i.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version_ref,
            "policy": self.policy,
            "inputs": [asdict(i) for i in self.inputs],
            "outputs": self.outputs,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per input: name, type, nullable, range, categories."""
        return pd.DataFrame(
            [asdict(i) for i in self.inputs],
            columns=["name", "type", "nullable", "min", "max", "categories"],
        )

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{escape(i.name)}</td><td>{escape(i.type)}</td>"
            f"<td>{'yes' if i.nullable else 'no'}</td>"
            f"<td>{'' if i.min is None else f'{i.min:.6g}'} – "
            f"{'' if i.max is None else f'{i.max:.6g}'}</td>"
            f"<td>{escape(', '.join(map(str, i.categories or [])))}</td></tr>"
            for i in self.inputs
        )
        outs = ", ".join(escape(o["name"]) for o in self.outputs)
        return (
            f"<div class='mmds-contract'><b>Score contract of {escape(self.version_ref or '')}"
            f"</b> (out-of-domain policy: {escape(self.policy)})<table class='mmds-table'>"
            "<tr><th>input</th><th>type</th><th>nullable</th><th>range</th>"
            f"<th>categories</th></tr>{rows}</table><div>outputs: {outs}</div></div>"
        )


def kind_of(dtype: Any) -> str:
    """The contract type of a pandas/numpy dtype."""
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "string"


def derive(
    features: list[dict[str, Any]], outputs: list[dict[str, Any]], data: pd.DataFrame | None
) -> Contract:
    """A contract from the model's features and the data it was trained (or tested) on."""
    inputs = []
    for f in features:
        name = f["name"]
        col = data[name] if data is not None and name in data.columns else None
        kind = kind_of(col.dtype) if col is not None else _kind_from_name(f.get("dtype", ""))
        spec = InputSpec(
            name=name, type=kind, nullable=bool(col.isna().any()) if col is not None else False
        )
        if col is not None and kind in ("float", "integer"):
            values = col.dropna().to_numpy(dtype="float64")
            if values.size:
                spec.min, spec.max = float(values.min()), float(values.max())
        elif col is not None and kind in ("string", "boolean"):
            cats = pd.unique(col.dropna())
            if len(cats) <= MAX_CATEGORIES:
                spec.categories = sorted(_plain(c) for c in cats)
        inputs.append(spec)
    return Contract(inputs=inputs, outputs=outputs)


def _kind_from_name(dtype: str) -> str:
    try:
        return kind_of(np.dtype(dtype))
    except TypeError:
        return "string"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def from_dict(data: dict[str, Any], version_ref: str | None = None) -> Contract:
    """Build a contract from its stored or user-edited form, checking every field."""
    policy = data.get("policy", "reject")
    if policy not in POLICIES:
        raise InvalidInput(f"Contract policy {policy!r} is not one of {', '.join(POLICIES)}.")
    inputs = []
    for raw in data.get("inputs", []):
        unknown = set(raw) - {"name", "type", "nullable", "min", "max", "categories"}
        if unknown:
            raise InvalidInput(
                f"Contract input {raw.get('name')!r} has unknown field(s) "
                f"{', '.join(sorted(unknown))}."
            )
        if raw.get("type") not in KINDS:
            raise InvalidInput(
                f"Contract input {raw.get('name')!r} has type {raw.get('type')!r}; "
                f"use one of {', '.join(KINDS)}."
            )
        inputs.append(InputSpec(**raw))
    return Contract(
        inputs=inputs, outputs=list(data.get("outputs", [])), policy=policy, version_ref=version_ref
    )
