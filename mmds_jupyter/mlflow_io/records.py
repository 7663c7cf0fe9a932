"""One MLflow run's logged model as an MMDS import record (what ``import_version`` takes).

Parameters, metrics (the last value; the history as a series), tags, times, user, source and
data sets come from the run; what the model is comes from MMDS's own introspection (the
capture pipeline's scikit-learn adapter) when the estimator can be loaded, else from the MLflow
model directory (flavour, signature, files).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..capture.adapters import SklearnAdapter
from ..errors import MMDSError, UntrustedArtifact
from ..refs import MAX_NAME
from .model_dir import (
    FORMAT,
    NOT_LOADABLE,
    ModelDir,
    contract_from_signature,
    features_from_signature,
    load_sklearn,
)
from .source import LoggedModelRef, safe_uri

if TYPE_CHECKING:
    pass

MAX_TAG_VALUE = 1000
# MLflow's own run tags that are provenance, under MMDS's names.
_PROVENANCE_TAGS = {
    "mlflow.user": "user",
    "mlflow.source.name": "notebook",
    "mlflow.source.type": "source_type",
    "mlflow.source.git.commit": "git",
    "mlflow.runName": "run_name",
    "mlflow.databricks.notebookPath": "notebook",
}
_EVAL_CONTEXTS = ("eval", "evaluation", "test", "testing", "validation", "valid")


def origin_of(run_id: str, model_name: str) -> str:
    """The origin key of a run's logged model: the run id, and the model's name in the run."""
    return f"mlflow-run:{run_id}/{model_name}"


def mmds_name(text: str) -> str:
    """An MLflow name as an MMDS name (letters, digits, '_', '.', '-'; at most 150)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", text.strip()).strip("-.")
    return (cleaned or "unnamed")[:MAX_NAME]


@dataclass
class RunContext:
    """What a record needs besides the run and its model."""

    tracking_uri: str
    experiment: str
    project: str
    name: str
    parent: str | None = None
    registered: list[str] = field(default_factory=list)
    history: dict[str, list[list[Any]]] = field(default_factory=dict)
    trust_pickles: bool = False


def build(
    run: Any, model: LoggedModelRef, files: ModelDir | None, ctx: RunContext
) -> tuple[dict[str, Any], bytes | None]:
    """The import record of one logged model of a run, and its model file (or None)."""
    info, data = run.info, run.data
    described, model_file = describe(files, ctx)
    tags, extra_tags = _tags(data.tags)
    tags["mlflow.run_id"] = info.run_id
    if ctx.registered:
        tags["mlflow.registered_model"] = ", ".join(ctx.registered)[:MAX_TAG_VALUE]
    if described.pop("not_loadable", False):
        tags["loadable"] = NOT_LOADABLE
    provenance: dict[str, Any] = {
        mmds: data.tags[tag] for tag, mmds in _PROVENANCE_TAGS.items() if tag in data.tags
    }
    provenance.setdefault("user", info.user_id or None)
    provenance["run_name"] = info.run_name or provenance.get("run_name")
    provenance["time"] = _time(info.start_time)
    provenance.update(
        start_time=_time(info.start_time),
        end_time=_time(info.end_time),
        notebook_from="mlflow" if provenance.get("notebook") else None,
        mlflow={
            "tracking_uri": safe_uri(ctx.tracking_uri),
            "run_id": info.run_id,
            "experiment_id": info.experiment_id,
            "experiment": ctx.experiment,
            "status": info.status,
            "artifact_uri": info.artifact_uri,
            "model_name": model.name,
            "model_id": model.model_id,
            "model_uri": model.uri,
            "parent_run_id": data.tags.get("mlflow.parentRunId"),
            "registered": ctx.registered,
            "metric_history": ctx.history,
            "tags": extra_tags,
            **described.pop("mlflow"),
        },
    )
    if not provenance.get("user"):
        provenance.pop("user")
    params = {k: _param(v) for k, v in sorted(data.params.items())}
    params.update(described.pop("params"))
    record = {
        "origin": origin_of(info.run_id, model.name),
        "name": ctx.name,
        "project": ctx.project,
        "params": params,
        "metrics": [{"name": k, "value": _finite(v)} for k, v in sorted(data.metrics.items())],
        "provenance": provenance,
        "tags": tags,
        "description": data.tags.get("mlflow.note.content") or None,
        "parent": ctx.parent,
        "datasets": _datasets(run),
        **described,
    }
    return record, model_file


