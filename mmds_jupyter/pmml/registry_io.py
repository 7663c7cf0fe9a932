"""PMML in and out of the registry: export a version's model, import a file as a version."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..capture import datasets, metrics, provenance
from ..errors import InvalidInput
from ..refs import check_name, check_tags, check_text
from ..scoring.contract import DEFAULT_POLICY, from_dict, inheritor
from ..store.artifacts import atomic_write
from ..store.base import NewVersion
from .adapter import PANDAS_DTYPES, PMMLModel
from .errors import PMMLExportError
from .export import to_pmml
from .loader import read_pmml_bytes

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry


def export_pmml(
    reg: Registry, ref: str | Version, path: str | os.PathLike[str] | None = None
) -> bytes:
    """PMML 4.4 of a version's model, written atomically to ``path`` and recorded with it."""
    version = reg.get(ref)
    if version.framework == "pmml":
        assert version.artifact_sha256
        data = reg.artifacts.get(version.artifact_sha256)
    else:
        model = reg.load(version)
        contract = reg.contract(version)
        categories = {
            i.name: i.categories
            for i in contract.inputs
            if i.categories is not None and i.type == "string"
        }
        try:
            data = to_pmml(
                model,
                feature_names=[f.name for f in version.features],
                # Tracked without data, dtypes are unknown: estimators take numbers.
                feature_dtypes={
                    f.name: "float64" if f.dtype == "unknown" else f.dtype for f in version.features
                },
                categories=categories or None,
            )
        except PMMLExportError as exc:
            raise InvalidInput(f"{version.ref} cannot be exported to PMML: {exc}") from exc
    sha = reg.artifacts.put(data)
    if path is not None:
        atomic_write(Path(path), data)
    reg.store.versions.add_version_file(
        version.id, "pmml", sha, reg.actor, {"path": str(path) if path is not None else None}
    )
    return data


def _contract(info: dict[str, Any], outputs: list[dict[str, Any]]) -> dict[str, Any]:
    kinds = {
        "double": "float",
        "float": "float",
        "integer": "integer",
        "boolean": "boolean",
        "string": "string",
        "date": "datetime",
        "dateTime": "datetime",
    }
    inputs = []
    for i in info["inputs"]:
        spec: dict[str, Any] = {
            "name": i["name"],
            "type": kinds.get(i["dataType"], "string"),
            "nullable": bool(i["missing_allowed"]),
            "min": None,
            "max": None,
            "categories": None,
        }
        if i["values"] and spec["type"] in ("string", "boolean"):
            spec["categories"] = list(i["values"])
        if i["intervals"]:
            lows = [lo for lo, _ in i["intervals"] if lo is not None]
            highs = [hi for _, hi in i["intervals"] if hi is not None]
            spec["min"] = min(lows) if lows else None
            spec["max"] = max(highs) if highs else None
        inputs.append(spec)
    return {"inputs": inputs, "outputs": outputs, "policy": DEFAULT_POLICY}


def import_pmml(
    reg: Registry,
    source: str | os.PathLike[str] | bytes,
    name: str,
    project: str = "default",
    *,
    X_test: Any = None,
    y_test: Any = None,
    slices: list[str] | None = None,
    tags: dict[str, str] | None = None,
    description: str | None = None,
) -> Version:
    """Register a PMML file from any producer as a version with framework ``pmml``."""
    check_name("Model", name)
    check_name("Project", project)
    tags = check_tags(tags)
    check_text("The description", description)
    if isinstance(source, bytes):
        raw = source
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise InvalidInput(f"The PMML file {path} does not exist.")
        raw = read_pmml_bytes(path)
    model = PMMLModel(raw)  # parses safely and refuses malformed files with a clear error
    info = model.info
    task = model.task
    features = [
        {
            "name": i["name"],
            "dtype": PANDAS_DTYPES.get(i["dataType"], "object"),
            "used": True,
            "importance": None,
        }
        for i in info["inputs"]
    ]
    if task == "regression":
        outputs: list[dict[str, Any]] = [
            {"name": "prediction", "kind": "value", "dtype": "float64"}
        ]
    else:
        assert model.classes_ is not None
        classes = [c.item() if hasattr(c, "item") else c for c in model.classes_]
        outputs = [{"name": "prediction", "kind": "label", "dtype": "object", "values": classes}]
        outputs += [
            {"name": f"probability({c})", "kind": "probability", "dtype": "float64", "class": c}
            for c in classes
        ]
    metric_rows: list[dict[str, Any]] = []
    spec_datasets: list[tuple[str, dict[str, Any], str | None]] = []
    if X_test is not None and y_test is not None:
        if not isinstance(X_test, pd.DataFrame):
            raise InvalidInput(
                "Give the PMML model's test features as a DataFrame with its input names."
            )
        missing = [f["name"] for f in features if f["name"] not in X_test.columns]
        if missing:
            raise InvalidInput(
                f"The test set lacks the PMML model's input(s) {', '.join(missing)}."
            )
        slice_cols = {c: X_test[c] for c in slices or []}
        metric_rows = metrics.evaluate(
            model, task, X_test[[f["name"] for f in features]], y_test, slice_cols, name
        )
        spec_datasets.append(
            ("evaluated_on", datasets.fingerprint(datasets.as_frame(X_test, y_test)), "test")
        )
    prov = provenance.provenance(reg.actor, notebook=None)
    sha = reg.artifacts.put(raw)
    params = {
        **info["params"],
        "model_type": info["model_type"],
        "function_name": info["function_name"],
        "pmml_version": info["pmml_version"],
        "producer": " ".join(str(p) for p in info["producer"].values() if p) or None,
    }
    spec = NewVersion(
        project=project,
        name=name,
        framework="pmml",
        estimator_class=f"pmml.{info['model_type']}",
        task=task,
        author=reg.actor,
        params=params,
        steps={"name": "model", "class": f"pmml.{info['model_type']}"},
        features=features,
        outputs=outputs,
        metrics=metric_rows,
        provenance=prov,
        environment=provenance.environment(),
        artifact_sha256=sha,
        artifact_format="pmml",
        notebook_path=prov["notebook"],
        tags=tags,
        description=description,
        datasets=spec_datasets,
        contract=_contract(info, outputs),
        inherit_contract=inheritor(from_dict(_contract(info, outputs))),
    )
    version = reg.store.versions.create_version(spec)
    version._registry = reg
    reg._warn_not_carried(version)
    return version
