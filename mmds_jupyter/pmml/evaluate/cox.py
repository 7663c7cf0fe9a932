"""PMML GeneralRegressionModel of modelType CoxRegression (other model types go to pypmml)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from .frame import Frame, Scope, Unsupported, parse_value
from .model import CompiledModel, Context
from .prediction import Prediction


class CoxRegression(CompiledModel):
    """The predicted value is the cumulative hazard at the row's end time: the baseline's
    cumulative hazard of the last BaselineCell at or before that time (0 before the first,
    missing after maxTime) times exp(sum of beta * (x - referencePoint)); x of a parameter is
    the product of its PPCells (a covariate to the cell's power, a factor's indicator)."""

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        super().__init__(element, scope, context, parent_fields)
        model_type = element.get("modelType")
        if model_type != "CoxRegression":
            raise Unsupported(f"GeneralRegressionModel modelType={model_type!r}")
        if element.get("baselineStrataVariable") or element.get("startTimeVariable"):
            raise Unsupported("CoxRegression with strata or start times")
        self.end_time = element.get("endTimeVariable", "")
        if not self.end_time or scope.kind(self.end_time) != "num":
            raise Unsupported("CoxRegression without a numeric endTimeVariable")
        factors = {p.get("name", "") for p in element.findall("FactorList/Predictor")}
        parameters = element.findall("ParameterList/Parameter")
        names = [p.get("name", "") for p in parameters]
        self.reference = np.array([float(p.get("referencePoint", "0")) for p in parameters])
        self.beta = np.zeros(len(names))
        for cell in element.findall("ParamMatrix/PCell"):
            if cell.get("parameterName") in names:
                self.beta[names.index(cell.get("parameterName", ""))] = float(cell.get("beta", "0"))
        # per parameter: [(predictor, is factor, level or power)]
        self.cells: list[list[tuple[str, bool, float | str]]] = [[] for _ in names]
        for cell in element.findall("PPMatrix/PPCell"):
            predictor = cell.get("predictorName", "")
            if cell.get("parameterName") not in names:
                raise Unsupported(f"PPCell of unknown parameter {cell.get('parameterName')!r}")
            is_factor = predictor in factors
            level = (
                parse_value(cell.get("value", ""), scope.kind(predictor))
                if is_factor
                else float(cell.get("value", "1"))
            )
            self.cells[names.index(cell.get("parameterName", ""))].append(
                (predictor, is_factor, level)
            )
        table = element.find("BaseCumHazardTables")
        if table is None or table.find("BaselineStratum") is not None:
            raise Unsupported("CoxRegression without one BaseCumHazardTables of BaselineCells")
        cells = sorted(
            (float(c.get("time", "nan")), float(c.get("cumHazard", "nan")))
            for c in table.findall("BaselineCell")
        )
        self.times = np.array([t for t, _ in cells])
        self.hazards = np.array([h for _, h in cells])
        self.max_time = float(table.get("maxTime", "inf"))

    def score(self, frame: Frame) -> Prediction:
        """Cumulative hazard per row."""
        n = frame.n
        linear = np.zeros(n)
        for p, cells in enumerate(self.cells):
            x = np.ones(n)
            for predictor, is_factor, level in cells:
                values = frame.get(predictor)
                if is_factor:
                    missing = np.array([v is None or v != v for v in values], dtype=bool)
                    indicator = (values == level).astype(float)
                    indicator[missing] = np.nan
                    x = x * indicator
                else:
                    x = x * np.power(values.astype(float), level)
            linear = linear + self.beta[p] * (x - self.reference[p])
        time = frame.get(self.end_time).astype(float)
        position = np.searchsorted(self.times, time, side="right") - 1
        baseline = np.where(position >= 0, self.hazards[np.maximum(position, 0)], 0.0)
        with np.errstate(invalid="ignore", over="ignore"):
            hazard = baseline * np.exp(linear)
            hazard[(time > self.max_time) | np.isnan(time)] = np.nan
        return Prediction(hazard)
