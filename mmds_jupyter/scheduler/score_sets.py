"""The score sets a run wrote, as a run's detail shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..registry import Registry


def score_sets_of_run(registry: Registry, run_id: int) -> list[dict[str, Any]]:
    """Score sets recorded with this run id (the kernel's ``MMDS_RUN_ID``), oldest first."""
    return [
        {
            "id": row["id"],
            "version": row["ref"],
            "mode": row["mode"],
            "n_rows": row["n_rows"],
            "n_flagged": row["n_flagged"],
            "created_at": row["created_at"],
            "actor": row["actor"],
        }
        for row in registry.run_score_sets(run_id)
    ]
