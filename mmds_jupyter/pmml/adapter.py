"""A PMML document dressed as a scikit-learn estimator, so imported versions score like any."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .describe import describe
from .evaluate import PMMLEvaluator
from .loader import load_pmml

NUMERIC_TYPES = {"double", "float", "integer"}
PANDAS_DTYPES = {
    "double": "float64",
    "float": "float64",
    "integer": "int64",
    "boolean": "bool",
    "string": "object",
}


def _typed(values: list[str], data_type: str | None) -> list[Any]:
    """PMML values are text; give classes the target's type (``1``, not ``"1"``)."""
    if data_type == "integer":
        return [int(float(v)) for v in values]
    if data_type in ("double", "float"):
        return [float(v) for v in values]
    return list(values)


def _typed_column(values: np.ndarray, data_type: str | None) -> np.ndarray:
    """``_typed`` of a column of predicted values, converting each distinct value once
    (a Python conversion per row cost scoring more than the evaluation itself)."""
    if values.dtype.kind in "iuf" or pd.api.types.infer_dtype(values, skipna=False) == "string":
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        if not (codes < 0).any():  # missing predictions keep the per-value path and its errors
            return np.asarray(_typed([str(v) for v in uniques], data_type))[codes]
    return np.asarray(_typed([str(v) for v in values], data_type))


# The type of an OutputField that does not state one.
_FEATURE_TYPES = {
    "probability": "double",
    "confidence": "double",
    "affinity": "double",
    "standardError": "double",
    "residual": "double",
    "reasonCode": "string",
    "entityId": "string",
    "clusterId": "string",
    "decision": "string",
}


def _as_dtype(values: pd.Series, dtype: str) -> pd.Series:
    """A declared output in its declared type; an integer column with missing values stays
    float (NaN), a text column has None for missing (pmml4s writes "")."""
    if dtype in ("float64", "int64"):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        if dtype == "int64" and not numbers.isna().any():
            return numbers.astype("int64")
        return numbers
    if dtype == "bool":
        return values
    text = values.astype(object)
    missing = (text.isna() | (text == "")).to_numpy()
    labels = np.array([_label(v) for v in text.to_numpy()], dtype=object)
    labels[missing] = None
    return pd.Series(labels, index=values.index, dtype=object)


