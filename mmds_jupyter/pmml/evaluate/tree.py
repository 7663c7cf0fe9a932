"""TreeModel: flattened node arrays, evaluated level by level over whole columns."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from .frame import Frame, Scope, Unsupported
from .model import CompiledModel, Context
from .predicates import Predicate, compile_predicate, find_predicate
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


class Node:
    """One flattened tree node; its predicate is compiled when first needed.

    Binary-split trees (every exported forest) are walked from arrays and never call it, and
    a large forest has hundreds of thousands of nodes.
    """

    __slots__ = (
        "index",
        "element",
        "children",
        "id",
        "score",
        "record_count",
        "default_child_id",
        "default_child",
        "_predicate_element",
        "_scope",
        "_predicate",
    )

    def __init__(self, index: int, element: ET.Element, scope: Scope) -> None:
        self.index = index
        self.element = element
        self._predicate_element = find_predicate(element)
        self._scope = scope
        self._predicate: Predicate | None = None
        self.children: list[Node] = []
        self.id = element.get("id")
        self.score = element.get("score")
        count = element.get("recordCount")
        self.record_count = float(count) if count is not None else np.nan
        self.default_child_id = element.get("defaultChild")
        self.default_child: Node | None = None

    @property
    def predicate(self) -> Predicate:
        """The compiled predicate (raises Unsupported for one the evaluator cannot do)."""
        if self._predicate is None:
            self._predicate = compile_predicate(self._predicate_element, self._scope)
        return self._predicate

    def distribution(self) -> list[tuple[str, float, float | None, float | None]]:
        """(value, recordCount, probability, confidence) of each ScoreDistribution."""
        return [
            (
                sd.get("value", ""),
                float(sd.get("recordCount", "0")),
                _optional_float(sd.get("probability")),
                _optional_float(sd.get("confidence")),
            )
            for sd in self.element.findall("ScoreDistribution")
        ]


def _optional_float(text: str | None) -> float | None:
    return None if text is None else float(text)


class TreeModel(CompiledModel):
    """PMML TreeModel with every missing-value and no-true-child strategy."""

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
        root = element.find("Node")
        if root is None:
            raise Unsupported("TreeModel without Node")
        self.nodes: list[Node] = []
        self.root = self._flatten(root)
        if self.function == "classification" and not self.classes:
            seen: dict[str, None] = {}
            for node in self.nodes:
                distribution = node.distribution()
                for value, *_ in distribution:
                    seen.setdefault(value, None)
                if node.score is not None and not distribution:
                    seen.setdefault(node.score, None)
            self.classes = list(seen)
        self._build_tables()
        self.binary: BinarySplits | None = compile_binary_splits(self)
        if self.binary is None:
            # The general walk needs every predicate: find the unsupported ones now.
            for node in self.nodes:
                node.predicate  # noqa: B018

    def _flatten(self, root: ET.Element) -> Node:
        """Number the nodes depth first (parents before children, children in order).

        With an explicit stack, not recursion: a tree may be MAX_TREE_DEPTH Nodes deep.
        """
        top: list[Node] = []
        stack: list[tuple[ET.Element, list[Node]]] = [(root, top)]
        while stack:
            element, siblings = stack.pop()
            for child in element:
                if child.tag in ("Partition", "Regression", "DecisionTree") or child.tag.endswith(
                    "Model"
                ):
                    raise Unsupported(f"<{child.tag}> inside a tree Node")
            node = Node(len(self.nodes), element, self.scope)
            self.nodes.append(node)
            siblings.append(node)
            # Pushed last to first, so the first child (and its subtree) is numbered next.
            stack.extend((child, node.children) for child in reversed(element.findall("Node")))
        for node in self.nodes:
            if node.default_child_id is not None:
                matches = [c for c in node.children if c.id == node.default_child_id]
                node.default_child = matches[0] if matches else None
        return top[0]

    def _build_tables(self) -> None:
        """Per-node score, probability, confidence and record-count arrays."""
        n_nodes = len(self.nodes)
        k = len(self.classes)
        position = {c: i for i, c in enumerate(self.classes)}
        self.has_score = np.array([node.score is not None for node in self.nodes])
        self.entity_ids = np.array([node.id for node in self.nodes], dtype=object)
        self.probability = np.full((n_nodes, k), np.nan)
        self.confidence = np.full((n_nodes, k), np.nan)
        self.counts = np.zeros((n_nodes, k))
        if self.function == "regression":
            self.score_values = np.array(
                [float(node.score) if node.score is not None else np.nan for node in self.nodes]
            )
            return
        self.score_index = np.array(
            [position.get(node.score, -1) if node.score is not None else -1 for node in self.nodes]
        )
        for node in self.nodes:
            distribution = node.distribution()
            if not distribution:
                continue
            total = sum(count for _, count, _, _ in distribution)
            self.probability[node.index] = 0.0
            for value, count, probability, confidence in distribution:
                if value not in position:
                    continue
                i = position[value]
                p = probability if probability is not None else (count / total if total else np.nan)
                self.probability[node.index, i] = p
                # pmml4s reports no confidence unless the document states one.
                self.confidence[node.index, i] = confidence if confidence is not None else np.nan
                self.counts[node.index, i] = count

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
