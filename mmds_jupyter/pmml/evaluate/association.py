"""PMML AssociationModel: the rules whose itemsets a transaction's items contain."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import PMMLError
from .frame import Frame, Scope, Unsupported
from .model import CompiledModel, Context
from .prediction import Prediction

ALGORITHMS = ("recommendation", "exclusiveRecommendation", "ruleAssociation")
BASES = ("confidence", "support", "lift", "leverage", "affinity")
TEXT_FEATURES = ("antecedent", "consequent", "rule", "ruleId")


@dataclass
class RuleMatches:
    """Per input row, which rules' antecedent and consequent itemsets its transaction holds
    (rows without a transaction match nothing and answer missing)."""

    model: AssociationRules
    antecedent: np.ndarray  # rows x rules
    consequent: np.ndarray  # rows x rules
    known: np.ndarray  # rows that belong to a transaction

    def value(
        self, algorithm: str, feature: str, rank: int, basis: str, order: str, multi: bool
    ) -> np.ndarray:
        """One ruleValue OutputField per row: the rank-th selected rule's feature (the first
        ``rank`` rules' features, joined by ``"; "``, when multi-valued; all of them for rank
        0; missing when none is selected). Rules are ranked by ``basis``, ties in document
        order (as JPMML-Evaluator ranks them)."""
        if algorithm == "recommendation":
            selected = self.antecedent
        elif algorithm == "exclusiveRecommendation":
            selected = self.antecedent & ~self.consequent
        else:
            selected = self.antecedent & self.consequent
        rules = self.model
        keys = rules.measures[basis]
        ranking = np.argsort(-keys if order == "descending" else keys, kind="stable")
        ordered = selected[:, ranking]  # rows x rules in rank order
        values = rules.features[feature][ranking]
        numeric = feature not in TEXT_FEATURES
        n = len(self.known)
        out = np.full(n, np.nan) if numeric and not multi else np.full(n, None, dtype=object)
        if multi:
            for row in np.flatnonzero(self.known):
                chosen = values[ordered[row]]
                chosen = chosen if rank == 0 else chosen[:rank]
                out[row] = "; ".join(_text(v) for v in chosen) if len(chosen) else None
            return out
        counts = np.cumsum(ordered, axis=1)
        hit = ordered & (counts == rank)
        has = hit.any(axis=1) & self.known
        position = np.argmax(hit, axis=1)
        out[has] = values[position[has]]
        return out


def _text(value: object) -> str:
    return repr(float(value)) if isinstance(value, float | np.floating) else str(value)


class AssociationRules(CompiledModel):
    """Association rules on transactional input: one row per (transaction, item), as in the
    specification's example (a ``group`` field and an ``active`` item field). Each row
    answers for its whole transaction. A rule is selected by ``recommendation`` when the
    transaction holds its antecedent, by ``exclusiveRecommendation`` when it holds its
    antecedent but not its whole consequent, by ``ruleAssociation`` when it holds both
    (PMML 4.4, Output). An itemset is written as its items' values joined by ",", a rule as
    ``{antecedent}->{consequent}`` (as JPMML-Evaluator writes it). MMDS's own prediction is
    the consequent of the most confident rule the transaction recommends."""

    functions = ("associationRules",)
    gives_probabilities = False

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        super().__init__(element, scope, context, parent_fields)
        if parent_fields:
            raise Unsupported("AssociationModel inside a MiningModel")
        usage = {name: mf.get("usageType", "active") for name, mf in self.mining_fields.items()}
        groups = [name for name, u in usage.items() if u == "group"]
        actives = [name for name, u in usage.items() if u == "active"]
        items = element.findall("Item")
        if len(groups) != 1 or len(actives) != 1 or any(i.get("field") for i in items):
            raise PMMLError(
                "This AssociationModel reads one column per item (its MiningSchema has "
                f"{len(actives)} active and {len(groups)} group fields); MMDS scores association "
                "rules on transactional data only: one group field (the transaction) and one "
                "active field (the item), one row per item bought, as in the PMML "
                "specification's example. Export the model from transactional data."
            )
        self.group, self.item = groups[0], actives[0]
        self.item_ids = [i.get("id", "") for i in items]
        self.item_values = [i.get("value", "") for i in items]
        itemsets: dict[str, list[int]] = {}
        for itemset in element.findall("Itemset"):
            refs = [r.get("itemRef", "") for r in itemset.findall("ItemRef")]
            unknown = [r for r in refs if r not in self.item_ids]
            if unknown:
                raise PMMLError(
                    f"Itemset {itemset.get('id')!r} refers to unknown Item {unknown[0]!r}."
                )
            itemsets[itemset.get("id", "")] = [self.item_ids.index(r) for r in refs]
        self.itemsets = itemsets
        rules = element.findall("AssociationRule")
        self.antecedents: list[str] = []
        self.consequents: list[str] = []
        for rule in rules:
            for side in ("antecedent", "consequent"):
                if rule.get(side) not in itemsets:
                    raise PMMLError(
                        f"AssociationRule {rule.get('id') or ''} names {side} "
                        f"{rule.get(side)!r}, which is no Itemset."
                    )
            self.antecedents.append(rule.get("antecedent", ""))
            self.consequents.append(rule.get("consequent", ""))
        self.measures = {
            basis: np.array([float(r.get(basis, "nan")) for r in rules]) for basis in BASES
        }
        text = {s: ",".join(self.item_values[i] for i in refs) for s, refs in itemsets.items()}
        left = np.array([text[a] for a in self.antecedents], dtype=object)
        right = np.array([text[c] for c in self.consequents], dtype=object)
        # A rule without an id is known by its 1-based position, as JPMML-Evaluator names it.
        ids = [r.get("id") or str(i + 1) for i, r in enumerate(rules)]
        self.features: dict[str, np.ndarray] = {
            "antecedent": left,
            "consequent": right,
            "rule": np.array(
                [f"{{{a}}}->{{{c}}}" for a, c in zip(left, right, strict=True)], dtype=object
            ),
            "ruleId": np.array(ids, dtype=object),
            **self.measures,
        }

    def score(self, frame: Frame) -> Prediction:
        """Group the rows by transaction and match every rule against its items."""
        groups = frame.get(self.group)
        items = frame.get(self.item)
        group_codes, _ = pd.factorize(groups, use_na_sentinel=True)
        n_groups = int(group_codes.max()) + 1 if len(group_codes) else 0
        codes, uniques = pd.factorize(np.asarray(items, dtype=object), use_na_sentinel=True)
        lookup = {v: i for i, v in enumerate(self.item_values)}
        known_items = np.array([lookup.get(v, -1) for v in uniques] + [-1], dtype=np.intp)
        item_codes = known_items[codes]  # -1: an item no rule names, or missing
        held = np.zeros((n_groups + 1, len(self.item_ids)), dtype=bool)  # last: no transaction
        rows = (group_codes >= 0) & (item_codes >= 0)
        held[group_codes[rows], item_codes[rows]] = True
        held[n_groups] = False
        contains = {
            s: held[:, refs].all(axis=1) if refs else np.ones(n_groups + 1, dtype=bool)
            for s, refs in self.itemsets.items()
        }
        index = np.where(group_codes >= 0, group_codes, n_groups)
        if self.antecedents:
            antecedent = np.column_stack([contains[a] for a in self.antecedents])[index]
            consequent = np.column_stack([contains[c] for c in self.consequents])[index]
        else:
            antecedent = consequent = np.zeros((len(index), 0), dtype=bool)
        matches = RuleMatches(self, antecedent, consequent, group_codes >= 0)
        value = matches.value("recommendation", "consequent", 1, "confidence", "descending", False)
        return Prediction(value, rules=matches)
