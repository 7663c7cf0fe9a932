"""The capture adapter of a fitted ``pyspark.ml`` model or PipelineModel (framework ``spark.ml``).

pyspark is imported only here and in :mod:`.spark_data` / :mod:`.spark_files`, and only when a
Spark model is tracked or loaded: the package imports without it. A model is recognised by its
class's ancestry (``pyspark.ml.base.Model``) without importing pyspark.

The model is read as Spark writes it: the stages of (nested) PipelineModels, every stage's
parameters (explicit and default, as ``stage__param``), the raw columns its stages read (those
no earlier stage produced: the inputs behind VectorAssembler, StringIndexer, OneHotEncoder), and
the task of its last stage. The data given with it (Spark DataFrames) are measured in Spark
(:mod:`.spark_data`); the file is Spark ML's own save format in one deterministic archive
(:mod:`.spark_files`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import InvalidInput
from ..introspect import json_value
from .base import ModelAdapter

if TYPE_CHECKING:
    import pandas as pd

    from ...scoring.contract import Contract
    from ..pipeline import CaptureRequest, Measured

FRAMEWORK = "spark.ml"
FORMAT = "spark"
_MODEL = "pyspark.ml.base.Model"
_ESTIMATOR = "pyspark.ml.base.Estimator"
_DATAFRAME = ("pyspark.sql.dataframe.DataFrame", "pyspark.sql.classic.dataframe.DataFrame")
# Parameters that name the columns a stage reads and writes.
_READS = ("inputCol", "featuresCol")
_READS_MANY = ("inputCols",)
_WRITES = ("outputCol", "predictionCol", "probabilityCol", "rawPredictionCol")
_WRITES_MANY = ("outputCols",)


def _ancestry(obj: Any) -> set[str]:
    return {f"{c.__module__}.{c.__qualname__}" for c in type(obj).__mro__}


def is_spark_model(obj: Any) -> bool:
    """A fitted pyspark.ml model or PipelineModel (told without importing pyspark)."""
    return not isinstance(obj, type) and _MODEL in _ancestry(obj)


def is_spark_estimator(obj: Any) -> bool:
    """An unfitted pyspark.ml estimator or Pipeline."""
    return not isinstance(obj, type) and _ESTIMATOR in _ancestry(obj)


def is_spark_frame(obj: Any) -> bool:
    """A Spark DataFrame (classic or Connect), told without importing pyspark."""
    names = _ancestry(obj)
    return any(n in names for n in _DATAFRAME) or "pyspark.sql.connect.dataframe.DataFrame" in names


def class_path(obj: Any) -> str:
    """``pyspark.ml.classification.RandomForestClassificationModel`` (public module)."""
    cls = type(obj)
    parts = [p for p in cls.__module__.split(".") if not p.startswith("_")]
    if parts[:3] == ["pyspark", "ml", "pipeline"]:
        parts = ["pyspark", "ml"]
    return ".".join([*parts, cls.__qualname__])


def stage_name(stage: Any) -> str:
    """A stage's name as scikit-learn's make_pipeline would name its estimator: the lowercased
    estimator name of its uid (``RandomForestClassifier_08cc2e3eb6cd`` -> randomforestclassifier),
    which does not change from one fit to the next as the uid's suffix does."""
    uid = str(getattr(stage, "uid", type(stage).__name__))
    return uid.rsplit("_", 1)[0].lower() if "_" in uid else uid.lower()


def named_stages(model: Any) -> list[tuple[str, Any]]:
    """The stages of a PipelineModel with unique names (``name-1``, ``name-2`` when repeated)."""
    stages = list(getattr(model, "stages", []))
    names = [stage_name(s) for s in stages]
    counts = {n: names.count(n) for n in names}
    seen: dict[str, int] = {}
    out = []
    for n, s in zip(names, stages, strict=True):
        if counts[n] > 1:
            seen[n] = seen.get(n, 0) + 1
            n = f"{n}-{seen[n]}"
        out.append((n, s))
    return out


