"""Numpy evaluation of PMML documents (RegressionModel, TreeModel, MiningModel)."""

from .evaluator import PMMLEvaluator

__all__ = ["PMMLEvaluator"]
