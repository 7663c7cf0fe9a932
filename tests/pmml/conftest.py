"""Fixtures for the PMML tests."""

from __future__ import annotations

import pandas as pd
import pytest
from pmml_helpers import score_pypmml


@pytest.fixture(scope="session")
def pypmml_available() -> None:
    """Skip when Java or pypmml is missing (never expected on the project's machines)."""
    try:
        score_pypmml(
            '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/><DataDictionary>'
            '<DataField name="x" optype="continuous" dataType="double"/>'
            '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
            '<RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/>'
            '<MiningField name="y" usageType="target"/></MiningSchema>'
            '<RegressionTable intercept="1"><NumericPredictor name="x" coefficient="2"/>'
            "</RegressionTable></RegressionModel></PMML>",
            pd.DataFrame({"x": [1.0]}),
        )
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"pypmml cannot score (is Java installed?): {exc}")
