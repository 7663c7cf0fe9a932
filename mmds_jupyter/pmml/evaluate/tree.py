"""TreeModel: flattened node arrays, evaluated level by level over whole columns."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from ..node_table import NO_PREDICATE, NodeTable
from .frame import Frame, Scope, Unsupported
from .model import CompiledModel, Context
from .predicates import Predicate, compile_predicate
from .prediction import Prediction
from .tree_paths import BinarySplits, compile_binary_splits, walk_general

STRATEGIES = frozenset(
    {
        "none",
        "lastPrediction",
        "nullPrediction",
        "defaultChild",
        "weightedConfidence",
        "aggregateNodes",
    }
)


class TreeModel(CompiledModel):
    """PMML TreeModel with every missing-value and no-true-child strategy.

    Its Nodes are the document's NodeTable for the element (numbered depth first, the root
    being 0); predicates are compiled when first needed, as binary-split trees (every exported
    forest) are walked from arrays and never call them.
    """

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        super().__init__(element, scope, context, parent_fields)
        self.strategy = element.get("missingValueStrategy", "none")
        if self.strategy not in STRATEGIES:
            raise Unsupported(f"missingValueStrategy={self.strategy!r}")
        self.no_true_child = element.get("noTrueChildStrategy", "returnNullPrediction")
        if self.no_true_child not in ("returnNullPrediction", "returnLastPrediction"):
            raise Unsupported(f"noTrueChildStrategy={self.no_true_child!r}")
        self.penalty = float(element.get("missingValuePenalty", "1"))
        nodes = context.trees.get(element)
        if nodes is None or not len(nodes):
            raise Unsupported("TreeModel without Node")
        for kept in nodes.extras.values():
            for child in kept:
                if child.tag in ("Partition", "Regression", "DecisionTree") or child.tag.endswith(
                    "Model"
                ):
                    raise Unsupported(f"<{child.tag}> inside a tree Node")
        if (nodes.predicate_kind == NO_PREDICATE).any():
            raise Unsupported("<Node> without a supported predicate")
        self.nodes = nodes
        self._predicates: dict[int, Predicate] = {}
        if self.function == "classification" and not self.classes:
            self.classes = _classes_of(nodes)
        self._build_tables()
        self.binary: BinarySplits | None = compile_binary_splits(self)
        if self.binary is None:
            # The general walk needs every predicate: find the unsupported ones now.
            for node in range(len(nodes)):
                self.predicate(node)

    def predicate(self, node: int) -> Predicate:
        """The node's compiled predicate (raises Unsupported for one the evaluator cannot do)."""
        predicate = self._predicates.get(node)
        if predicate is None:
            element = self.nodes.predicate_element(node)
            assert element is not None  # checked in __init__
            predicate = self._predicates[node] = compile_predicate(element, self.scope)
        return predicate

    def children(self, node: int) -> list[int]:
        """The node's children, in document order."""
        return self.nodes.children(node).tolist()

    def _build_tables(self) -> None:
        """Per-node score, probability, confidence and record-count arrays."""
        nodes = self.nodes
        n_nodes = len(nodes)
        k = len(self.classes)
        position = {c: i for i, c in enumerate(self.classes)}
        self.has_score = np.array([score is not None for score in nodes.scores], dtype=bool)
        self.entity_ids = np.array(nodes.ids, dtype=object)
        self.probability = np.full((n_nodes, k), np.nan)
        self.confidence = np.full((n_nodes, k), np.nan)
        self.counts = np.zeros((n_nodes, k))
        if self.function == "regression":
            self.score_values = np.fromiter(
                (np.nan if score is None else float(score) for score in nodes.scores),
                dtype=np.float64,
                count=n_nodes,
            )
            return
        self.score_index = np.fromiter(
            (-1 if score is None else position.get(score, -1) for score in nodes.scores),
            dtype=np.intp,
            count=n_nodes,
        )
        per_node = np.diff(nodes.distribution_start)
        entries = len(nodes.distribution_value)
        if not entries:
            return
        node = np.repeat(np.arange(n_nodes), per_node)
        cls = np.fromiter(
            (position.get(v, -1) for v in nodes.distribution_value), dtype=np.intp, count=entries
        )
        count = nodes.distribution_count
        total = np.bincount(node, weights=count, minlength=n_nodes)[node]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total != 0, count / np.where(total != 0, total, 1.0), np.nan)
        probability = nodes.distribution_probability
        probability = np.where(np.isnan(probability), share, probability)
        self.probability[per_node > 0] = 0.0
        known = cls >= 0
        at = (node[known], cls[known])
        self.probability[at] = probability[known]
        # pmml4s reports no confidence unless the document states one (NaN when absent).
        self.confidence[at] = nodes.distribution_confidence[known]
        self.counts[at] = count[known]

    def score(self, frame: Frame) -> Prediction:
        """Send every row down the tree and read the reached node's score."""
        if self.binary is not None:
            result = self.binary.run(frame, self)
            if result is not None:
                final, penalties = result
                return self.result(final, penalties, None, None)
        state = walk_general(self, frame)
        return self.result(state.final, state.penalties, state.override, state.override_confidence)

    def result(
        self,
        final: np.ndarray,
        penalties: np.ndarray,
        override: np.ndarray | None,
        override_confidence: np.ndarray | None,
    ) -> Prediction:
        """Turn reached nodes (-1 for none) into a Prediction."""
        reached = final >= 0
        index = np.where(reached, final, 0)
        entity = self.entity_ids[index]
        entity[~reached] = None
        if self.function == "regression":
            value = self.score_values[index]
            value[~reached] = np.nan
            return Prediction(value, entity_id=entity)
        classes = np.array([*self.classes, None], dtype=object)
        score_index = self.score_index[index]
        score_index[~reached] = -1
        value = classes[score_index]
        probabilities = self.probability[index]
        probabilities[~reached] = np.nan
        confidence_matrix = self.confidence[index]
        rows = np.arange(len(final))
        confidence = np.where(
            score_index >= 0, confidence_matrix[rows, np.maximum(score_index, 0)], np.nan
        )
        confidence[~reached] = np.nan
        if self.penalty != 1.0:
            confidence = confidence * np.power(self.penalty, penalties)
        if override is not None and override_confidence is not None:
            chosen = override >= 0
            value[chosen] = classes[override[chosen]]
            confidence[chosen] = override_confidence[chosen]
        return Prediction(
            value,
            {c: probabilities[:, i] for i, c in enumerate(self.classes)},
            confidence,
            entity,
        )


def _classes_of(nodes: NodeTable) -> list[str]:
    """Classes named by the Nodes, in order: each node's ScoreDistribution values, or its score
    when it has none."""
    seen: dict[str, None] = {}
    starts = nodes.distribution_start.tolist()
    values = nodes.distribution_value
    for node, score in enumerate(nodes.scores):
        first, last = starts[node], starts[node + 1]
        if first < last:
            for value in values[first:last]:
                seen.setdefault(value, None)
        elif score is not None:
            seen.setdefault(score, None)
    return list(seen)
