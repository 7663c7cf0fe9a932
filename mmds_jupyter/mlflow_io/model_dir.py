"""An MLflow model directory (``MLmodel`` and the files it names): read, kept as one zip file,
and loaded back — scikit-learn models through MMDS's own rule for model files.

MLflow's scikit-learn flavour usually stores the estimator as a pickle (or cloudpickle), which
can run any code when loaded. So the estimator is unpickled only with the caller's explicit
trust (``trusted=True``, ``--trust-pickles``), through :func:`mmds_jupyter.capture.serialize.load`;
a skops file loads with MMDS's allow-list of types.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..capture import serialize
from ..errors import InvalidInput, UntrustedArtifact

FORMAT = "mlflow"  # the artifact format of a zipped MLflow model directory
NOT_LOADABLE = "not loadable until trusted"
# MLflow column types → contract types.
_KINDS = {
    "double": "float",
    "float": "float",
    "integer": "integer",
    "long": "integer",
    "boolean": "boolean",
    "string": "string",
    "datetime": "datetime",
}


@dataclass
class ModelDir:
    """What an MLflow model directory says about its model."""

    files: dict[str, bytes]
    mlmodel: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path) -> ModelDir:
        import yaml

        files = {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }
        mlmodel = yaml.safe_load(files["MLmodel"]) if "MLmodel" in files else {}
        return cls(files, mlmodel or {})

    @classmethod
    def from_zip(cls, data: bytes) -> ModelDir:
        import yaml

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            files = {n: zf.read(n) for n in zf.namelist()}
        mlmodel = yaml.safe_load(files["MLmodel"]) if "MLmodel" in files else {}
        return cls(files, mlmodel or {})

    def to_zip(self) -> bytes:
        """The directory as one zip whose bytes depend only on the files (stable hashes)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(self.files):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, self.files[name])
        return buffer.getvalue()

    @property
    def flavors(self) -> dict[str, Any]:
        return dict(self.mlmodel.get("flavors") or {})

    @property
    def flavor(self) -> str:
        """The model's own flavour (``sklearn``, ``xgboost``, ...), not the generic pyfunc."""
        names = [n for n in self.flavors if n != "python_function"]
        return names[0] if names else ("python_function" if self.flavors else "unknown")

    @property
    def sklearn(self) -> dict[str, Any] | None:
        found = self.flavors.get("sklearn")
        return dict(found) if isinstance(found, dict) else None

    def signature(self) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
        """The signature's input and output column specs (None: no column signature)."""
        sig = self.mlmodel.get("signature") or {}

        def columns(raw: Any) -> list[dict[str, Any]] | None:
            if not raw:
                return None
            specs = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(specs, list) or any(s.get("type") == "tensor" for s in specs):
                return None
            return specs

        return columns(sig.get("inputs")), columns(sig.get("outputs"))

    def requirements(self) -> list[str]:
        raw = self.files.get("requirements.txt", b"").decode("utf-8", "replace")
        return [line.strip() for line in raw.splitlines() if line.strip()]

    def listing(self) -> list[dict[str, Any]]:
        return [{"path": n, "bytes": len(b)} for n, b in sorted(self.files.items())]


def features_from_signature(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": str(s.get("name") or f"x{i}"), "dtype": _dtype(s.get("type")), "used": True}
        for i, s in enumerate(inputs)
    ]


def _dtype(mlflow_type: Any) -> str:
    return {
        "double": "float64",
        "float": "float32",
        "integer": "int32",
        "long": "int64",
        "boolean": "bool",
        "string": "object",
        "datetime": "datetime64[ns]",
    }.get(str(mlflow_type), "unknown")


def contract_from_signature(
    inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """A score contract from an MLflow column signature (None when a type has no match)."""
    specs = []
    for i, s in enumerate(inputs):
        kind = _KINDS.get(str(s.get("type")))
        if kind is None:
            return None
        specs.append(
            {
                "name": str(s.get("name") or f"x{i}"),
                "type": kind,
                "required": bool(s.get("required", True)),
                "nullable": not bool(s.get("required", True)),
            }
        )
    return {"inputs": specs, "outputs": outputs}


def load_sklearn(model: ModelDir, trusted: bool) -> Any:
    """The estimator of an MLflow scikit-learn model: a skops file with MMDS's allow-list (or
    trust), a pickle only with ``trusted``; raises :class:`UntrustedArtifact` otherwise."""
    flavour = model.sklearn or {}
    path = flavour.get("pickled_model")
    fmt = flavour.get("serialization_format", "cloudpickle")
    if not path or path not in model.files:
        raise InvalidInput("The MLflow scikit-learn model names no model file.")
    data = model.files[path]
    label = "The MLflow model file"
    if fmt == "skops":
        return serialize.load(data, "skops", trusted=trusted, label=label)
    if not trusted:
        raise UntrustedArtifact(
            f"{label} is a {fmt} file, which can run any code when loaded: it is "
            f"{NOT_LOADABLE}. Import with --trust-pickles (trust_pickles=True), or load the "
            "version with trusted=True, only if you trust whoever logged it."
        )
    return serialize.load(data, "pickle", trusted=True, label=label)


def load_zip(data: bytes, trusted: bool, label: str) -> Any:
    """Load an imported MLflow model file (format ``mlflow``): the scikit-learn estimator, or
    MLflow's pyfunc model for another flavour. Anything but a skops estimator needs trust."""
    model = ModelDir.from_zip(data)
    if model.sklearn is not None:
        return load_sklearn(model, trusted)
    if not trusted:
        raise UntrustedArtifact(
            f"{label} is an MLflow {model.flavor} model, which MLflow loads by running its "
            f"files' code: it is {NOT_LOADABLE}. Load it with trusted=True only if you trust "
            "whoever logged it."
        )
    from . import require_mlflow

    mlflow = require_mlflow()
    target = tempfile.mkdtemp(prefix="mmds-mlflow-")
    for name, content in model.files.items():
        path = Path(target, name)
        if not path.resolve().is_relative_to(Path(target).resolve()):
            raise InvalidInput(f"{label} holds a file outside its folder: {name!r}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return mlflow.pyfunc.load_model(os.fspath(target))
