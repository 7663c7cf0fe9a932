"""Walk a Pipeline (or a single estimator) and dispatch each step to its exporter."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from ..errors import PMMLExportError
from .builder import Builder, Feature
from .linear import linear_regression, logistic_regression
from .target import Target
from .transformers import TRANSFORMERS
from .trees import decision_tree, forest, gradient_boosting

ModelExporter = Callable[[Any, list[Feature], Builder, Target, str], ET.Element]

MODELS: dict[str, ModelExporter] = {
    "LinearRegression": linear_regression,
    "Ridge": linear_regression,
    "Lasso": linear_regression,
    "ElasticNet": linear_regression,
    "LogisticRegression": logistic_regression,
    "DecisionTreeClassifier": decision_tree,
    "DecisionTreeRegressor": decision_tree,
    "RandomForestClassifier": forest,
    "RandomForestRegressor": forest,
    "ExtraTreesClassifier": forest,
    "ExtraTreesRegressor": forest,
    "GradientBoostingClassifier": gradient_boosting,
    "GradientBoostingRegressor": gradient_boosting,
}
SUPPORTED = ", ".join([*MODELS, *TRANSFORMERS, "Pipeline"])


def unsupported(est: Any, step: str | None) -> PMMLExportError:
    """The error for an estimator without an exporter."""
    where = f"step {step!r} ({type(est).__name__})" if step else type(est).__name__
    return PMMLExportError(f"{where} cannot be exported to PMML; supported: {SUPPORTED}")


def export_transformer(
    est: Any, features: list[Feature], builder: Builder, step: str
) -> list[Feature]:
    """Export a transformer (or a Pipeline of transformers) and return its output features."""
    if type(est).__name__ == "Pipeline":
        for name, inner in est.steps:
            if inner is None or inner == "passthrough":
                continue
            features = export_transformer(inner, features, builder, f"{step}/{name}")
        return features
    exporter = TRANSFORMERS.get(type(est).__name__)
    if exporter is None:
        raise unsupported(est, step)
    return exporter(est, features, builder, step)


def split_pipeline(est: Any) -> tuple[list[tuple[str, Any]], str | None, Any]:
    """(transformer steps, name of the final step, final estimator)."""
    if type(est).__name__ != "Pipeline":
        return [], None, est
    steps = [(n, s) for n, s in est.steps if s is not None and s != "passthrough"]
    if not steps:
        raise PMMLExportError("the Pipeline has no steps to export")
    *head, (last_name, last) = steps
    return head, last_name, last


def export_model(
    est: Any, features: list[Feature], builder: Builder, target: Target, step: str | None
) -> ET.Element:
    """Export the final estimator of a pipeline."""
    exporter = MODELS.get(type(est).__name__)
    if exporter is None:
        if type(est).__name__ in TRANSFORMERS:
            raise PMMLExportError(
                f"{'step ' + repr(step) + ' ' if step else ''}({type(est).__name__}) is a "
                "transformer; PMML export needs a pipeline that ends with a model "
                f"(supported: {', '.join(MODELS)})"
            )
        raise unsupported(est, step)
    return exporter(est, features, builder, target, step or type(est).__name__)
