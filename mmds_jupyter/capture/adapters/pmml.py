"""The capture adapter of a PMML document from any producer (framework ``pmml``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import InvalidInput
from .base import ModelAdapter

if TYPE_CHECKING:
    import pandas as pd

    from ...pmml.adapter import PMMLModel
    from ...scoring.contract import Contract

# PMML data types as contract types.
_KINDS = {
    "double": "float",
    "float": "float",
    "integer": "integer",
    "boolean": "boolean",
    "string": "string",
    "date": "datetime",
    "dateTime": "datetime",
}


class PMMLAdapter(ModelAdapter):
    """A parsed PMML document: its inputs and outputs become the score contract, MMDS's own
    evaluator scores it, and the file is stored as it came."""

    def __init__(self, raw: bytes, label: str) -> None:
        from ...pmml.adapter import PMMLModel

        super().__init__(label)
        self.raw = raw
        self.model: PMMLModel = PMMLModel(raw)  # parses safely; a malformed file is refused
        self.info = self.model.info

    @classmethod
    def read(cls, source: str | os.PathLike[str] | bytes, label: str) -> PMMLAdapter:
        """The adapter of a PMML file (a path) or document (bytes)."""
        from ...pmml.loader import read_pmml_bytes

        if isinstance(source, bytes):
            return cls(source, label)
        path = Path(source).expanduser()
        if not path.is_file():
            raise InvalidInput(f"The PMML file {path} does not exist.")
        return cls(read_pmml_bytes(path), label)

    @property
    def framework(self) -> str:
        return "pmml"

    @property
    def estimator_class(self) -> str:
        return f"pmml.{self.info['model_type']}"

    @property
    def task(self) -> str:
        return self.model.task

    def params(self) -> dict[str, Any]:
        info = self.info
        return {
            **info["params"],
            "model_type": info["model_type"],
            "function_name": info["function_name"],
            "pmml_version": info["pmml_version"],
            "producer": " ".join(str(p) for p in info["producer"].values() if p) or None,
        }

    def steps(self) -> dict[str, Any]:
        return {"name": "model", "class": self.estimator_class}

    def features(self, data: Any | None) -> list[dict[str, Any]]:
        from ...pmml.adapter import PANDAS_DTYPES

        return [
            {
                "name": i["name"],
                "dtype": PANDAS_DTYPES.get(i["dataType"], "object"),
                "used": True,
                "importance": None,
            }
            for i in self.info["inputs"]
        ]

    @property
    def named_inputs(self) -> bool:
        return True

    @property
    def needs_frame(self) -> bool:
        return True

    def outputs(self) -> list[dict[str, Any]]:
        """MMDS's ``prediction`` (and ``probability(...)`` when the document gives them), then
        every OutputField the document declares, by its name and type."""
        declared = self.model.declared_outputs()
        if self.task == "regression":
            return [{"name": "prediction", "kind": "value", "dtype": "float64"}, *declared]
        if not self.model.is_classifier:  # clustering: the cluster's id
            return [{"name": "prediction", "kind": "value", "dtype": "object"}, *declared]
        assert self.model.classes_ is not None
        classes = [c.item() if hasattr(c, "item") else c for c in self.model.classes_]
        outputs: list[dict[str, Any]] = [
            {"name": "prediction", "kind": "label", "dtype": "object", "values": classes}
        ]
        if self.model.has_probabilities:
            outputs += [
                {"name": f"probability({c})", "kind": "probability", "dtype": "float64", "class": c}
                for c in classes
            ]
        return outputs + declared

    def contract(
        self,
        features: list[dict[str, Any]],
        outputs: list[dict[str, Any]],
        observed: pd.DataFrame | None,
    ) -> Contract:
        """The document's own domain (types, valid values, intervals, missing-value
        treatment): it says what the producer meant, which data seen here cannot."""
        from ...scoring.contract import DEFAULT_POLICY, from_dict

        inputs = []
        for i in self.info["inputs"]:
            spec: dict[str, Any] = {
                "name": i["name"],
                "type": _KINDS.get(i["dataType"], "string"),
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
        return from_dict({"inputs": inputs, "outputs": outputs, "policy": DEFAULT_POLICY})

    @property
    def predictor(self) -> PMMLModel:
        return self.model

    def serialize(self) -> tuple[bytes, str]:
        return self.raw, "pmml"
