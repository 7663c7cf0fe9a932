"""A TreeModel's Nodes as columns, built from parse events instead of one element per Node.

A large forest is hundreds of thousands of Nodes, each with a predicate and score
distributions: as elements (an object and an attribute dict each) they took four times the
file's size. The loader hands every Node under a TreeModel to a NodeTableBuilder as it is
read, and the document keeps the finished NodeTable in place of the Node elements.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from array import array
from dataclasses import dataclass, field

import numpy as np

from .errors import PMMLError

# Kinds of a Node's predicate.
NO_PREDICATE, SIMPLE, TRUE, OTHER = 0, 1, 2, 3
PREDICATE_TAGS = frozenset(
    {"SimplePredicate", "CompoundPredicate", "SimpleSetPredicate", "True", "False"}
)


@dataclass
class NodeTable:
    """The Nodes of one TreeModel, numbered depth first (parents before children, children in
    document order), the first root being Node 0."""

    parent: np.ndarray  # int32, -1 for a root
    child_start: np.ndarray  # int32, n + 1: children of i are child_index[start[i]:start[i+1]]
    child_index: np.ndarray  # int32
    ids: list[str | None]
    scores: list[str | None]
    record_count: np.ndarray  # float64, NaN when absent
    default_child: np.ndarray  # int32: the child named by defaultChild, -1 for none
    predicate_kind: np.ndarray  # int8: NO_PREDICATE, SIMPLE, TRUE or OTHER
    predicate_field: np.ndarray  # int32 index into fields (SIMPLE)
    predicate_operator: np.ndarray  # int32 index into operators (SIMPLE)
    predicate_value: list[str | None]  # SIMPLE's value attribute
    fields: list[str]
    operators: list[str]
    other_predicates: dict[int, ET.Element]  # OTHER: the predicate element itself
    extras: dict[int, list[ET.Element]]  # a Node's other children (Extension, Partition, ...)
    distribution_start: np.ndarray  # int32, n + 1, into the distribution columns
    distribution_value: list[str]
    distribution_count: np.ndarray  # float64
    distribution_probability: np.ndarray  # float64, NaN when absent
    distribution_confidence: np.ndarray  # float64, NaN when absent

    def __len__(self) -> int:
        return len(self.parent)

    def children(self, node: int) -> np.ndarray:
        """The node's children, in document order."""
        return self.child_index[self.child_start[node] : self.child_start[node + 1]]

    def predicate_element(self, node: int) -> ET.Element | None:
        """The node's predicate as an element (a SimplePredicate or True is rebuilt)."""
        kind = self.predicate_kind[node]
        if kind == TRUE:
            return ET.Element("True")
        if kind == SIMPLE:
            attrib = {
                "field": self.fields[self.predicate_field[node]],
                "operator": self.operators[self.predicate_operator[node]],
            }
            value = self.predicate_value[node]
            if value is not None:
                attrib["value"] = value
            return ET.Element("SimplePredicate", attrib)
        if kind == OTHER:
            return self.other_predicates[node]
        return None

    def elements(self) -> list[ET.Element]:
        """The elements kept whole (predicates other than simple ones, other children)."""
        kept = list(self.other_predicates.values())
        for children in self.extras.values():
            kept += children
        return kept


