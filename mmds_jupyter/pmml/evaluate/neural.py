"""PMML NeuralNetwork: normalized inputs, fully vectorized layers, (de)normalized outputs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np

from .expressions import Expr, compile_expression
from .frame import Frame, Scope, Unsupported
from .model import CompiledModel, Context
from .prediction import Prediction, argmax_classes

_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda z: z,
    "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "exponential": np.exp,
    "reciprocal": lambda z: 1.0 / z,
    "square": lambda z: z * z,
    "Gauss": lambda z: np.exp(-(z * z)),
    "sine": np.sin,
    "cosine": np.cos,
    "Elliott": lambda z: z / (1.0 + np.abs(z)),
    "arctan": lambda z: 2.0 * np.arctan(z) / np.pi,
    "rectifier": lambda z: np.maximum(z, 0.0),
}


class NeuralNetwork(CompiledModel):
    """Each NeuralInput's expression makes a column; each layer is one matrix product of the
    previous neurons' values with its weights, plus biases, through its activation (and
    softmax/simplemax normalization); a row with a missing input has no outputs."""

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        super().__init__(element, scope, context, parent_fields)
        self.inputs: list[tuple[str, Expr]] = []
        for neural_input in element.findall("NeuralInputs/NeuralInput"):
            derived = neural_input.find("DerivedField")
            expression = None if derived is None else _expression(derived)
            if expression is None:
                raise Unsupported("NeuralInput without an expression")
            expr = compile_expression(expression, self.scope)
            if expr.kind != "num":
                raise Unsupported("NeuralInput of text")
            self.inputs.append((neural_input.get("id", ""), expr))
        model_activation = element.get("activationFunction", "")
        model_threshold = float(element.get("threshold", "0"))
        model_normalization = element.get("normalizationMethod", "none")
        ids = [i for i, _ in self.inputs]
        # (weights: previous neurons x neurons, biases, activation, normalization)
        self.layers: list[tuple[np.ndarray, np.ndarray, Callable, str]] = []
        known = {name: k for k, name in enumerate(ids)}
        for layer in element.findall("NeuralLayer"):
            activation = layer.get("activationFunction", model_activation)
            threshold = float(layer.get("threshold", str(model_threshold)))
            if activation == "threshold":
                function: Callable = lambda z, t=threshold: (z > t).astype(float)  # noqa: E731
            elif activation in _ACTIVATIONS:
                function = _ACTIVATIONS[activation]
            else:
                raise Unsupported(f"NeuralNetwork activationFunction={activation!r}")
            normalization = layer.get("normalizationMethod", model_normalization)
            if normalization not in ("none", "softmax", "simplemax"):
                raise Unsupported(f"NeuralLayer normalizationMethod={normalization!r}")
            neurons = layer.findall("Neuron")
            weights = np.zeros((len(known), len(neurons)))
            biases = np.zeros(len(neurons))
            for j, neuron in enumerate(neurons):
                if neuron.get("width") is not None or neuron.get("altitude") is not None:
                    raise Unsupported("NeuralNetwork radialBasis neurons")
                biases[j] = float(neuron.get("bias", "0"))
                for con in neuron.findall("Con"):
                    source = con.get("from", "")
                    if source not in known:
                        raise Unsupported(f"Neuron Con from unknown neuron {source!r}")
                    weights[known[source], j] += float(con.get("weight", "0"))
            self.layers.append((weights, biases, function, normalization))
            known = {neuron.get("id", ""): j for j, neuron in enumerate(neurons)}
        self.outputs: list[tuple[int, ET.Element]] = []
        for output in element.findall("NeuralOutputs/NeuralOutput"):
            neuron_id = output.get("outputNeuron", "")
            derived = output.find("DerivedField")
            expression = None if derived is None else _expression(derived)
            if neuron_id not in known or expression is None:
                raise Unsupported("NeuralOutput not on a neuron of the last layer")
            self.outputs.append((known[neuron_id], expression))
        self._read_outputs()

    def _read_outputs(self) -> None:
        """Which output neuron gives the predicted value (regression) or each class."""
        self.value_neuron: int | None = None
        self.denormalize: Callable[[np.ndarray], np.ndarray] = lambda y: y
        self.class_neurons: dict[str, int] = {}
        for neuron, expression in self.outputs:
            if expression.get("field") != self.target:
                raise Unsupported("NeuralOutput on a field other than the target")
            if self.function == "regression" and expression.tag == "FieldRef":
                self.value_neuron = neuron
            elif self.function == "regression" and expression.tag == "NormContinuous":
                self.value_neuron = neuron
                self.denormalize = _denormalize(expression)
            elif self.function == "classification" and expression.tag == "NormDiscrete":
                self.class_neurons[expression.get("value", "")] = neuron
            else:
                raise Unsupported(f"NeuralOutput <{expression.tag}> for {self.function}")
        if self.function == "regression" and self.value_neuron is None:
            raise Unsupported("NeuralNetwork regression without an output neuron")
        if self.function == "classification" and not self.classes:
            self.classes = list(self.class_neurons)

    def score(self, frame: Frame) -> Prediction:
        """Feed the frame forward through the layers."""
        values = np.column_stack([expr.fn(frame) for _, expr in self.inputs]).astype(float)
        missing = np.isnan(values).any(axis=1)
        with np.errstate(all="ignore"):
            for weights, biases, function, normalization in self.layers:
                values = function(values @ weights + biases)
                if normalization == "softmax":
                    values = np.exp(values - values.max(axis=1, keepdims=True))
                    values = values / values.sum(axis=1, keepdims=True)
                elif normalization == "simplemax":
                    values = values / values.sum(axis=1, keepdims=True)
        values[missing] = np.nan
        if self.function == "regression":
            assert self.value_neuron is not None
            return Prediction(self.denormalize(values[:, self.value_neuron]))
        probabilities = {
            cls: values[:, self.class_neurons[cls]].copy()
            for cls in self.classes
            if cls in self.class_neurons
        }
        return Prediction(argmax_classes(probabilities, self.classes, frame.n), probabilities)


def _expression(derived: ET.Element) -> ET.Element | None:
    for child in derived:
        if child.tag in (
            "FieldRef",
            "NormContinuous",
            "NormDiscrete",
            "Apply",
            "Constant",
            "Discretize",
            "MapValues",
        ):
            return child
    return None


def _denormalize(norm_continuous: ET.Element) -> Callable[[np.ndarray], np.ndarray]:
    """The inverse of a NormContinuous: the piecewise-linear map from norm back to orig,
    extended beyond the end points along the end segments."""
    points = sorted(
        (float(p.get("norm", "nan")), float(p.get("orig", "nan")))
        for p in norm_continuous.iter("LinearNorm")
    )
    if len(points) < 2:
        raise Unsupported("NormContinuous with fewer than two LinearNorm points")
    norm = np.array([p[0] for p in points])
    orig = np.array([p[1] for p in points])

    def inverse(y: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(norm, y, side="left"), 1, len(norm) - 1)
        lo, hi = norm[i - 1], norm[i]
        with np.errstate(invalid="ignore", divide="ignore"):
            return orig[i - 1] + (y - lo) / (hi - lo) * (orig[i] - orig[i - 1])

    return inverse
