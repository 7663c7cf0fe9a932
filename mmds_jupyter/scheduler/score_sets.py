"""The score sets a run wrote: the one place the scheduler reads the scoring tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..store.db import Database
from ..store.events import utc
from ..store.tables import ModelRow, ProjectRow, ScoreSetRow, VersionRow


def score_sets_of_run(db: Database, run_id: int) -> list[dict[str, Any]]:
    """Score sets recorded with this run id (the kernel's ``MMDS_RUN_ID``), oldest first."""
    with db.session() as s:
        rows = s.execute(
            select(ScoreSetRow, ProjectRow.name, ModelRow.name, VersionRow.number)
            .join(VersionRow, ScoreSetRow.version_id == VersionRow.id)
            .join(ModelRow, VersionRow.model_id == ModelRow.id)
            .join(ProjectRow, ModelRow.project_id == ProjectRow.id)
            .where(ScoreSetRow.run_id == run_id)
            .order_by(ScoreSetRow.id)
        ).all()
        return [
            {
                "id": row.id,
                "version": f"{project}/{model}:{number}",
                "mode": row.mode,
                "n_rows": row.n_rows,
                "n_flagged": row.n_flagged,
                "created_at": utc(row.created_at),
                "actor": row.actor,
            }
            for row, project, model, number in rows
        ]
