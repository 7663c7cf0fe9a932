"""Errors and warnings raised by the PMML module."""

from __future__ import annotations

from ..errors import InvalidInput


class PMMLError(InvalidInput, ValueError):
    """A PMML document was refused: unsafe, too large, malformed or inconsistent.

    An MMDSError like any other bad input (a UsageError in the magic, one line on the CLI,
    a 400 over REST); still a ValueError for callers that caught it as one.
    """


class PMMLExportError(PMMLError):
    """An estimator (or one step of a pipeline) cannot be written as PMML."""


class PMMLFallbackWarning(UserWarning):
    """The MMDS evaluator does not support part of a document; pypmml scores it instead."""
