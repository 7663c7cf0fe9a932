"""The capture adapter of a fitted scikit-learn estimator (or anything that follows its API)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import introspect, serialize
from .base import ModelAdapter

if TYPE_CHECKING:
    import pandas as pd

    from ...scoring.contract import Contract


class SklearnAdapter(ModelAdapter):
    """A fitted estimator or Pipeline, stored as a skops (or, on request, pickle) file.

    ``file``: the skops file ``model`` was loaded from (an upload to `mmds server`), stored as
    it is rather than written again.
    """

    def __init__(
        self, model: Any, label: str, serializer: str = "skops", file: bytes | None = None
    ) -> None:
        super().__init__(label)
        introspect.check_trackable(model, label)
        self.model = model
        self.serializer = serializer
        self.file = file
        self._task = introspect.task_of(model)

    @property
    def framework(self) -> str:
        return introspect.framework(self.model)

    @property
    def estimator_class(self) -> str:
        return introspect.class_path(self.model)

    @property
    def task(self) -> str:
        return self._task

    def params(self) -> dict[str, Any]:
        return introspect.flat_params(self.model)

    def steps(self) -> dict[str, Any]:
        return introspect.steps_tree(self.model)

    def features(self, data: Any | None) -> list[dict[str, Any]]:
        return introspect.input_features(self.model, data)

    @property
    def named_inputs(self) -> bool:
        return hasattr(self.model, "feature_names_in_")

    @property
    def n_inputs(self) -> int | None:
        return getattr(self.model, "n_features_in_", None)

    def outputs(self) -> list[dict[str, Any]]:
        return introspect.outputs_of(self.model, self._task)

    def contract(
        self,
        features: list[dict[str, Any]],
        outputs: list[dict[str, Any]],
        observed: pd.DataFrame | None,
    ) -> Contract:
        from ...scoring.contract import derive

        return derive(features, outputs, observed)

    @property
    def predictor(self) -> Any:
        return self.model

    def serialize(self) -> tuple[bytes, str]:
        if self.file is not None:
            return self.file, "skops"
        return serialize.dump(self.model, self.serializer), self.serializer
