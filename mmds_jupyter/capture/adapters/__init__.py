"""Capture adapters, one per kind of model; the interface is :class:`ModelAdapter`."""

from .base import ModelAdapter
from .pmml import PMMLAdapter
from .sklearn import SklearnAdapter

__all__ = ["ModelAdapter", "PMMLAdapter", "SklearnAdapter"]
