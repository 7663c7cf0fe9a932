"""PMML RuleSetModel: rules fire on predicates; firstHit, weightedSum or weightedMax picks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np

from .frame import Frame, Scope, Unsupported
from .model import CompiledModel, Context
from .predicates import Predicate, compile_predicate, find_predicate
from .prediction import Prediction

CRITERIA = ("firstHit", "weightedSum", "weightedMax")


@dataclass
class Rule:
    """A SimpleRule with the predicates of the CompoundRules around it (outermost first)."""

    entity_id: str
    score: str
    confidence: float
    weight: float
    predicates: list[Predicate]


class RuleSetModel(CompiledModel):
    """A classification rule set; rows where no rule fires take the default score.

    A rule fires only where its predicate and those of its enclosing CompoundRules are TRUE
    (UNKNOWN does not fire), as the specification says. A rule without an ``id`` is known by
    its 1-based position among the SimpleRules, as JPMML-Evaluator reports it.
    """

    gives_probabilities = False

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        super().__init__(element, scope, context, parent_fields)
        if self.function != "classification":
            raise Unsupported(f"RuleSetModel functionName={self.function!r}")
        rule_set = element.find("RuleSet")
        if rule_set is None:
            raise Unsupported("RuleSetModel without RuleSet")
        methods = rule_set.findall("RuleSelectionMethod")
        # The first method listed is the one a consumer applies.
        self.criterion = methods[0].get("criterion", "") if methods else ""
        if self.criterion not in CRITERIA:
            raise Unsupported(f"RuleSelectionMethod criterion={self.criterion!r}")
        self.default_score = rule_set.get("defaultScore")
        self.default_confidence = float(rule_set.get("defaultConfidence", "nan"))
        self.rules: list[Rule] = []
        self._collect(rule_set, [])
        if not self.classes:
            self.classes = list(dict.fromkeys(r.score for r in self.rules))

    def _collect(self, parent: ET.Element, outer: list[Predicate]) -> None:
        for child in parent:
            if child.tag == "SimpleRule":
                chain = [*outer, compile_predicate(find_predicate(child), self.scope)]
                self.rules.append(
                    Rule(
                        entity_id=child.get("id") or str(len(self.rules) + 1),
                        score=child.get("score", ""),
                        confidence=float(child.get("confidence", "1")),
                        weight=float(child.get("weight", "1")),
                        predicates=chain,
                    )
                )
            elif child.tag == "CompoundRule":
                self._collect(child, [*outer, compile_predicate(find_predicate(child), self.scope)])

    def _fired(self, frame: Frame) -> np.ndarray:
        """rules x rows: where each rule fires (shared enclosing predicates evaluated once)."""
        cache: dict[int, np.ndarray] = {}
        fired = np.empty((len(self.rules), frame.n), dtype=bool)
        for i, rule in enumerate(self.rules):
            mask = np.ones(frame.n, dtype=bool)
            for predicate in rule.predicates:
                key = id(predicate)
                if key not in cache:
                    cache[key] = predicate(frame, None)[0]
                mask &= cache[key]
            fired[i] = mask
        return fired

    def score(self, frame: Frame) -> Prediction:
        """Pick a rule per row by the selection criterion."""
        n = frame.n
        value = np.full(n, self.default_score, dtype=object)
        confidence = np.full(n, self.default_confidence)
        entity = np.full(n, None, dtype=object)
        if not self.rules:
            return Prediction(value, {}, confidence, entity)
        fired = self._fired(frame)
        any_fired = fired.any(axis=0)
        ids = np.asarray([r.entity_id for r in self.rules], dtype=object)
        scores = np.asarray([r.score for r in self.rules], dtype=object)
        if self.criterion == "weightedSum":
            labels = list(dict.fromkeys(r.score for r in self.rules))
            weights = np.asarray([r.weight for r in self.rules])
            totals = np.vstack(
                [
                    ((scores == label)[:, None] * weights[:, None] * fired).sum(axis=0)
                    for label in labels
                ]
            )
            best = np.argmax(totals, axis=0)  # first label on ties
            counts = fired.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                chosen_confidence = totals[best, np.arange(n)] / counts
            value[any_fired] = np.asarray(labels, dtype=object)[best][any_fired]
            confidence[any_fired] = chosen_confidence[any_fired]
            # The winning score's fired rule of highest weight (the first on ties) names the
            # row, as JPMML-Evaluator reports it (the specification leaves it open).
            winning = fired & (scores[:, None] == value[None, :])
            first = np.argmax(np.where(winning, weights[:, None], -np.inf), axis=0)
            entity[any_fired] = ids[first][any_fired]
            return Prediction(value, {}, confidence, entity)
        if self.criterion == "firstHit":
            chosen = np.argmax(fired, axis=0)
        else:  # weightedMax: the fired rule of highest weight, the first on ties
            weights = np.asarray([r.weight for r in self.rules])
            chosen = np.argmax(np.where(fired, weights[:, None], -np.inf), axis=0)
        rule_confidence = np.asarray([r.confidence for r in self.rules])
        value[any_fired] = scores[chosen][any_fired]
        confidence[any_fired] = rule_confidence[chosen][any_fired]
        entity[any_fired] = ids[chosen][any_fired]
        return Prediction(value, {}, confidence, entity)
