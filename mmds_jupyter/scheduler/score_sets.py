"""The score sets a run wrote: the one place the scheduler reads the scoring tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from ..store.db import Database
from ..store.events import utc


def score_sets_of_run(db: Database, run_id: int) -> list[dict[str, Any]]:
    """Score sets recorded with this run id (the kernel's ``MMDS_RUN_ID``), oldest first."""
    with db.session() as s:
        # Plain SQL keeps the scheduler free of the scoring package's internals.
        rows = s.execute(
            text(
                "SELECT id, version_id, mode, n_rows, n_flagged, created_at, actor "
                "FROM score_sets WHERE run_id = :run_id ORDER BY id"
            ),
            {"run_id": run_id},
        ).mappings()
        return [{**row, "created_at": utc(row["created_at"])} for row in rows]
