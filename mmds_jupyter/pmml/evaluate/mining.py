"""MiningModel segmentation: ensembles, model chains and first-match selection."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from .forest import Forest, compile_forest
from .frame import Frame, Scope, Unsupported
from .model import CompiledModel, Context
from .outputs import OutputColumn, compile_outputs, evaluate_outputs
from .predicates import Predicate, compile_predicate, find_predicate
from .prediction import Prediction, argmax_classes

_REGRESSION_METHODS = frozenset(
    {"sum", "average", "weightedAverage", "median", "modelChain", "selectFirst"}
)
_CLASSIFICATION_METHODS = frozenset(
    {
        "average",
        "weightedAverage",
        "majorityVote",
        "weightedMajorityVote",
        "modelChain",
        "selectFirst",
    }
)


class Segment:
    """A compiled Segment: predicate, weight, model and (for chains) its output columns."""

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        self.id = element.get("id")
        self.weight = float(element.get("weight", "1"))
        self.predicate: Predicate = compile_predicate(find_predicate(element), scope)
        self.is_true = find_predicate(element).tag == "True"
        models = [
            child
            for child in element
            if child.tag.endswith("Model") or child.tag == "NeuralNetwork"
        ]
        if len(models) != 1:
            raise Unsupported("Segment without exactly one model")
        self.model = context.compile_model(models[0], scope, context, parent_fields)
        self.outputs: list[OutputColumn] | None = compile_outputs(
            models[0], self.model.scope, self.model.classes, self.model.function
        )

    def fires(self, frame: Frame) -> np.ndarray:
        """Rows for which the segment's predicate is TRUE."""
        if self.is_true:
            return np.ones(frame.n, dtype=bool)
        true, _ = self.predicate(frame, None)
        return true


