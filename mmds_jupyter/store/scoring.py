"""SQL side of scoring: contracts, score sets, actuals, scoring tests and their results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..entities import Dataset
from ..errors import DuplicateScoreSet, NotFound
from ..refs import Ref
from .events import append_event, utc
from .sqlstore import SqlStore, _now
from .tables import (
    ActualsRow,
    ContractRow,
    DatasetRow,
    EdgeRow,
    ScoreSetRow,
    ScoringTestResultRow,
    ScoringTestRow,
    VersionRow,
)


def _row_dict(row: Any) -> dict[str, Any]:
    out = {c.key: getattr(row, c.key) for c in row.__table__.columns}
    for k, v in out.items():
        if isinstance(v, datetime):
            out[k] = utc(v)
    return out


class ScoringStore:
    """Reads and writes of the scoring tables, each in one transaction."""

    def __init__(self, sql: SqlStore):
        self.sql = sql
        self.db = sql.db

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
            row.updated_at, row.updated_by = _now(), actor
            s.flush()
            append_event(s, actor, "contract.update", "version", ref, before, contract)

    # -- score sets ------------------------------------------------------------------------------

    def _earlier_of_input(
        self,
        s: Any,
        version_id: int,
        content_hash: str,
        run_id: int | None,
        replace: bool,
        ref: str,
    ) -> list[ScoreSetRow]:
        """The current score sets of this version and input, which a new one replaces.

        Storing the same input twice would count its rows twice in performance, so it is
        refused unless ``replace``; another attempt of the same scheduler run replaces its
        earlier attempt's set without being asked.
        """
        earlier = list(
            s.execute(
                select(ScoreSetRow)
                .join(DatasetRow, DatasetRow.id == ScoreSetRow.input_dataset_id)
                .where(
                    ScoreSetRow.version_id == version_id,
                    DatasetRow.content_hash == content_hash,
                    ScoreSetRow.replaced_by.is_(None),
                )
                .order_by(ScoreSetRow.id)
            ).scalars()
        )
        same_run = run_id is not None and all(e.run_id == run_id for e in earlier)
        if earlier and not (replace or same_run):
            first = earlier[0]
            when = utc(first.created_at).strftime("%Y-%m-%d %H:%M UTC")
            raise DuplicateScoreSet(
                f"{ref} already scored exactly this input ({first.mode} score set {first.id}, "
                f"{when} by {first.actor}); storing it again would count these rows twice in "
                f"mmds.performance. Score new data, or pass replace=True (--replace) to replace "
                f"score set {first.id}."
            )
        return earlier

    def check_new_score_set(
        self, version_id: int, content_hash: str, run_id: int | None, replace: bool, ref: str
    ) -> None:
        """Refuse early (before any file is written) an input this version already stored."""
        with self.db.session() as s:
            self._earlier_of_input(s, version_id, content_hash, run_id, replace, ref)

    def create_score_set(
        self,
        *,
        version_id: int,
        ref: str,
        run_id: int | None,
        mode: str,
        key: str | None,
        n_rows: int,
        n_flagged: int,
        artifact_sha256: str,
        input_fingerprint: dict[str, Any] | None,
        output_stats: dict[str, Any],
        actor: str,
        replace: bool = False,
    ) -> int:
        """Record a stored score set with its lineage and event; returns its id.

        A score set of an input this version already stored is refused, or with ``replace``
        takes the earlier one's place (see ``_earlier_of_input``).
        """
        now = _now()
        with self.db.session(write=True) as s:
            # One writer per version at a time, so two runs of one batch cannot both pass the
            # duplicate check (SQLite's write transactions are serial already).
            s.execute(select(VersionRow.id).where(VersionRow.id == version_id).with_for_update())
            earlier: list[ScoreSetRow] = []
            if input_fingerprint is not None:
                earlier = self._earlier_of_input(
                    s, version_id, input_fingerprint["content_hash"], run_id, replace, ref
                )
            ds_id = None
            if input_fingerprint is not None:
                self.sql._insert_ignore(
                    s,
                    DatasetRow,
                    {**input_fingerprint, "name": "scoring input", "created_at": now},
                    ["content_hash"],
                )
                ds_id = s.execute(
                    select(DatasetRow.id).where(
                        DatasetRow.content_hash == input_fingerprint["content_hash"]
                    )
                ).scalar_one()
            row = ScoreSetRow(
                version_id=version_id,
                run_id=run_id,
                mode=mode,
                key=key,
                n_rows=n_rows,
                n_flagged=n_flagged,
                artifact_sha256=artifact_sha256,
                input_dataset_id=ds_id,
                output_stats=output_stats,
                created_at=now,
                actor=actor,
            )
            s.add(row)
            s.flush()
            for e in earlier:
                e.replaced_by = row.id
            s.add(
                EdgeRow(
                    src_kind="version",
                    src_id=version_id,
                    relation="scored",
                    dst_kind="score_set",
                    dst_id=row.id,
                )
            )
            if ds_id is not None:
                s.add(
                    EdgeRow(
                        src_kind="dataset",
                        src_id=ds_id,
                        relation="input_to",
                        dst_kind="score_set",
                        dst_id=row.id,
                    )
                )
            append_event(
                s,
                actor,
                "scoreset.create",
                "score_set",
                f"{ref}#scores/{row.id}",
                None,
                {
                    "rows": n_rows,
                    "flagged": n_flagged,
                    "run_id": run_id,
                    "artifact_sha256": artifact_sha256,
                    **({"replaces": [e.id for e in earlier]} if earlier else {}),
                },
            )
            return row.id

    def last_production_input(self, version_id: int) -> tuple[dict[str, Any], Dataset] | None:
        """The newest current production score set of a version and its input's fingerprint."""
        with self.db.session() as s:
            row = s.execute(
                select(ScoreSetRow)
                .where(
                    ScoreSetRow.version_id == version_id,
                    ScoreSetRow.mode == "production",
                    ScoreSetRow.replaced_by.is_(None),
                    ScoreSetRow.input_dataset_id.is_not(None),
                )
                .order_by(ScoreSetRow.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            if row is None or row.input_dataset_id is None:
                return None
            found = _row_dict(row), row.input_dataset_id
        return found[0], self.sql.datasets([found[1]])[0]

    def score_sets(
        self,
        version_ids: list[int] | None = None,
        run_id: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        q = select(ScoreSetRow).order_by(ScoreSetRow.id.desc())
        if version_ids is not None:
            q = q.where(ScoreSetRow.version_id.in_(version_ids))
        if run_id is not None:
            q = q.where(ScoreSetRow.run_id == run_id)
        if limit:
            q = q.limit(limit)
        with self.db.session() as s:
            rows = [_row_dict(r) for r in s.execute(q).scalars()]
            refs = self.sql._refs(s, sorted({r["version_id"] for r in rows}))
        for r in rows:
            r["ref"] = refs.get(r["version_id"])
        return rows

    def score_set(self, score_set_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(ScoreSetRow, score_set_id)
            if row is None:
                raise NotFound(
                    f"There is no score set {score_set_id}; mmds.scores(ref) lists "
                    "the score sets of a model."
                )
            out = _row_dict(row)
            out["ref"] = self.sql._refs(s, [row.version_id]).get(row.version_id)
            return out

    # -- actuals ---------------------------------------------------------------------------------

    def add_actuals(
        self,
        ref: Ref,
        key: str,
        target: str,
        n_rows: int,
        artifact_sha256: str,
        actor: str,
        matched: int | None = None,
    ) -> tuple[int, str]:
        """Record an actual set; returns its id and the model's ``project/name``."""
        with self.db.session(write=True) as s:
            model_id, project, name = self.sql._model_ids(s, ref)
            row = ActualsRow(
                model_id=model_id,
                key=key,
                target=target,
                n_rows=n_rows,
                artifact_sha256=artifact_sha256,
                created_at=_now(),
                actor=actor,
            )
            s.add(row)
            s.flush()
            append_event(
                s,
                actor,
                "actuals.add",
                "model",
                f"{project}/{name}",
                None,
                {"rows": n_rows, "matched": matched, "key": key, "target": target, "id": row.id},
            )
            return row.id, f"{project}/{name}"

    def actuals(self, ref: Ref) -> list[dict[str, Any]]:
        with self.db.session() as s:
            model_id, _, _ = self.sql._model_ids(s, ref)
            rows = s.execute(
                select(ActualsRow).where(ActualsRow.model_id == model_id).order_by(ActualsRow.id)
            ).scalars()
            return [_row_dict(r) for r in rows]

    def model_version_ids(self, ref: Ref) -> list[int]:
        with self.db.session() as s:
            model_id, _, _ = self.sql._model_ids(s, ref)
            return list(
                s.execute(select(VersionRow.id).where(VersionRow.model_id == model_id)).scalars()
            )

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
            version_id = self.sql._version_id(s, ref)
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
                created_at=_now(),
                actor=actor,
            )
            s.add(row)
            s.flush()
            target = self.sql._refs(s, [version_id])[version_id]
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
            return _row_dict(row)

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
            return [_row_dict(r) for r in rows]

    def record_result(
        self, test: dict[str, Any], version_id: int, ref: str, result: dict[str, Any], actor: str
    ) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            row = ScoringTestResultRow(
                test_id=test["id"], version_id=version_id, ran_at=_now(), actor=actor, **result
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
            return {**_row_dict(row), "test": test["name"]}

    def results(self, version_id: int, limit: int = 20) -> list[dict[str, Any]]:
        with self.db.session() as s:
            rows = s.execute(
                select(ScoringTestResultRow, ScoringTestRow.name)
                .join(ScoringTestRow, ScoringTestRow.id == ScoringTestResultRow.test_id)
                .where(ScoringTestResultRow.version_id == version_id)
                .order_by(ScoringTestResultRow.id.desc())
                .limit(limit)
            ).all()
            return [{**_row_dict(r), "test": name} for r, name in rows]
