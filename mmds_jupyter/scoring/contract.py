"""Score contracts: the inputs a version requires (type, nulls, domain) and the outputs it gives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInput

# What scoring does with out-of-domain values (out of range, unknown category, null where
# the data had none): "flag" scores them and names them in mmds_flags; "reject" refuses the
# batch. Schema problems (a missing column, values of the wrong type) are always refused.
POLICIES = ("flag", "reject")
DEFAULT_POLICY = "flag"
KINDS = ("float", "integer", "boolean", "string", "datetime")
MAX_CATEGORIES = 200
INPUT_FIELDS = ("name", "type", "required", "nullable", "min", "max", "categories")


@dataclass
class InputSpec:
    """One input column; ``required=False`` when the model does not use it (nor scoring)."""

    name: str
    type: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    categories: list[Any] | None = None
    required: bool = True


@dataclass
class Contract:
    """Inputs, outputs, the out-of-domain policy and the extra-column rule of one version.

    ``edits`` are the changes people made (carried to the next version of the model);
    ``inherited_from`` names the version they came from and ``not_carried`` those that did
    not fit the new version's inputs."""

    inputs: list[InputSpec]
    outputs: list[dict[str, Any]]
    policy: str = DEFAULT_POLICY
    version_ref: str | None = None
    strict: bool = False
    edits: dict[str, Any] = field(default_factory=dict)
    inherited_from: str | None = None
    not_carried: list[str] = field(default_factory=list)

    def input(self, name: str) -> InputSpec | None:
        return next((i for i in self.inputs if i.name == name), None)

    @property
    def required(self) -> list[str]:
        """Names of the inputs the model uses, which every scored frame must have."""
        return [i.name for i in self.inputs if i.required]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version_ref,
            "policy": self.policy,
            "strict": self.strict,
            "inputs": [asdict(i) for i in self.inputs],
            "outputs": self.outputs,
            "edits": self.edits,
            "inherited_from": self.inherited_from,
            "not_carried": self.not_carried,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per input: name, type, required, nullable, range, categories."""
        return pd.DataFrame(
            [asdict(i) for i in self.inputs],
            columns=["name", "type", "required", "nullable", "min", "max", "categories"],
        )

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{escape(i.name)}</td><td>{escape(i.type)}</td>"
            f"<td>{'yes' if i.required else 'no (unused by the model)'}</td>"
            f"<td>{'yes' if i.nullable else 'no'}</td>"
            f"<td>{'' if i.min is None else f'{i.min:.6g}'} – "
            f"{'' if i.max is None else f'{i.max:.6g}'}</td>"
            f"<td>{escape(', '.join(map(str, i.categories or [])))}</td></tr>"
            for i in self.inputs
        )
        outs = ", ".join(escape(o["name"]) for o in self.outputs)
        carried = (
            f"<div>edits carried from {escape(self.inherited_from)}</div>"
            if self.inherited_from
            else ""
        ) + "".join(f"<div>not carried: {escape(n)}</div>" for n in self.not_carried)
        return (
            f"<div class='mmds-contract'><b>Score contract of {escape(self.version_ref or '')}"
            f"</b> (out-of-domain policy: {escape(self.policy)}; extra columns: "
            f"{'refused' if self.strict else 'ignored'})<table class='mmds-table'>"
            "<tr><th>input</th><th>type</th><th>required</th><th>nullable</th><th>range</th>"
            f"<th>categories</th></tr>{rows}</table><div>outputs: {outs}</div>{carried}</div>"
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
        kind = kind_of(col.dtype) if col is not None else kind_from_name(f.get("dtype", ""))
        spec = InputSpec(
            name=name,
            type=kind,
            nullable=bool(col.isna().any()) if col is not None else False,
            required=bool(f.get("used", True)),
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


def kind_from_name(dtype: str) -> str:
    try:
        return kind_of(np.dtype(dtype))
    except TypeError:
        return "string"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise InvalidInput(
            f"Contract policy {policy!r} is not one of {', '.join(POLICIES)}: 'flag' scores "
            "out-of-domain rows and names them in mmds_flags, 'reject' refuses the batch."
        )
    return policy


def from_dict(data: dict[str, Any], version_ref: str | None = None) -> Contract:
    """Build a contract from its stored or user-edited form, checking every field."""
    policy = check_policy(data.get("policy") or DEFAULT_POLICY)
    strict = data.get("strict", False)
    if not isinstance(strict, bool):
        raise InvalidInput(f"Contract 'strict' must be true or false, not {strict!r}.")
    inputs = []
    for raw in data.get("inputs", []):
        if not isinstance(raw, dict):
            raise InvalidInput(f"A contract input must be a mapping of fields, not {raw!r}.")
        unknown = set(raw) - set(INPUT_FIELDS)
        if unknown:
            raise InvalidInput(
                f"Contract input {raw.get('name')!r} has unknown field(s) "
                f"{', '.join(sorted(unknown))}; its fields are {', '.join(INPUT_FIELDS)}."
            )
        if raw.get("type") not in KINDS:
            raise InvalidInput(
                f"Contract input {raw.get('name')!r} has type {raw.get('type')!r}; "
                f"use one of {', '.join(KINDS)}."
            )
        inputs.append(InputSpec(**raw))
    return Contract(
        inputs=inputs,
        outputs=list(data.get("outputs", [])),
        policy=policy,
        version_ref=version_ref,
        strict=strict,
        edits=dict(data.get("edits") or {}),
        inherited_from=data.get("inherited_from"),
        not_carried=list(data.get("not_carried") or []),
    )


# -- people's edits, carried from one version of a model to the next ----------------------------


class ContractEditsNotCarried(UserWarning):
    """Some contract edits of the previous version did not fit the new version's inputs."""