def _is_pipeline(model: Any) -> bool:
    return "pyspark.ml.pipeline.PipelineModel" in _ancestry(model)


def leaves(model: Any) -> list[Any]:
    """Every stage that is not a PipelineModel, in the order they transform the data."""
    if not _is_pipeline(model):
        return [model]
    return [leaf for _, s in named_stages(model) for leaf in leaves(s)]


def final_stage(model: Any) -> Any:
    return leaves(model)[-1]


def _param(stage: Any, name: str) -> Any:
    if stage.hasParam(name) and stage.isDefined(name):
        return stage.getOrDefault(name)
    return None


def _plain(value: Any) -> Any:
    """Vectors and matrices as lists; the rest as scikit-learn parameters are kept."""
    if hasattr(value, "toArray"):
        value = value.toArray().tolist()
    return json_value(value)


def _stage_params(stage: Any) -> dict[str, Any]:
    return {p.name: _plain(v) for p, v in sorted(stage.extractParamMap().items(), key=_by_name)}


def _by_name(item: tuple[Any, Any]) -> str:
    return str(item[0].name)


def flat_params(model: Any, prefix: str = "") -> dict[str, Any]:
    """Every parameter of every stage, explicit and default, as ``stage__param``."""
    if not _is_pipeline(model):
        return {f"{prefix}{k}": v for k, v in _stage_params(model).items()}
    out: dict[str, Any] = {}
    for name, stage in named_stages(model):
        out.update(flat_params(stage, f"{prefix}{name}__"))
    return out


def steps_tree(model: Any, name: str = "model") -> dict[str, Any]:
    """The stages as a tree with their classes and the columns each reads."""
    node: dict[str, Any] = {"name": name, "class": class_path(model)}
    if _is_pipeline(model):
        node["children"] = [steps_tree(s, n) for n, s in named_stages(model)]
    else:
        reads, _ = columns_of(model)
        if reads:
            node["columns"] = reads
    return node


def columns_of(stage: Any) -> tuple[list[str], list[str]]:
    """The columns a (leaf) stage reads and those it writes."""
    reads = [v for p in _READS if (v := _param(stage, p))]
    reads += [c for p in _READS_MANY for c in (_param(stage, p) or [])]
    writes = [v for p in _WRITES if (v := _param(stage, p))]
    writes += [c for p in _WRITES_MANY for c in (_param(stage, p) or [])]
    return reads, writes


def label_column(model: Any) -> str | None:
    """The label column the last stage was fitted on, as the data give it: the input of the
    StringIndexer that indexed it, when one did."""
    label = _param(final_stage(model), "labelCol")
    for stage in leaves(model)[:-1]:
        reads, writes = columns_of(stage)
        if label in writes and len(reads) == 1:
            return str(reads[0])
    return str(label) if label else None


def raw_inputs(model: Any) -> list[str]:
    """The columns the model reads from its input: read by a stage, produced by none before
    it, in the order they are first read. The label's own indexer is not an input."""
    produced: set[str] = set()
    inputs: list[str] = []
    label_col = _param(final_stage(model), "labelCol")
    for stage in leaves(model):
        reads, writes = columns_of(stage)
        if label_col is not None and label_col in writes and stage is not final_stage(model):
            produced.update(writes)
            continue  # it indexes the label, which scoring does not have
        for c in reads:
            if c not in produced and c not in inputs:
                inputs.append(c)
        produced.update(writes)
    return inputs


def task_of(model: Any) -> str:
    last = final_stage(model)
    module = type(last).__module__
    if module.startswith("pyspark.ml.classification") and hasattr(last, "numClasses"):
        return "binary" if int(last.numClasses) == 2 else "multiclass"
    if module.startswith("pyspark.ml.regression"):
        return "regression"
    return "other"


