"""Capture adapters, one per kind of model; the interface is :class:`ModelAdapter`."""

from typing import Any

from ...errors import InvalidInput
from .base import ModelAdapter
from .pmml import PMMLAdapter
from .sklearn import SklearnAdapter
from .spark import SparkAdapter, is_spark_estimator, is_spark_model

__all__ = ["ModelAdapter", "PMMLAdapter", "SklearnAdapter", "SparkAdapter", "adapter_for"]


def adapter_for(model: Any, label: str, serializer: str = "skops") -> ModelAdapter:
    """The adapter of a fitted model from a kernel: spark.ml or scikit-learn."""
    if is_spark_model(model):
        return SparkAdapter(model, label)
    if is_spark_estimator(model):
        raise InvalidInput(
            f"{label} ({type(model).__name__}) is a pyspark.ml estimator, not a fitted model. "
            f"Track the model its fit returns (model = {label}.fit(df)); nothing was tracked."
        )
    return SklearnAdapter(model, label, serializer)
