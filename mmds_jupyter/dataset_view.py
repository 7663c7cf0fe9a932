"""A data set's page: what it holds and which versions were trained or tested on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from .entities import Dataset
    from .registry import Registry

# The page's lists, by the role find(dataset_role=...) names.
ROLES = {"trained_on": "train", "tested_on": "test"}


def _when(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else pd.Timestamp(value).isoformat()


def _versions(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "ref": row["ref"],
            "project": row["project"],
            "stage": row["stage"],
            "created_at": _when(row["created_at"]),
        }
        for row in frame.to_dict("records")
    ]


def dataset_page(registry: Registry, d: Dataset) -> dict[str, Any]:
    """Data set ``d`` as its page shows it, with the versions ``registry`` finds on it."""
    out: dict[str, Any] = {
        "id": d.id,
        "content_hash": d.content_hash,
        "name": d.name,
        "n_rows": d.n_rows,
        "n_cols": d.n_cols,
        "schema": dict(d.schema),
        "stats": dict(d.stats),
        "created_at": _when(d.created_at),
    }
    for key, role in ROLES.items():
        found = registry.find(dataset=d.content_hash, dataset_role=role, include_archived=True)
        out[key] = _versions(found)
    return out