class MiningModel(CompiledModel):
    """PMML MiningModel with a Segmentation."""

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        super().__init__(element, scope, context, parent_fields)
        segmentation = element.find("Segmentation")
        if segmentation is None:
            raise Unsupported("MiningModel without Segmentation (model composition)")
        self.method = segmentation.get("multipleModelMethod", "")
        allowed = _REGRESSION_METHODS if self.function == "regression" else _CLASSIFICATION_METHODS
        if self.method not in allowed:
            raise Unsupported(f"multipleModelMethod={self.method!r} for {self.function}")
        treatment = segmentation.get("missingPredictionTreatment", "continue")
        if treatment not in ("continue", "returnMissing"):
            raise Unsupported(f"missingPredictionTreatment={treatment!r}")
        own_fields = {**parent_fields, **self.mining_fields}
        self.segments: list[Segment] = []
        chain_scope = self.scope
        for s in segmentation.findall("Segment"):
            if self.method == "modelChain":
                # Each chained model sees the output fields of the models before it.
                chain_scope = chain_scope.child()
                segment = Segment(s, chain_scope, context, own_fields)
                for name, kind in segment.model.scope.kinds.items():
                    if segment.outputs and any(c.name == name for c in segment.outputs):
                        chain_scope.declare(name, kind)
            else:
                segment = Segment(s, self.scope, context, own_fields)
            self.segments.append(segment)
        if not self.segments:
            raise Unsupported("Segmentation without Segment")
        if self.function == "classification" and not self.classes:
            seen: dict[str, None] = {}
            for segment in self.segments:
                for c in segment.model.classes:
                    seen.setdefault(c, None)
            self.classes = list(seen)
        self.forest: Forest | None = None
        if self.method in ("sum", "average", "weightedAverage"):
            self.forest = compile_forest(self)

    def score(self, frame: Frame) -> Prediction:
        """Combine the segments' predictions with the multiple-model method."""
        if self.forest is not None:
            combined = self.forest.run(frame, self)
            if combined is not None:
                return combined
        if self.method == "modelChain":
            return self._chain(frame)
        if self.method == "selectFirst":
            return self._select_first(frame)
        fired = [segment.fires(frame) for segment in self.segments]
        predictions = [
            segment.model.predict(frame)[0] if mask.any() else None
            for segment, mask in zip(self.segments, fired, strict=True)
        ]
        if self.function == "regression":
            return self._regression(frame.n, fired, predictions)
        return self._classification(frame.n, fired, predictions)

    def _regression(
        self, n: int, fired: list[np.ndarray], predictions: list[Prediction | None]
    ) -> Prediction:
        values = np.vstack(
            [
                np.where(mask, p.value if p is not None else np.nan, np.nan)
                for mask, p in zip(fired, predictions, strict=True)
            ]
        )
        weights = np.vstack(
            [np.where(mask, s.weight, 0.0) for mask, s in zip(fired, self.segments, strict=True)]
        )
        used = np.vstack(fired)
        count = used.sum(axis=0)
        contributions = np.where(used, values, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.method == "sum":
                result = contributions.sum(axis=0)
            elif self.method == "average":
                result = contributions.sum(axis=0) / count
            elif self.method == "weightedAverage":
                result = (contributions * weights).sum(axis=0) / weights.sum(axis=0)
            else:
                result = np.nanmedian(np.where(used, values, np.nan), axis=0)
        result[count == 0] = np.nan
        return Prediction(result)

    def _classification(
        self, n: int, fired: list[np.ndarray], predictions: list[Prediction | None]
    ) -> Prediction:
        used = np.vstack(fired)
        count = used.sum(axis=0)
        weights = np.vstack(
            [np.where(mask, s.weight, 0.0) for mask, s in zip(fired, self.segments, strict=True)]
        )
        probabilities: dict[str, np.ndarray] = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            for cls in self.classes:
                if self.method in ("majorityVote", "weightedMajorityVote"):
                    votes = np.vstack(
                        [
                            (p.value == cls) if p is not None else np.zeros(n, dtype=bool)
                            for p in predictions
                        ]
                    )
                    w = weights if self.method == "weightedMajorityVote" else used.astype(float)
                    probabilities[cls] = (votes * w).sum(axis=0) / count
                else:
                    per_segment = np.vstack(
                        [
                            p.probabilities.get(cls, np.full(n, np.nan))
                            if p is not None
                            else np.zeros(n)
                            for p in predictions
                        ]
                    )
                    per_segment = np.where(used, per_segment, 0.0)
                    if self.method == "average":
                        probabilities[cls] = per_segment.sum(axis=0) / count
                    else:
                        probabilities[cls] = (per_segment * weights).sum(axis=0) / weights.sum(
                            axis=0
                        )
                probabilities[cls][count == 0] = np.nan
        return Prediction(argmax_classes(probabilities, self.classes, n), probabilities)

    def _chain(self, frame: Frame) -> Prediction:
        scope = frame
        last: Prediction | None = None
        for segment in self.segments:
            scope = scope.child()
            mask = segment.fires(scope)
            prediction, seen = segment.model.predict(scope)
            prediction = prediction.masked(~mask)
            if segment.outputs is not None:
                scope.values.update(evaluate_outputs(segment.outputs, prediction, seen))
            last = prediction if last is None else _overlay(last, prediction, mask)
        assert last is not None
        return last

    def _select_first(self, frame: Frame) -> Prediction:
        n = frame.n
        taken = np.zeros(n, dtype=bool)
        result: Prediction | None = None
        for segment in self.segments:
            mask = segment.fires(frame) & ~taken
            if not mask.any():
                continue
            prediction = segment.model.predict(frame)[0]
            if result is None:
                result = prediction.masked(~mask)
            else:
                result = _overlay(result, prediction, mask)
            taken |= mask
        if result is None:
            kind_value = np.full(n, np.nan) if self.function == "regression" else np.full(n, None)
            return Prediction(kind_value)
        return result.masked(~taken)


def _overlay(base: Prediction, top: Prediction, mask: np.ndarray) -> Prediction:
    """base, with the rows in mask taken from top."""
    value = base.value.copy() if base.value.dtype == top.value.dtype else base.value.astype(object)
    value[mask] = top.value[mask]
    probabilities = {}
    for cls in set(base.probabilities) | set(top.probabilities):
        p = base.probabilities.get(cls, np.full(len(mask), np.nan)).copy()
        p[mask] = top.probabilities.get(cls, np.full(len(mask), np.nan))[mask]
        probabilities[cls] = p
    return Prediction(value, probabilities)