def is_probabilistic(model: Any) -> bool:
    last = final_stage(model)
    return task_of(model) in ("binary", "multiclass") and bool(_param(last, "probabilityCol"))


def classes_of(model: Any) -> list[int]:
    """Spark classifiers predict class indices 0..k-1."""
    return list(range(int(final_stage(model).numClasses)))


def _importances(model: Any, names: list[str], dtypes: dict[str, str]) -> list[float | None]:
    """Each raw input's importance when the last stage's feature vector is assembled from
    the raw numeric columns one slot each; None otherwise."""
    last = final_stage(model)
    stages = leaves(model)
    imp = getattr(last, "featureImportances", None) if hasattr(last, "featureImportances") else None
    features_col = _param(last, "featuresCol")
    if imp is None or len(stages) < 2:
        return [None] * len(names)
    assembler = stages[-2]
    reads, writes = columns_of(assembler)
    if type(assembler).__name__ != "VectorAssembler" or writes != [features_col]:
        return [None] * len(names)
    if any(dtypes.get(c) in (None, "vector", "unknown") for c in reads) or len(imp) != len(reads):
        return [None] * len(names)
    by_col = dict(zip(reads, imp.toArray().tolist(), strict=True))
    return [by_col.get(n) for n in names]


class SparkAdapter(ModelAdapter):
    """A fitted pyspark.ml model, measured in Spark and stored in Spark ML's own format."""

    def __init__(self, model: Any, label: str) -> None:
        super().__init__(label)
        if not is_spark_model(model):
            raise InvalidInput(f"{label} is not a fitted pyspark.ml model; nothing was tracked.")
        self.model = model
        self._task = task_of(model)

    @property
    def framework(self) -> str:
        return FRAMEWORK

    @property
    def estimator_class(self) -> str:
        return class_path(self.model)

    @property
    def task(self) -> str:
        return self._task

    def params(self) -> dict[str, Any]:
        return flat_params(self.model)

    def steps(self) -> dict[str, Any]:
        return steps_tree(self.model)

    def features(self, data: Any | None) -> list[dict[str, Any]]:
        """The raw input columns with their types in ``data`` (a Spark DataFrame)."""
        from .spark_data import dtype_names

        names = raw_inputs(self.model)
        dtypes = dtype_names(data) if data is not None and is_spark_frame(data) else {}
        importance = _importances(self.model, names, dtypes)
        return [
            {"name": n, "dtype": dtypes.get(n, "unknown"), "used": True, "importance": imp}
            for n, imp in zip(names, importance, strict=True)
        ]

    @property
    def named_inputs(self) -> bool:
        return True

    @property
    def needs_frame(self) -> bool:
        return True

    def outputs(self) -> list[dict[str, Any]]:
        if self._task in ("binary", "multiclass"):
            classes = classes_of(self.model)
            outs: list[dict[str, Any]] = [
                {"name": "prediction", "kind": "label", "dtype": "int64", "values": classes}
            ]
            if is_probabilistic(self.model):
                outs += [
                    {
                        "name": f"probability({c})",
                        "kind": "probability",
                        "dtype": "float64",
                        "class": c,
                    }
                    for c in classes
                ]
            return outs
        if self._task == "regression":
            return [{"name": "prediction", "kind": "value", "dtype": "float64"}]
        return []

    def contract(
        self,
        features: list[dict[str, Any]],
        outputs: list[dict[str, Any]],
        observed: pd.DataFrame | None,
    ) -> Contract:
        from ...scoring.contract import derive

        return derive(features, outputs, observed)

    def measure(self, request: CaptureRequest, outputs: list[dict[str, Any]]) -> Measured:
        from .spark_data import measure

        return measure(self, request, outputs)

    @property
    def predictor(self) -> Any:
        return self.model

    def serialize(self) -> tuple[bytes, str]:
        from .spark_files import pack

        return pack(self.model), FORMAT
