"""Retrain definitions in SQL: per model, the notebook, its trigger and cool-down, and the
job that runs it (each change an event of the audit log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..refs import Ref
from .db import Database
from .monitors import _model_name, set_model_definition
from .retrain_tables import RetrainRow
from .rows import find_model


class SqlRetrainStore:
    """One retrain definition per model; every method is one transaction."""

    def __init__(self, db: Database):
        self.db = db

    def set_definition(
        self, ref: Ref, definition: dict[str, Any], job_name: str, actor: str
    ) -> str:
        """Store (or replace) the model's retrain definition; returns the model's name."""
        with self.db.session(write=True) as s:
            job = {"job_name": job_name}
            return set_model_definition(s, RetrainRow, ref, definition, job, actor, "retrain.set")

    def definition(self, ref: Ref) -> tuple[str, dict[str, Any] | None, str | None]:
        """The model's project/name, its retrain definition and job (None, None: none)."""
        with self.db.session() as s:
            model_id, project, name = find_model(s, ref)
            row = s.execute(select(RetrainRow).where(RetrainRow.model_id == model_id)).scalar()
            if row is None:
                return f"{project}/{name}", None, None
            return f"{project}/{name}", dict(row.definition), row.job_name

    def definitions(self) -> list[tuple[str, dict[str, Any], str]]:
        """Every model's retrain definition: (project/name, definition, job name)."""
        with self.db.session() as s:
            rows = s.execute(select(RetrainRow).order_by(RetrainRow.id)).scalars().all()
            return [(_model_name(s, r.model_id), dict(r.definition), r.job_name) for r in rows]
