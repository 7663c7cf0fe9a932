"""REST capture: ``POST pmml/import`` registers a PMML document sent as JSON, through the same
``Registry.import_pmml`` (and so the same capture pipeline and errors) as Python and the magic."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InvalidInput

if TYPE_CHECKING:
    from ..registry import Registry

# The body's fields: the arguments of mmds.import_pmml, with the document as text.
FIELDS = (
    "pmml",
    "name",
    "project",
    "X_test",
    "y_test",
    "slices",
    "X_train",
    "y_train",
    "parent",
    "tags",
    "description",
)
_SCALAR = (str, int, float, bool, type(None))


def import_pmml(registry: Registry, body: bytes) -> dict[str, Any]:
    """The new version, from ``{"pmml": "<PMML ...>", "name": "credit", "X_test": {...}, ...}``."""
    from .views import version_dict

    data = _object(body)
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InvalidInput(
            f"Unknown field(s) {', '.join(map(repr, unknown))}; a PMML import takes "
            f"{', '.join(FIELDS)}."
        )
    for required in ("pmml", "name"):
        if not isinstance(data.get(required), str):
            raise InvalidInput(
                f'"{required}" is required and must be text, e.g. '
                '{"pmml": "<PMML ...>", "name": "credit"}.'
            )
    project = data.get("project", "default")
    if not isinstance(project, str):
        raise InvalidInput('"project" must be text, e.g. "risk".')
    for key in ("parent", "description"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise InvalidInput(f'"{key}" must be text or null.')
    slices = data.get("slices")
    if slices is not None and not (
        isinstance(slices, list) and all(isinstance(s, str) for s in slices)
    ):
        raise InvalidInput('"slices" must be a list of column names, e.g. ["country"].')
    tags = data.get("tags")
    if tags is not None and not (
        isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values())
    ):
        raise InvalidInput('"tags" must be an object of text values, e.g. {"owner": "alice"}.')
    version = registry.import_pmml(
        data["pmml"].encode("utf-8"),
        data["name"],
        project,
        X_test=_frame(data.get("X_test"), "X_test"),
        y_test=_column(data.get("y_test"), "y_test"),
        slices=slices,
        X_train=_frame(data.get("X_train"), "X_train"),
        y_train=_column(data.get("y_train"), "y_train"),
        parent=data.get("parent"),
        tags=tags,
        description=data.get("description"),
    )
    return version_dict(version)


def _object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"null")
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(
            'The body must be a JSON object such as {"pmml": "<PMML ...>", "name": "credit", '
            '"X_test": {"age": [31, 45]}, "y_test": [0, 1]}.'
        )
    return data


def _frame(value: Any, field: str) -> pd.DataFrame | None:
    """A table given as columns (``{"age": [31, 45]}``) or as records (``[{"age": 31}]``)."""
    if value is None:
        return None
    shape = (
        f'"{field}" is a table: an object of columns such as {{"age": [31, 45]}}, or a list of '
        'records such as [{"age": 31}, {"age": 45}], with plain values (text, numbers, true/'
        "false, null)."
    )
    if isinstance(value, dict):
        columns = list(value.values())
        if not all(isinstance(c, list) and all(isinstance(v, _SCALAR) for v in c) for c in columns):
            raise InvalidInput(shape)
        if len({len(c) for c in columns}) > 1:
            raise InvalidInput(f'The columns of "{field}" must all have the same length.')
        return pd.DataFrame(value)
    if isinstance(value, list) and all(
        isinstance(r, dict) and all(isinstance(v, _SCALAR) for v in r.values()) for r in value
    ):
        return pd.DataFrame.from_records(value)
    raise InvalidInput(shape)


def _column(value: Any, field: str) -> pd.Series | None:
    if value is None:
        return None
    if not (isinstance(value, list) and all(isinstance(v, _SCALAR) for v in value)):
        raise InvalidInput(f'"{field}" must be a list of plain values, e.g. [0, 1, 1].')
    return pd.Series(value)
