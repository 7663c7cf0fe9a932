"""Entities as plain data, one shape for every front end (``mmds show --json``, REST, widgets).

Times and numpy values stay as they are in ``version_dict``; :func:`plain` and :func:`dumps` turn
any result into strict JSON (ISO times, no NaN or infinity) for HTTP, and the CLI prints it with ISO
times.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .entities import Feature, Metric, Version

if TYPE_CHECKING:
    import pandas as pd


def version_dict(v: Version) -> dict[str, Any]:
    """Every field of a version (the entity's own names) and its reference."""
    data: dict[str, Any] = {"id": v.id, "ref": v.ref}
    for f in fields(v):
        # Underscored fields are the entity's own plumbing, not data.
        if not f.name.startswith("_"):
            data[f.name] = getattr(v, f.name)
    data["features"] = [asdict(f) for f in v.features]
    data["metrics"] = [asdict(m) for m in sorted(v.metrics, key=lambda m: (m.slice or "", m.name))]
    return data


def version_from_dict(data: Mapping[str, Any]) -> Version:
    """The version :func:`version_dict` describes (read back from JSON: times may be ISO text).

    Keys that are not fields of a version (``ref``, and the extras a route adds) are ignored.
    """
    known = {f.name for f in fields(Version)}
    kw = {k: v for k, v in data.items() if k in known}
    kw["features"] = [f if isinstance(f, Feature) else Feature(**f) for f in kw.get("features", [])]
    kw["metrics"] = [m if isinstance(m, Metric) else Metric(**m) for m in kw.get("metrics", [])]
    if isinstance(kw.get("created_at"), str):
        kw["created_at"] = datetime.fromisoformat(kw["created_at"])
    return Version(**kw)


def plain(value: Any) -> Any:
    """A copy of ``value`` made only of JSON types; non-finite floats become None."""
    # Exact types first: a page of search rows is thousands of these (dispatch on the type
    # takes half the time of the chain of isinstance checks below).
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {k if type(k) is str else str(k): plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return plain(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a DataFrame the registry returned, as dicts (missing values None)."""
    frame = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def dumps(value: Any) -> str:
    """Strict JSON (``allow_nan=False``) of ``plain(value)``."""
    return json.dumps(plain(value), allow_nan=False, separators=(",", ":"))
