"""The parsed form of a PMML file that the rest of the module works on."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .node_table import NodeTable

# Model elements defined by PMML 4.x; any of them may be the document's top-level model.
MODEL_ELEMENTS = frozenset(
    {
        "AnomalyDetectionModel",
        "AssociationModel",
        "BaselineModel",
        "BayesianNetworkModel",
        "ClusteringModel",
        "GaussianProcessModel",
        "GeneralRegressionModel",
        "MiningModel",
        "NaiveBayesModel",
        "NearestNeighborModel",
        "NeuralNetwork",
        "RegressionModel",
        "RuleSetModel",
        "Scorecard",
        "SequenceModel",
        "SupportVectorMachineModel",
        "TextModel",
        "TimeSeriesModel",
        "TreeModel",
    }
)


@dataclass
class PMMLDocument:
    """A safely parsed PMML document with namespaces stripped from its element tags.

    A TreeModel's Nodes are not in the element tree: ``trees`` holds them, as a NodeTable per
    TreeModel element (see ``nodes``).
    """

    root: ET.Element
    version: str
    namespace: str
    raw: bytes = field(repr=False)
    trees: dict[ET.Element, NodeTable] = field(default_factory=dict, repr=False)

    def nodes(self, tree_model: ET.Element) -> NodeTable | None:
        """The Nodes of a TreeModel element of this document (None if it has none)."""
        return self.trees.get(tree_model)

    @property
    def data_dictionary(self) -> ET.Element:
        """The DataDictionary element (always present after load_pmml)."""
        element = self.root.find("DataDictionary")
        assert element is not None  # load_pmml refuses documents without one
        return element

    @property
    def model(self) -> ET.Element:
        """The first top-level model element."""
        for child in self.root:
            if child.tag in MODEL_ELEMENTS:
                return child
        raise AssertionError("load_pmml refuses documents without a model")

    @property
    def transformation_dictionary(self) -> ET.Element | None:
        """The TransformationDictionary element, if any."""
        return self.root.find("TransformationDictionary")

    def to_string(self) -> str:
        """The original document text, for engines that parse it themselves (pypmml)."""
        return self.raw.decode("utf-8")
