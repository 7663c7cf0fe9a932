"""What scoring must satisfy: score contracts, and scoring tests with their results."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..refs import Ref
from .db import Database
from .events import append_event
from .rows import find_version_id, refs_of, row_dict, utc_now
from .tables import ContractRow, ScoringTestResultRow, ScoringTestRow, VersionRow


class SqlScoringStore:
    """Contracts and scoring tests in SQL; every method is one transaction."""

    def __init__(self, db: Database):
        self.db = db

    # -- contracts -------------------------------------------------------------------------------

    def contract(self, version_id: int) -> dict[str, Any] | None:
        with self.db.session() as s:
            row = s.get(ContractRow, version_id)
            return None if row is None else row.to_dict()

    def put_contract(self, version_id: int, ref: str, contract: dict[str, Any], actor: str) -> None:
        with self.db.session(write=True) as s:
            row = s.get(ContractRow, version_id)
            before = None
            if row is None:
                row = ContractRow(version_id=version_id)
                s.add(row)
            else:
                before = row.to_dict()
            row.fill(contract)
            row.updated_at, row.updated_by = utc_now(), actor
            s.flush()
            append_event(s, actor, "contract.update", "version", ref, before, contract)

    # -- scoring tests ---------------------------------------------------------------------------

    def create_test(
        self,
        ref: Ref,
        whole_model: bool,
        name: str,
        key: str | None,
        inputs_sha256: str,
        expected_sha256: str,
        tolerance: float,
        actor: str,
    ) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            version_id = find_version_id(s, ref)
            model_id = s.execute(
                select(VersionRow.model_id).where(VersionRow.id == version_id)
            ).scalar_one()
            row = ScoringTestRow(
                model_id=model_id,
                version_id=None if whole_model else version_id,
                name=name,
                key=key,
                inputs_sha256=inputs_sha256,
                expected_sha256=expected_sha256,
                tolerance=tolerance,
                created_at=utc_now(),
                actor=actor,
            )
            s.add(row)
            s.flush()
            target = refs_of(s, [version_id])[version_id]
            obj = target.rsplit(":", 1)[0] if whole_model else target
            append_event(
                s,
                actor,
                "scoring_test.create",
                "scoring_test",
                f"{obj}#tests/{name}",
                None,
                {"tolerance": tolerance, "key": key, "applies_to": obj},
            )
            return row_dict(row)

    def tests_for(self, version_id: int) -> list[dict[str, Any]]:
        """Scoring tests that apply to a version: its own and its model's."""
        with self.db.session() as s:
            model_id = s.execute(
                select(VersionRow.model_id).where(VersionRow.id == version_id)
            ).scalar_one()
            rows = s.execute(
                select(ScoringTestRow)
                .where(
                    ScoringTestRow.model_id == model_id,
                    (ScoringTestRow.version_id == version_id) | ScoringTestRow.version_id.is_(None),
                )
                .order_by(ScoringTestRow.id)
            ).scalars()
            return [row_dict(r) for r in rows]

    def record_result(
        self, test: dict[str, Any], version_id: int, ref: str, result: dict[str, Any], actor: str
    ) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            row = ScoringTestResultRow(
                test_id=test["id"], version_id=version_id, ran_at=utc_now(), actor=actor, **result
            )
            s.add(row)
            s.flush()
            append_event(
                s,
                actor,
                "scoring_test.run",
                "version",
                ref,
                None,
                {
                    "test": test["name"],
                    "passed": result["passed"],
                    "mismatched": result["n_mismatched"],
                    "result_id": row.id,
                },
            )
            return {**row_dict(row), "test": test["name"]}

    def results(self, version_id: int, limit: int = 20) -> list[dict[str, Any]]:
        with self.db.session() as s:
            rows = s.execute(
                select(ScoringTestResultRow, ScoringTestRow.name)
                .join(ScoringTestRow, ScoringTestRow.id == ScoringTestResultRow.test_id)
                .where(ScoringTestResultRow.version_id == version_id)
                .order_by(ScoringTestResultRow.id.desc())
                .limit(limit)
            ).all()
            return [{**row_dict(r), "test": name} for r, name in rows]