@dataclass
class NodeTableBuilder:
    """Receives a TreeModel's Nodes in document order: start_node, then the Node's child
    elements (predicate, ScoreDistribution, others) and nested Nodes, then end_node."""

    shared: dict[str, str] = field(default_factory=dict)  # one object per repeated string
    _parent: array = field(default_factory=lambda: array("i"))
    _ids: list[str | None] = field(default_factory=list)
    _scores: list[str | None] = field(default_factory=list)
    _record_count: array = field(default_factory=lambda: array("d"))
    _default: array = field(default_factory=lambda: array("i"))
    _kind: array = field(default_factory=lambda: array("b"))
    _field: array = field(default_factory=lambda: array("i"))
    _operator: array = field(default_factory=lambda: array("i"))
    _value: list[str | None] = field(default_factory=list)
    _fields: dict[str, int] = field(default_factory=dict)
    _operators: dict[str, int] = field(default_factory=dict)
    _others: dict[int, ET.Element] = field(default_factory=dict)
    _extras: dict[int, list[ET.Element]] = field(default_factory=dict)
    _distribution_node: array = field(default_factory=lambda: array("i"))
    _distribution_value: list[str] = field(default_factory=list)
    _distribution_count: array = field(default_factory=lambda: array("d"))
    _distribution_probability: array = field(default_factory=lambda: array("d"))
    _distribution_confidence: array = field(default_factory=lambda: array("d"))
    # Per open Node: its index, its defaultChild id, and its children's (id, index).
    _open: list[tuple[int, str | None, list[tuple[str | None, int]]]] = field(default_factory=list)

    def start_node(self, attrib: dict[str, str]) -> None:
        index = len(self._parent)
        shared = self.shared
        node_id = attrib.get("id")
        if node_id is not None:
            node_id = shared.setdefault(node_id, node_id)
        if self._open:
            parent = self._open[-1]
            self._parent.append(parent[0])
            parent[2].append((node_id, index))
        else:
            self._parent.append(-1)
        self._ids.append(node_id)
        score = attrib.get("score")
        self._scores.append(None if score is None else shared.setdefault(score, score))
        count = attrib.get("recordCount")
        try:
            self._record_count.append(np.nan if count is None else float(count))
        except ValueError:
            raise _not_a_number("Node", attrib) from None
        self._default.append(-1)
        self._kind.append(NO_PREDICATE)
        self._field.append(-1)
        self._operator.append(-1)
        self._value.append(None)
        self._open.append((index, attrib.get("defaultChild"), []))

    def end_node(self) -> None:
        index, default_id, children = self._open.pop()
        if default_id is not None:
            self._default[index] = next((i for c, i in children if c == default_id), -1)

    def simple_predicate(self, attrib: dict[str, str]) -> None:
        """A SimplePredicate child of the innermost open Node."""
        index = self._open[-1][0]
        if self._kind[index] != NO_PREDICATE:
            return  # the first predicate is the Node's
        self._kind[index] = SIMPLE
        name = attrib.get("field", "")
        self._field[index] = self._fields.setdefault(name, len(self._fields))
        operator = attrib.get("operator", "")
        self._operator[index] = self._operators.setdefault(operator, len(self._operators))
        value = attrib.get("value")
        if value is not None and index and self._value[index - 1] == value:
            value = self._value[index - 1]  # the two sides of a split share their threshold
        self._value[index] = value

    def true_predicate(self) -> None:
        """A True child of the innermost open Node."""
        index = self._open[-1][0]
        if self._kind[index] == NO_PREDICATE:
            self._kind[index] = TRUE

    def score_distribution(self, attrib: dict[str, str]) -> None:
        """A ScoreDistribution child of the innermost open Node."""
        probability, confidence = attrib.get("probability"), attrib.get("confidence")
        try:
            count = float(attrib.get("recordCount", "0"))
            p = np.nan if probability is None else float(probability)
            c = np.nan if confidence is None else float(confidence)
        except ValueError:
            raise _not_a_number("ScoreDistribution", attrib) from None
        self._distribution_node.append(self._open[-1][0])
        value = attrib.get("value", "")
        self._distribution_value.append(self.shared.setdefault(value, value))
        self._distribution_count.append(count)
        self._distribution_probability.append(p)
        self._distribution_confidence.append(c)

    def child(self, element: ET.Element) -> None:
        """Any other complete child element of the innermost open Node."""
        index = self._open[-1][0]
        if element.tag in PREDICATE_TAGS and self._kind[index] == NO_PREDICATE:
            self._kind[index] = OTHER
            self._others[index] = element
        elif element.tag not in PREDICATE_TAGS:
            self._extras.setdefault(index, []).append(element)

    def finish(self) -> NodeTable:
        n = len(self._parent)
        parent = np.frombuffer(self._parent, dtype=np.int32).copy()
        # Children in order of their parent, then of their own number (document order).
        child_index = np.argsort(parent, kind="stable").astype(np.int32)
        child_index = child_index[parent[child_index] >= 0]
        child_start = np.searchsorted(parent[child_index], np.arange(n + 1)).astype(np.int32)
        distribution_node = np.frombuffer(self._distribution_node, dtype=np.int32)
        distribution_start = np.searchsorted(distribution_node, np.arange(n + 1)).astype(np.int32)
        return NodeTable(
            parent=parent,
            child_start=child_start,
            child_index=child_index,
            ids=self._ids,
            scores=self._scores,
            record_count=np.frombuffer(self._record_count, dtype=np.float64).copy(),
            default_child=np.frombuffer(self._default, dtype=np.int32).copy(),
            predicate_kind=np.frombuffer(self._kind, dtype=np.int8).copy(),
            predicate_field=np.frombuffer(self._field, dtype=np.int32).copy(),
            predicate_operator=np.frombuffer(self._operator, dtype=np.int32).copy(),
            predicate_value=self._value,
            fields=list(self._fields),
            operators=list(self._operators),
            other_predicates=self._others,
            extras=self._extras,
            distribution_start=distribution_start,
            distribution_value=self._distribution_value,
            distribution_count=np.frombuffer(self._distribution_count, dtype=np.float64).copy(),
            distribution_probability=np.frombuffer(
                self._distribution_probability, dtype=np.float64
            ).copy(),
            distribution_confidence=np.frombuffer(
                self._distribution_confidence, dtype=np.float64
            ).copy(),
        )


def _not_a_number(tag: str, attrib: dict[str, str]) -> PMMLError:
    """The error for a Node or ScoreDistribution whose count or probability is not a number."""
    name, text = next(
        (name, text)
        for name in ("recordCount", "probability", "confidence")
        if (text := attrib.get(name)) is not None and not _is_number(text)
    )
    return PMMLError(
        f"{tag} {name}={text!r} in the PMML document is not a number. Export the model again "
        "with a conforming PMML producer."
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
