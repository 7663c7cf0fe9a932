"""Numpy evaluation of PMML documents (RegressionModel, TreeModel, MiningModel, RuleSetModel)."""

from .evaluator import PMMLEvaluator

__all__ = ["PMMLEvaluator"]
