"""A version as an MLflow model directory: the scikit-learn flavour and pyfunc (written by
MLflow's own ``save_model``, skops-serialised), the signature from the score contract and the
requirements from the environment captured with the version."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..capture import serialize
from ..errors import InvalidInput
from .model_dir import ModelDir

# contract types → MLflow column types
_TYPES = {
    "float": "double",
    "integer": "long",
    "boolean": "boolean",
    "string": "string",
    "datetime": "datetime",
}
# Captured library versions that a scikit-learn model needs to be loaded and run.
_RUNTIME = ("scikit-learn", "numpy", "scipy", "pandas", "skops")


def export_mlflow(registry: Any, ref: Any, path: Any, trusted: bool = False) -> Path:
    """Write ``ref`` as an MLflow model directory at ``path`` (which must not exist yet)."""
    target = Path(os.fspath(path))
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput(
            f"{target} exists and is not an empty folder; MLflow writes a model into a new "
            "folder: give a path that does not exist yet."
        )
    version = registry.get(ref)
    data, fmt = registry.model_file(version)
    if fmt == "mlflow":  # imported from MLflow and kept as it was: its own directory
        _write_files(target, ModelDir.from_zip(data).files)
        return target
    if fmt not in ("skops", "pickle"):
        raise InvalidInput(
            f"{version.ref} is a {version.framework} model ({fmt} file); export mlflow writes "
            f"scikit-learn versions. Export it with mmds.export_pmml('{version.ref}', ...)."
        )
    import mlflow.sklearn

    model = registry.load(version, trusted=trusted)
    skops_types = []
    if fmt == "skops":
        import skops.io as sio

        allowed = serialize.allowed_types()
        skops_types = [t for t in sio.get_untrusted_types(data=data) if trusted or t in allowed]
    if target.exists():
        target.rmdir()  # MLflow makes the folder itself
    mlflow.sklearn.save_model(
        model,
        os.fspath(target),
        serialization_format="skops",
        skops_trusted_types=skops_types or None,
        signature=_signature(registry.contract(version)),
        pip_requirements=_requirements(version.environment),
        metadata={"mmds_ref": version.ref, "mmds_artifact_sha256": version.artifact_sha256},
    )
    return target


def _signature(contract: Any) -> Any:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    inputs = Schema([ColSpec(_TYPES[i.type], i.name, required=i.required) for i in contract.inputs])
    outputs = None
    prediction = next((o for o in contract.outputs if o.get("name") == "prediction"), None)
    if prediction is not None:
        dtype = str(prediction.get("dtype", ""))
        kind = (
            "long"
            if dtype.startswith("int")
            else "boolean"
            if dtype == "bool"
            else "double"
            if dtype.startswith("float")
            else "string"
        )
        outputs = Schema([ColSpec(kind)])
    return ModelSignature(inputs=inputs, outputs=outputs)


def _requirements(environment: dict[str, Any]) -> list[str]:
    """Pinned requirements: those an imported version came with, else the library versions
    captured when the version was tracked."""
    if environment.get("requirements"):
        pinned = list(environment["requirements"])
    else:
        libs = environment.get("libraries") or {}
        pinned = [f"{lib}=={libs[lib]}" for lib in _RUNTIME if libs.get(lib)]
    # The exported file is skops, whatever the version came with.
    if not any(p.split("=")[0].split("<")[0].split(">")[0].strip() == "skops" for p in pinned):
        pinned.append("skops")
    return pinned


def _write_files(target: Path, files: dict[str, bytes]) -> None:
    root = target.resolve()
    for name, content in files.items():
        path = target / name
        if not path.resolve().is_relative_to(root):
            raise InvalidInput(f"The stored MLflow model holds a file outside its folder: {name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
