"""What the capture pipeline must know about one kind of model: the adapter interface.

Each kind of model (a scikit-learn estimator, a PMML file, a spark.ml pipeline) has one
adapter. The pipeline (:mod:`..pipeline`) asks it only these questions, so every kind is
checked, measured, fingerprinted and stored by the same code and refuses the same mistakes
with the same errors.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ...scoring.contract import Contract
    from ..pipeline import CaptureRequest, Measured


class ModelAdapter(ABC):
    """One model, described for capture.

    ``label`` names the model in error messages (the variable or the model's name). The
    ``predictor`` is the object the pipeline scores the test set with: ``predict`` always,
    ``predict_proba`` and ``classes_`` for probabilistic classifiers, as scikit-learn spells them.
    """

    def __init__(self, label: str) -> None:
        self.label = label

    # -- what the model is ---------------------------------------------------------------------

    @property
    @abstractmethod
    def framework(self) -> str:
        """The model's kind as versions record it: ``sklearn``, ``pmml``, ``pyspark``."""

    @property
    @abstractmethod
    def estimator_class(self) -> str:
        """A dotted class name, e.g. ``sklearn.ensemble.RandomForestClassifier``."""

    @property
    @abstractmethod
    def task(self) -> str:
        """``binary``, ``multiclass``, ``regression`` or ``other``."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """Every parameter, flat and JSON-safe (nested ones as ``step__param``)."""

    @abstractmethod
    def steps(self) -> dict[str, Any]:
        """The model as a tree of named steps with their classes."""

    # -- inputs and outputs --------------------------------------------------------------------

    @abstractmethod
    def features(self, data: Any | None) -> list[dict[str, Any]]:
        """The inputs: ``name``, ``dtype``, ``used`` and ``importance`` of each, in order.

        ``data`` (the training or else the test features, or None) lends names and dtypes to a
        model that does not carry them itself."""

    @property
    @abstractmethod
    def named_inputs(self) -> bool:
        """Whether the model reads its inputs by column name (then test and training frames
        must hold every input column; extra columns are ignored)."""

    @property
    def needs_frame(self) -> bool:
        """Whether data must come as a DataFrame (a model that has only named inputs)."""
        return False

    @property
    def n_inputs(self) -> int | None:
        """How many columns a positional model takes, when it knows."""
        return None

    @abstractmethod
    def outputs(self) -> list[dict[str, Any]]:
        """The prediction and, for probabilistic classifiers, each class's probability."""

    @abstractmethod
    def contract(
        self,
        features: list[dict[str, Any]],
        outputs: list[dict[str, Any]],
        observed: pd.DataFrame | None,
    ) -> Contract:
        """The score contract captured with the version; ``observed`` is the data the model
        was trained and tested on (columns they share), or None."""

    # -- predicting and storing ----------------------------------------------------------------

    @property
    @abstractmethod
    def predictor(self) -> Any:
        """The object that predicts the test set for the metrics."""

    def measure(self, request: CaptureRequest, outputs: list[dict[str, Any]]) -> Measured | None:
        """The model's own measurement of the request's data (features, metrics, data sets,
        contract, baseline), or None to let the pipeline measure in-memory data itself. A
        model whose data live elsewhere (spark.ml on Spark DataFrames) measures them there."""
        return None

    @abstractmethod
    def serialize(self) -> tuple[bytes, str]:
        """The model file's bytes and its format (``skops``, ``pickle``, ``pmml``)."""