def describe(files: ModelDir | None, ctx: RunContext) -> tuple[dict[str, Any], bytes | None]:
    """What the model is and its file: a loadable scikit-learn estimator is described by the
    capture pipeline's adapter and stored as skops; anything else keeps MLflow's files."""
    if files is None:
        return {
            "framework": "unknown",
            "estimator_class": "unknown",
            "params": {},
            "mlflow": {"flavor": None, "files": []},
        }, None
    inputs, outputs = files.signature()
    mlflow_info: dict[str, Any] = {
        "flavor": files.flavor,
        "flavors": sorted(files.flavors),
        "files": files.listing(),
        "mlflow_version": files.mlmodel.get("mlflow_version"),
        "signature": files.mlmodel.get("signature"),
    }
    libraries: dict[str, Any] = {"mlflow": files.mlmodel.get("mlflow_version")}
    environment = {
        "python": files.mlmodel.get("python_version")
        or (files.flavors.get("python_function") or {}).get("python_version"),
        "requirements": files.requirements(),
        "libraries": libraries,
    }
    sig_outputs = [
        {
            "name": str(s.get("name") or "prediction"),
            "kind": "value",
            "dtype": features_from_signature([s])[0]["dtype"],
        }
        for s in outputs or []
    ]
    if files.sklearn is not None:
        libraries["scikit-learn"] = files.sklearn.get("sklearn_version")
        try:
            estimator = load_sklearn(files, trusted=ctx.trust_pickles)
            adapter = SklearnAdapter(estimator, ctx.name)
            model_file, fmt = adapter.serialize()
        except UntrustedArtifact as exc:
            mlflow_info["not_loadable_reason"] = str(exc)
        except MMDSError as exc:  # loaded, but not an estimator MMDS can describe or store
            mlflow_info["not_described_reason"] = str(exc)
        else:
            features = adapter.features(None)
            outs = adapter.outputs()
            contract = None
            if inputs is not None:
                contract = contract_from_signature(inputs, outs)
            if contract is None:
                contract = adapter.contract(features, outs, None).to_dict()
            return {
                "framework": adapter.framework,
                "estimator_class": adapter.estimator_class,
                "task": adapter.task,
                "params": adapter.params(),
                "steps": adapter.steps(),
                "features": features,
                "outputs": outs,
                "contract": contract,
                "environment": environment,
                "artifact_format": fmt,
                "mlflow": mlflow_info,
            }, model_file
    # Not loaded: the files are kept as they are, and loading them needs trust.
    return {
        "framework": files.flavor,
        "estimator_class": "unknown",
        "params": {},
        "features": features_from_signature(inputs) if inputs else [],
        "outputs": sig_outputs,
        "contract": contract_from_signature(inputs, sig_outputs) if inputs else None,
        "environment": environment,
        "artifact_format": FORMAT,
        "not_loadable": True,
        "mlflow": mlflow_info,
    }, files.to_zip()


def _tags(tags: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The run's own tags as MMDS tags; those MMDS tags cannot hold (MLflow's system tags,
    keys with '=', long values) stay in the provenance."""
    mine, kept = {}, {}
    for key, value in sorted(tags.items()):
        if key.startswith("mlflow."):
            if key not in _PROVENANCE_TAGS and key != "mlflow.note.content":
                kept[key] = value
        elif "=" in key or len(key) > MAX_NAME or len(value) > MAX_TAG_VALUE or not key.strip():
            kept[key] = value
        else:
            mine[key] = value
    kept.pop("mlflow.log-model.history", None)
    return mine, kept


def _datasets(run: Any) -> list[dict[str, Any]]:
    """``mlflow.log_input`` data sets as MMDS data sets (named by MLflow's digest: MMDS never
    sees the data, so the hash is of MLflow's identity of it)."""
    out = []
    for di in getattr(run.inputs, "dataset_inputs", None) or []:
        ds = di.dataset
        context = next((t.value for t in di.tags if t.key == "mlflow.data.context"), "")
        identity = "\0".join(["mlflow-dataset", ds.name or "", ds.digest or "", ds.source or ""])
        schema = _columns(ds.schema)
        profile = _json(ds.profile) or {}
        out.append(
            {
                "relation": "evaluated_on" if context.lower() in _EVAL_CONTEXTS else "trained_on",
                "name": ds.name,
                "content_hash": hashlib.sha256(identity.encode("utf-8")).hexdigest(),
                "n_rows": profile.get("num_rows") or 0,
                "n_cols": len(schema),
                "schema": schema,
                "stats": {
                    "mlflow": {
                        "digest": ds.digest,
                        "source_type": ds.source_type,
                        "source": ds.source,
                        "context": context or None,
                        "profile": profile,
                    }
                },
            }
        )
    return out


def _columns(raw: str | None) -> dict[str, str]:
    schema = _json(raw) or {}
    specs = schema.get("mlflow_colspec") if isinstance(schema, dict) else None
    if not isinstance(specs, list):
        return {}
    return {str(s.get("name")): str(s.get("type")) for s in specs if isinstance(s, dict)}


def _json(raw: str | None) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _param(value: str) -> Any:
    """MLflow keeps parameters as text; numbers, booleans and None become themselves."""
    if value in ("True", "False"):
        return value == "True"
    if value == "None":
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    if isinstance(parsed, (int, float)) and not isinstance(parsed, bool):
        return parsed if math.isfinite(parsed) else value
    return value


def _finite(value: float) -> float | None:
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def _time(ms: int | None) -> str | None:
    if not ms:
        return None
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat()