def _label(value: Any) -> Any:
    """Text as declared; a number the JVM sent for a text field (a cluster id) as its text."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


class PMMLModel:
    """``predict``/``predict_proba`` over MMDS's vectorised PMML evaluator."""

    # Text given as a categorical scores the same, and the evaluator then reuses its codes
    # (scoring has them from the contract check) instead of converting and factorizing it.
    takes_categorical_text = True

    def __init__(self, raw: bytes, max_bytes: int | None = None):
        self.raw = raw
        self.document = load_pmml(raw, max_bytes=max_bytes)
        self.info = describe(self.document)
        self.evaluator = PMMLEvaluator(self.document)
        self.feature_names_in_ = np.asarray([i["name"] for i in self.info["inputs"]], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        target_type = None
        fields = {f.get("name"): f for f in self.document.data_dictionary.iter("DataField")}
        if self.info["target"] in fields:
            target_type = fields[self.info["target"]].get("dataType")
        self.is_classifier = self.info["function_name"] == "classification"
        self.classes_ = (
            np.asarray(_typed(self.info["classes"] or [], target_type))
            if self.is_classifier
            else None
        )
        self._target_type = target_type

    @property
    def task(self) -> str:
        """binary, multiclass or regression; another function (clustering) by its PMML name."""
        function = self.info["function_name"]
        if function not in ("classification", "regression") and function:
            return str(function)
        if not self.is_classifier:
            return "regression"
        return (
            "binary"
            if len(self.classes_ if self.classes_ is not None else []) == 2
            else "multiclass"
        )

    def _outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        names = list(self.feature_names_in_)
        if isinstance(X, pd.DataFrame) and list(X.columns) == names:
            return self.evaluator.predict(X)  # scoring's checked inputs: no new frame
        return self.evaluator.predict(pd.DataFrame(X, columns=names))

    def _column(self, columns: Any, feature: str, value: str | None = None) -> str | None:
        """Which of ``columns`` (a frame's, or names) holds ``feature`` (of class ``value``)."""
        for o in self.info["outputs"]:
            matches = o["feature"] == feature and (value is None or o["value"] == value)
            if matches and o["name"] in columns:
                return str(o["name"])
        if feature == "probability" and f"probability({value})" in columns:
            return f"probability({value})"
        if feature == "predictedValue":
            guess = f"predicted_{self.info['target'] or 'target'}"
            return guess if guess in columns else None
        return None

    @property
    def has_probabilities(self) -> bool:
        """Whether the document answers a probability for every class (a rule set, a support
        vector machine or a majority vote may declare none: it then scores without them)."""
        if not self.is_classifier:
            return False
        names = set(self.evaluator.output_names)
        return all(
            self._column(names, "probability", raw) is not None
            for raw in self.info["classes"] or []
        )

    @property
    def predict_proba(self) -> Any:
        """Class probabilities in the order of ``classes_``; absent (as in scikit-learn) when
        the document declares none, so that metrics and scoring skip them."""
        if not self.has_probabilities:
            raise AttributeError("The PMML model declares no class probabilities.")
        return lambda X: self._probabilities(self._outputs(X))

    def declared_outputs(self) -> list[dict[str, Any]]:
        """The document's OutputFields as score-contract outputs, named as declared. A field
        that is MMDS's own column (same name, same meaning) is not repeated; one whose name is
        taken by MMDS's ``prediction``/``probability(...)`` for something else is called
        ``output(NAME)``."""
        own = {"prediction": ("predictedValue", None)}
        if self.has_probabilities:
            own.update({f"probability({c})": ("probability", c) for c in self.info["classes"]})
        names = set(self.evaluator.output_names)
        declared = []
        for o in self.info["outputs"]:
            if o["name"] not in names:
                continue
            if own.get(o["name"]) == (o["feature"], o["value"]):
                continue
            declared.append(
                {
                    "name": f"output({o['name']})" if o["name"] in own else o["name"],
                    "kind": "declared",
                    "feature": o["feature"],
                    "field": o["name"],
                    "dtype": self._dtype(o),
                    **({"value": o["value"]} if o["value"] is not None else {}),
                }
            )
        return declared

    def _dtype(self, output: dict[str, Any]) -> str:
        data_type = output["dataType"]
        if data_type is None and output["feature"] in ("predictedValue", "predictedDisplayValue"):
            data_type = self._target_type if output["feature"] == "predictedValue" else "string"
        if data_type is None:
            data_type = _FEATURE_TYPES.get(output["feature"], "string")
        return PANDAS_DTYPES.get(data_type, "object")

    def predict_outputs(self, X: pd.DataFrame, names: list[str]) -> pd.DataFrame:
        """The columns ``names`` of the score contract (``prediction``, ``probability(...)``
        and declared outputs) from one evaluation of the document."""
        out = self._outputs(X)
        result = pd.DataFrame(index=X.index)
        result["prediction"] = self._prediction(out)
        if any(n.startswith("probability(") for n in names) and self.has_probabilities:
            assert self.classes_ is not None
            proba = self._probabilities(out)
            for i, c in enumerate(self.classes_):
                result[f"probability({c})"] = proba[:, i]
        for o in self.declared_outputs():
            if o["name"] in names:
                result[o["name"]] = _as_dtype(out[o["field"]], o["dtype"]).to_numpy()
        return result[[n for n in names if n in result.columns]]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The predicted value (class or number)."""
        return self._prediction(self._outputs(X))

    @property
    def predict_with_proba(self) -> Any:
        """The prediction and the class probabilities from one evaluation of the document
        (scoring asks for both; evaluating twice doubled its cost); absent, like
        ``predict_proba``, when the document declares no class probabilities."""
        if not self.has_probabilities:
            raise AttributeError("The PMML model declares no class probabilities.")

        def both(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
            out = self._outputs(X)
            return self._prediction(out), self._probabilities(out)

        return both

    def _probabilities(self, out: pd.DataFrame) -> np.ndarray:
        cols = []
        for raw in self.info["classes"] or []:
            col = self._column(out, "probability", raw)
            if col is None:
                raise ValueError(f"The PMML model has no probability output for class {raw!r}.")
            cols.append(col)
        return out[cols].to_numpy(dtype="float64")

    def _prediction(self, out: pd.DataFrame) -> np.ndarray:
        col = self._column(out, "predictedValue")
        if col is not None:
            values = out[col].to_numpy()
            if self.is_classifier:
                return (
                    _typed_column(values, self._target_type)
                    if self._target_type in NUMERIC_TYPES
                    else np.asarray(values)
                )
            if self.task != "regression":  # a cluster's id is a name
                return _as_dtype(out[col], "object").to_numpy()
            return values.astype("float64")
        if self.is_classifier:
            assert self.classes_ is not None
            return self.classes_.take(np.argmax(self._probabilities(out), axis=1))
        raise ValueError(
            "The PMML model declares no predicted value and no class probabilities, so it has "
            "no prediction. Export it with a predictedValue OutputField."
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return dict(self.info["params"])
