"""SQLAlchemy tables of the registry. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ProjectRow(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ModelRow(Base):
    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_models_project_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # Bumped with an UPDATE ... RETURNING inside the transaction that inserts the version.
    last_version: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("model_id", "number", name="uq_versions_model_number"),
        Index("ix_versions_created", "created_at"),
        Index("ix_versions_model_notebook", "model_id", "notebook_path"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    number: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(40), index=True)
    framework: Mapped[str] = mapped_column(String(40))
    estimator_class: Mapped[str] = mapped_column(String(200), index=True)
    task: Mapped[str | None] = mapped_column(String(40))
    author: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    artifact_sha256: Mapped[str | None] = mapped_column(String(64))
    artifact_format: Mapped[str | None] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    notebook_path: Mapped[str | None] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    steps: Mapped[dict[str, Any]] = mapped_column(JSON)
    outputs: Mapped[list[Any]] = mapped_column(JSON)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON)
    environment: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Overall test metrics, denormalised so that listing versions needs no join.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class FeatureRow(Base):
    __tablename__ = "features"
    __table_args__ = (Index("ix_features_name", "name", "used", "version_id"),)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    dtype: Mapped[str] = mapped_column(String(100))
    used: Mapped[bool] = mapped_column(Boolean)
    importance: Mapped[float | None] = mapped_column(Float)


class MetricRow(Base):
    __tablename__ = "metrics"
    __table_args__ = (
        Index("ix_metrics_lookup", "name", "slice", "dataset", "value", "version_id"),
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    # '' is the whole test set; 'country=US' a slice. Not NULL so it can sit in the key.
    slice: Mapped[str] = mapped_column(String(300), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)


class TagRow(Base):
    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_key_value", "key", "value", "version_id"),)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(String(1000))


class DatasetRow(Base):
    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(300))
    n_rows: Mapped[int] = mapped_column(Integer)
    n_cols: Mapped[int] = mapped_column(Integer)
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EdgeRow(Base):
    __tablename__ = "lineage_edges"
    __table_args__ = (
        UniqueConstraint("src_kind", "src_id", "relation", "dst_kind", "dst_id", name="uq_edges"),
        Index("ix_edges_dst", "dst_kind", "dst_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    src_kind: Mapped[str] = mapped_column(String(40))
    src_id: Mapped[int] = mapped_column(Integer)
    relation: Mapped[str] = mapped_column(String(40))
    dst_kind: Mapped[str] = mapped_column(String(40))
    dst_id: Mapped[int] = mapped_column(Integer)


class AliasRow(Base):
    __tablename__ = "aliases"
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), primary_key=True)
    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)


class EventRow(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_kind: Mapped[str] = mapped_column(String(40))
    object_ref: Mapped[str] = mapped_column(String(500), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Unique: two writers that read the same chain head cannot both append after it.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ContractRow(Base):
    __tablename__ = "contracts"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    inputs: Mapped[list[Any]] = mapped_column(JSON)
    outputs: Mapped[list[Any]] = mapped_column(JSON)
    # What scoring does with out-of-domain values: "reject" the batch, or "flag" the rows.
    policy: Mapped[str] = mapped_column(String(20))
    # Whether columns the contract does not name are refused (else ignored and listed).
    strict: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # People's edits, the version they were inherited from and those that could not be carried.
    edits: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200))

    def to_dict(self) -> dict[str, Any]:
        """The stored contract as the dict that scoring.contract.from_dict reads."""
        edits = dict(self.edits or {})
        return {
            "inputs": self.inputs,
            "outputs": self.outputs,
            "policy": self.policy,
            "strict": bool(self.strict),
            "edits": edits.get("made") or {},
            "inherited_from": edits.get("inherited_from"),
            "not_carried": edits.get("not_carried") or [],
        }

    def fill(self, contract: dict[str, Any]) -> None:
        """Set every stored field from a contract dict (as Contract.to_dict gives it)."""
        self.inputs, self.outputs = contract["inputs"], contract["outputs"]
        self.policy, self.strict = contract["policy"], bool(contract.get("strict", False))
        self.edits = {
            "made": contract.get("edits") or {},
            "inherited_from": contract.get("inherited_from"),
            "not_carried": contract.get("not_carried") or [],
        }


class ScoreSetRow(Base):
    __tablename__ = "score_sets"
    # The duplicate check: has this version stored a score set of this input before?
    __table_args__ = (Index("ix_score_sets_version_input", "version_id", "input_dataset_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    # The scheduler run that produced it, if any (a RunRow; no foreign key).
    run_id: Mapped[int | None] = mapped_column(Integer, index=True)
    mode: Mapped[str] = mapped_column(String(20))
    key: Mapped[str | None] = mapped_column(String(300))
    n_rows: Mapped[int] = mapped_column(Integer)
    n_flagged: Mapped[int] = mapped_column(Integer)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    input_dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"))
    output_stats: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    # The later score set of the same input that took its place (replace=True, or a retry of
    # the same run); a replaced set stays for the audit but no longer counts.
    replaced_by: Mapped[int | None] = mapped_column(Integer)
    # The score set's drift against its version's baseline (migration 0014): a JSON artifact
    # of its counts in the baseline's bins, a sample, and the report computed from them.
    drift_sha256: Mapped[str | None] = mapped_column(String(64))


class ActualsRow(Base):
    __tablename__ = "actuals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    key: Mapped[str] = mapped_column(String(300))
    target: Mapped[str] = mapped_column(String(300))
    n_rows: Mapped[int] = mapped_column(Integer)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))


class ScoringTestRow(Base):
    __tablename__ = "scoring_tests"
    __table_args__ = (UniqueConstraint("model_id", "name", name="uq_scoring_tests_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    # Set when the test belongs to one version; NULL means it applies to every version.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str | None] = mapped_column(String(300))
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    expected_sha256: Mapped[str] = mapped_column(String(64))
    tolerance: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))


class ScoringTestResultRow(Base):
    __tablename__ = "scoring_test_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("scoring_tests.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    n_rows: Mapped[int] = mapped_column(Integer)
    n_mismatched: Mapped[int] = mapped_column(Integer)
    max_abs_diff: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    duration_s: Mapped[float] = mapped_column(Float)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))


class VersionFileRow(Base):
    __tablename__ = "version_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))


# -- the scheduler's jobs and their runs (schema owned by migration 0003) -------------------


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Absolute path with symlinks resolved at creation; the runner refuses it if that changes.
    notebook: Mapped[str] = mapped_column(String(2000))
    # A cron expression (5 fields, or 6 with seconds last) or "every 5s"; NULL runs only on demand.
    schedule: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    max_concurrent: Mapped[int] = mapped_column(Integer, default=1)
    timeout_s: Mapped[float | None] = mapped_column(Float)
    max_retries: Mapped[int] = mapped_column(Integer, default=0)
    retry_delay_s: Mapped[float] = mapped_column(Float, default=60.0)
    catchup: Mapped[str] = mapped_column(String(20), default="once")
    keep_outputs: Mapped[int | None] = mapped_column(Integer)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Occurrences at or before this instant have been claimed or deliberately skipped.
    scheduled_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # Migration 0018: the Spark master the notebook runs against (NULL: none given).
    spark_master: Mapped[str | None] = mapped_column(String(2000))
    # Migration 0020: when the job was deleted (NULL: it was not). The row stays so that its
    # past runs keep its name; creating a job of that name again revives it.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (
        # The claim: whichever scheduler inserts this row first owns the occurrence.
        UniqueConstraint("job_id", "scheduled_for", name="uq_runs_job_occurrence"),
        Index("ix_runs_status_not_before", "status", "not_before"),
        Index("ix_runs_job_created", "job_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    trigger: Mapped[str] = mapped_column(String(20))
    # Missed occurrences that this run stands for (catch-up after downtime), 0 normally.
    covers_missed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    owner: Mapped[str | None] = mapped_column(String(200))
    executor: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(200))
    pid: Mapped[int | None] = mapped_column(Integer)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # What was injected into the notebook (model references pinned to a version).
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # {"model_ref": {"requested": "risk/churn@champion", "resolved": "risk/churn:4"}}
    resolved_refs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Parameters given when the run was queued (a retraining's alert); they override the job's.
    given_parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    output_path: Mapped[str | None] = mapped_column(String(2000))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Errors of earlier attempts of this run, oldest first.
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)


# -- team mode: idempotency keys of track (schema owned by migration 0010_track_keys) --------


class TrackKeyRow(Base):
    """The version a track request made, by the Idempotency-Key its client sent."""

    __tablename__ = "track_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    # sha256 (hex) of the request body: the same key with another body is refused.
    request_sha256: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