def inheritor(new: Contract) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    """What the store calls with the previous version's stored contract: ``new`` with its
    edits carried (see ``inherit``), as a dict to store."""

    def carry(stored: dict[str, Any], source_ref: str) -> dict[str, Any]:
        fresh = from_dict(new.to_dict(), new.version_ref)
        return inherit(from_dict(stored, source_ref), fresh).to_dict()

    return carry


_EDITABLE = ("required", "nullable", "min", "max")


def record_edits(before: Contract, after: Contract) -> dict[str, Any]:
    """``after.edits``: the edits already made plus those that turn ``before`` into ``after``.

    Category edits are kept as what was added and removed, so that a next version trained on
    new data keeps its own categories and gets the same additions and removals."""
    edits: dict[str, Any] = {
        **before.edits,
        "inputs": {k: dict(v) for k, v in before.edits.get("inputs", {}).items()},
        "removed": list(before.edits.get("removed", [])),
    }
    if after.policy != before.policy:
        edits["policy"] = after.policy
    if after.strict != before.strict:
        edits["strict"] = after.strict
    for spec in after.inputs:
        old = before.input(spec.name)
        if old is None:  # put back: no longer removed
            edits["removed"] = [n for n in edits["removed"] if n != spec.name]
            continue
        changed = edits["inputs"].setdefault(spec.name, {})
        for name in _EDITABLE:
            if getattr(spec, name) != getattr(old, name):
                changed[name] = getattr(spec, name)
        if spec.categories != old.categories:
            changed["categories"] = _category_edit(
                old.categories, spec.categories, changed.get("categories")
            )
        if not changed:
            del edits["inputs"][spec.name]
    names = {i.name for i in after.inputs}
    for spec in before.inputs:
        if spec.name not in names:
            edits["inputs"].pop(spec.name, None)
            if spec.name not in edits["removed"]:
                edits["removed"].append(spec.name)
    return {k: v for k, v in edits.items() if v not in ({}, [])}


def _category_edit(old: list[Any] | None, new: list[Any] | None, prior: Any) -> Any:
    if old is None or new is None or not isinstance(prior, (dict, type(None))):
        return new
    added = [c for c in new if c not in old]
    removed = [c for c in old if c not in new]
    if isinstance(prior, dict):
        added = [c for c in prior.get("added", []) if c not in removed] + [
            c for c in added if c not in prior.get("added", [])
        ]
        removed = [c for c in prior.get("removed", []) if c not in added] + [
            c for c in removed if c not in prior.get("removed", [])
        ]
    return {"added": added, "removed": removed}


def inherit(source: Contract, new: Contract) -> Contract:
    """``new`` (derived for a new version) with the edits of ``source`` (an earlier version of
    the model) applied where the inputs still match; the others are named in ``not_carried``."""
    edits = source.edits
    carried: dict[str, Any] = {"inputs": {}, "removed": []}
    not_carried: list[str] = []
    for key in ("policy", "strict"):
        if key in edits:
            setattr(new, key, edits[key])
            carried[key] = edits[key]
    for name, changes in edits.get("inputs", {}).items():
        target, before = new.input(name), source.input(name)
        why = None
        if target is None:
            why = "it is not an input of this version"
        elif before is not None and before.type != target.type:
            why = f"its type changed from {before.type} to {target.type}"
        elif isinstance(changes.get("categories"), dict) and target.categories is None:
            why = "this version has no list of categories (too many were seen)"
        if why is not None:
            not_carried.append(f"{name}: {', '.join(sorted(changes))} ({why})")
            continue
        assert target is not None
        for field_name, value in changes.items():
            if field_name == "categories" and isinstance(value, dict):
                kept = [c for c in target.categories or [] if c not in value["removed"]]
                value = kept + [c for c in value["added"] if c not in kept]
            setattr(target, field_name, value)
        carried["inputs"][name] = changes
    for name in edits.get("removed", []):
        target = new.input(name)
        if target is not None and target.required:
            not_carried.append(f"{name}: removed (this version uses it)")
            continue
        new.inputs = [i for i in new.inputs if i.name != name]
        carried["removed"].append(name)
    new.edits = {k: v for k, v in carried.items() if v not in ({}, [])}
    new.inherited_from = source.version_ref
    new.not_carried = not_carried
    return new
