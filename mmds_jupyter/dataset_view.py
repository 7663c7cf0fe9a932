"""A data set's page: what it holds and which versions were trained or tested on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .encode import plain

if TYPE_CHECKING:
    from .entities import Dataset
    from .registry import Registry

# The page's lists, by the role find(dataset_role=...) names.
ROLES = {"trained_on": "train", "tested_on": "test"}


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
        "created_at": plain(d.created_at),
    }
    for key, role in ROLES.items():
        query = registry.query(dataset_role=role, include_archived=True)
        query.dataset_ids = (d.id,)  # the data set found, not its hash looked up again
        rows, _ = registry.search(query)
        out[key] = [
            {k: plain(row[k]) for k in ("ref", "project", "stage", "created_at")} for row in rows
        ]
    return out
