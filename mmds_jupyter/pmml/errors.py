"""Errors and warnings raised by the PMML module."""

from __future__ import annotations


class PMMLError(ValueError):
    """A PMML document was refused: unsafe, too large, malformed or inconsistent."""


class PMMLExportError(PMMLError):
    """An estimator (or one step of a pipeline) cannot be written as PMML."""


class PMMLFallbackWarning(UserWarning):
    """The MMDS evaluator does not support part of a document; pypmml scores it instead."""
