"""Evaluator behaviour checked against hand-computed answers where pypmml cannot be the judge."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmds_jupyter.pmml import PMMLEvaluator, load_pmml

XOR_TREE = """<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/><DataDictionary>
<DataField name="a" optype="continuous" dataType="double"/>
<DataField name="b" optype="continuous" dataType="double"/>
<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
<TreeModel functionName="regression"><MiningSchema><MiningField name="a"/><MiningField name="b"/>
<MiningField name="y" usageType="target"/></MiningSchema>
<Node score="0"><True/>
<Node score="1"><CompoundPredicate booleanOperator="xor">
<SimplePredicate field="a" operator="greaterThan" value="0"/>
<SimplePredicate field="b" operator="greaterThan" value="0"/></CompoundPredicate></Node>
<Node score="2"><True/></Node></Node></TreeModel></PMML>"""


def test_xor_follows_the_pmml_specification() -> None:
    # pypmml 1.5.8 evaluates every xor as FALSE, so this case is checked by hand: TRUE when an
    # odd number of parts are TRUE, UNKNOWN (here: no true child, so null) when one is missing.
    evaluator = PMMLEvaluator(load_pmml(XOR_TREE))
    df = pd.DataFrame({"a": [1.0, 1.0, -1.0, -1.0, np.nan], "b": [1.0, -1.0, 1.0, -1.0, 1.0]})
    result = evaluator.predict(df)["predicted_y"].to_numpy()
    np.testing.assert_array_equal(result, [2.0, 1.0, 1.0, 2.0, 2.0])


def test_rows_keep_the_callers_index() -> None:
    evaluator = PMMLEvaluator(load_pmml(XOR_TREE))
    df = pd.DataFrame({"a": [1.0, -1.0], "b": [1.0, 1.0]}, index=["r1", "r2"])
    assert list(evaluator.predict(df).index) == ["r1", "r2"]


def test_missing_input_column_counts_as_missing() -> None:
    evaluator = PMMLEvaluator(load_pmml(XOR_TREE))
    result = evaluator.predict(pd.DataFrame({"a": [1.0]}))
    # b is missing, so xor is UNKNOWN and the True sibling is taken.
    assert result["predicted_y"].tolist() == [2.0]
