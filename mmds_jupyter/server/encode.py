"""Turn registry values into JSON the browser can read (ISO times, no NaN or infinity)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import pandas as pd


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
