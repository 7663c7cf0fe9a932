"""Writing a new version: its number, features, metrics, contract, tags, data sets and event.

One transaction does it all, so a version is either complete or absent.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..entities import NewVersion
from .events import append_event
from .rows import find_version_id, insert_ignore, refs_of, utc_now
from .tables import (
    ContractRow,
    DatasetRow,
    EdgeRow,
    FeatureRow,
    MetricRow,
    ModelRow,
    ProjectRow,
    TagRow,
    VersionFileRow,
    VersionRow,
)


def insert_version(s: Session, spec: NewVersion) -> int:
    """Insert a version with the next number of its model, its datasets, edges and event;
    returns its id."""
    return insert_versions(s, [spec])[0]


def insert_versions(s: Session, specs: list[NewVersion]) -> list[int]:
    """Insert versions in order inside the caller's transaction (each with the next number
    of its model, its datasets, edges and event, as one version alone); returns their ids.
    A batch pays one transaction and looks each project up once."""
    projects: dict[str, int] = {}
    return [_insert(s, spec, projects) for spec in specs]


def _insert(s: Session, spec: NewVersion, projects: dict[str, int]) -> int:
    now = utc_now()
    project_id = projects.get(spec.project)
    if project_id is None:
        insert_ignore(s, ProjectRow, {"name": spec.project, "created_at": now}, ["name"])
        project_id = projects[spec.project] = s.execute(
            select(ProjectRow.id).where(ProjectRow.name == spec.project)
        ).scalar_one()
    insert_ignore(
        s,
        ModelRow,
        {"project_id": project_id, "name": spec.name, "last_version": 0, "created_at": now},
        ["project_id", "name"],
    )
    # The row lock taken by this UPDATE serialises concurrent trackers of one model;
    # the unique (model_id, number) constraint backs it up.
    model_id, number = s.execute(
        update(ModelRow)
        .where(ModelRow.project_id == project_id, ModelRow.name == spec.name)
        .values(last_version=ModelRow.last_version + 1)
        .returning(ModelRow.id, ModelRow.last_version)
    ).one()
    parent_id = None
    if spec.parent is not None:
        parent_id = find_version_id(s, spec.parent)
    elif spec.notebook_path:
        parent_id = s.execute(
            select(VersionRow.id)
            .where(
                VersionRow.model_id == model_id,
                VersionRow.notebook_path == spec.notebook_path,
            )
            .order_by(VersionRow.number.desc())
            .limit(1)
        ).scalar()
    overall = {
        m["name"]: m["value"]
        for m in spec.metrics
        if m.get("slice") is None and m.get("dataset", "test") == "test"
    }
    row = VersionRow(
        model_id=model_id,
        number=number,
        stage=spec.stage,
        framework=spec.framework,
        estimator_class=spec.estimator_class,
        task=spec.task,
        author=spec.author,
        created_at=now,
        artifact_sha256=spec.artifact_sha256,
        artifact_format=spec.artifact_format,
        parent_id=parent_id,
        notebook_path=spec.notebook_path,
        description=spec.description,
        params=spec.params,
        steps=spec.steps,
        outputs=spec.outputs,
        provenance=spec.provenance,
        environment=spec.environment,
        summary=overall,
    )
    s.add(row)
    s.flush()
    vid = row.id
    s.add_all(
        FeatureRow(
            version_id=vid,
            position=i,
            name=f["name"],
            dtype=f["dtype"],
            used=bool(f.get("used", True)),
            importance=f.get("importance"),
        )
        for i, f in enumerate(spec.features)
    )
    s.add_all(
        MetricRow(
            version_id=vid,
            name=m["name"],
            slice=m.get("slice") or "",
            dataset=m.get("dataset", "test"),
            value=m["value"],
        )
        for m in spec.metrics
    )
    if spec.contract is not None:
        contract, source = spec.contract, None
        if spec.inherit_contract is not None:
            source = contract_source(s, model_id, number, parent_id)
        if spec.inherit_contract is not None and source is not None:
            contract = spec.inherit_contract(
                source.to_dict(), refs_of(s, [source.version_id])[source.version_id]
            )
        contract_row = ContractRow(version_id=vid, updated_at=now, updated_by=spec.author)
        contract_row.fill(contract)
        s.add(contract_row)
    s.add_all(TagRow(version_id=vid, key=k, value=str(v)) for k, v in spec.tags.items())
    s.add_all(
        VersionFileRow(
            version_id=vid, kind=kind, artifact_sha256=sha, created_at=now, actor=spec.author
        )
        for kind, sha in spec.files
    )
    for relation, fp, ds_name in spec.datasets:
        insert_ignore(s, DatasetRow, {**fp, "name": ds_name, "created_at": now}, ["content_hash"])
        ds_id = s.execute(
            select(DatasetRow.id).where(DatasetRow.content_hash == fp["content_hash"])
        ).scalar_one()
        insert_ignore(
            s,
            EdgeRow,
            {
                "src_kind": "dataset",
                "src_id": ds_id,
                "relation": relation,
                "dst_kind": "version",
                "dst_id": vid,
            },
            ["src_kind", "src_id", "relation", "dst_kind", "dst_id"],
        )
    if parent_id is not None:
        s.add(
            EdgeRow(
                src_kind="version",
                src_id=parent_id,
                relation="derived_from",
                dst_kind="version",
                dst_id=vid,
            )
        )
    ref = f"{spec.project}/{spec.name}:{number}"
    append_event(
        s,
        spec.actor or spec.author,
        "version.create",
        "version",
        ref,
        None,
        {
            "estimator": spec.estimator_class,
            "stage": spec.stage,
            "artifact_sha256": spec.artifact_sha256,
            "metrics": overall,
            "parent": refs_of(s, [parent_id]).get(parent_id) if parent_id else None,
            **({"origin": spec.provenance["origin"]} if "origin" in spec.provenance else {}),
        },
    )
    s.flush()
    return vid


def contract_source(
    s: Session, model_id: int, number: int, parent_id: int | None
) -> ContractRow | None:
    """The contract a new version inherits edits from: its parent's when the parent is a
    version of the same model, else that of the model's latest earlier version."""
    query = select(VersionRow.id).where(VersionRow.model_id == model_id, VersionRow.number < number)
    if parent_id is not None:
        query = query.where(VersionRow.id == parent_id)
    source_id = s.execute(query.order_by(VersionRow.number.desc()).limit(1)).scalar()
    if source_id is None and parent_id is not None:  # a parent from another model
        return contract_source(s, model_id, number, None)
    return None if source_id is None else s.get(ContractRow, source_id)
