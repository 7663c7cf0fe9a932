"""The score repository: score sets (stored outputs of scoring runs) and actuals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..entities import Dataset
from ..errors import DuplicateScoreSet, NotFound
from ..refs import Ref
from .db import Database
from .events import append_event, utc
from .rows import find_model, insert_ignore, load_datasets, refs_of, row_dict, utc_now
from .tables import ActualsRow, DatasetRow, EdgeRow, ScoreSetRow, VersionRow


class SqlScoreSetStore:
    """Score sets and actuals in SQL; every method is one transaction."""

    def __init__(self, db: Database):
        self.db = db

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
        drift_sha256: str | None = None,
    ) -> int:
        """Record a stored score set with its lineage and event; returns its id.

        A score set of an input this version already stored is refused, or with ``replace``
        takes the earlier one's place (see ``_earlier_of_input``).
        """
        now = utc_now()
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
                insert_ignore(
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
                drift_sha256=drift_sha256,
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
            return row_dict(row), load_datasets(s, [row.input_dataset_id])[0]

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
            rows = [row_dict(r) for r in s.execute(q).scalars()]
            refs = refs_of(s, sorted({r["version_id"] for r in rows}))
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
            out = row_dict(row)
            out["ref"] = refs_of(s, [row.version_id]).get(row.version_id)
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
            model_id, project, name = find_model(s, ref)
            row = ActualsRow(
                model_id=model_id,
                key=key,
                target=target,
                n_rows=n_rows,
                artifact_sha256=artifact_sha256,
                created_at=utc_now(),
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
            model_id, _, _ = find_model(s, ref)
            rows = s.execute(
                select(ActualsRow).where(ActualsRow.model_id == model_id).order_by(ActualsRow.id)
            ).scalars()
            return [row_dict(r) for r in rows]

    def model_version_ids(self, ref: Ref) -> list[int]:
        with self.db.session() as s:
            model_id, _, _ = find_model(s, ref)
            return list(
                s.execute(select(VersionRow.id).where(VersionRow.model_id == model_id)).scalars()
            )
