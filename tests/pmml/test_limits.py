"""Hostile or huge PMML: a clear error for absurd nesting, bounded memory for big files."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from generated import deep_expression, deep_predicate, deep_tree, write_forest

from mmds_jupyter.errors import MMDSError
from mmds_jupyter.pmml import PMMLError, PMMLEvaluator, load_pmml
from mmds_jupyter.pmml.adapter import PMMLModel
from mmds_jupyter.pmml.loader import MAX_NESTING, MAX_TREE_DEPTH


@pytest.mark.parametrize(
    ("document", "limit"),
    [
        (deep_tree(3000), r"1,000 Nodes deep \(MAX_TREE_DEPTH\)"),
        (deep_predicate(3000), "more than 100 elements deep"),
        (deep_expression(3000), "more than 100 elements deep"),
    ],
    ids=["tree", "compound-predicate", "expression"],
)
def test_nesting_3000_deep_is_refused_naming_the_limit(document: str, limit: str) -> None:
    with pytest.raises(PMMLError, match=limit) as info:
        PMMLModel(document.encode())
    assert isinstance(info.value, MMDSError)


def test_nesting_at_the_limits_loads_and_scores() -> None:
    import pandas as pd

    x = pd.DataFrame({"x": [-5.0, 0.5, 10.5, 5000.0]})
    # The chain of splits: a row ends at the deepest node whose threshold it exceeds.
    tree = PMMLEvaluator(load_pmml(deep_tree(MAX_TREE_DEPTH - 1)))
    assert tree.predict(x).iloc[:, 0].tolist() == [-1.0, 0.0, 10.0, float(MAX_TREE_DEPTH - 2)]
    # PMML, TransformationDictionary and DerivedField hold the Applies, the innermost holds a
    # FieldRef; PMML and TreeModel hold the predicates (tree Nodes are not counted).
    expression = PMMLEvaluator(load_pmml(deep_expression(MAX_NESTING - 4)))
    assert expression.predict(x).iloc[:, 0].tolist() == [v + MAX_NESTING - 4 for v in x["x"]]
    predicate = PMMLEvaluator(load_pmml(deep_predicate(MAX_NESTING - 3)))
    assert predicate.predict(x).iloc[:, 0].tolist() == [0.0, 1.0, 1.0, 1.0]


def _tree_document(node_children: str) -> str:
    return (
        '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/><DataDictionary>'
        '<DataField name="x" optype="continuous" dataType="double"/>'
        '<DataField name="y" optype="categorical" dataType="string"/></DataDictionary>'
        '<TreeModel functionName="classification"><MiningSchema><MiningField name="x"/>'
        '<MiningField name="y" usageType="target"/></MiningSchema>'
        f'<Node score="a"><True/>{node_children}</Node></TreeModel></PMML>'
    )


@pytest.mark.parametrize(
    "predicate",
    [
        '<SimplePredicate field="ghost" operator="greaterThan" value="0"/>',
        '<CompoundPredicate booleanOperator="or">'
        '<SimplePredicate field="x" operator="greaterThan" value="0"/>'
        '<SimplePredicate field="ghost" operator="isMissing"/></CompoundPredicate>',
    ],
    ids=["simple", "compound"],
)
def test_an_undeclared_field_in_a_tree_node_is_refused(predicate: str) -> None:
    """Tree Nodes are read into tables, not elements: their fields are still checked."""
    document = _tree_document(f'<Node score="b">{predicate}</Node>')
    with pytest.raises(PMMLError, match="'ghost' is used by <SimplePredicate> but never declared"):
        load_pmml(document)


def test_a_tree_read_into_a_table_is_described_and_scored_like_the_document() -> None:
    import pandas as pd

    from mmds_jupyter.pmml.describe import describe

    document = _tree_document(
        '<Node score="b" id="left"><SimplePredicate field="x" operator="lessOrEqual" value="1"/>'
        '<ScoreDistribution value="b" recordCount="3"/><ScoreDistribution value="c" '
        'recordCount="1"/></Node>'
        '<Node score="a" id="right"><Extension name="note"/><SimplePredicate field="x" '
        'operator="greaterThan" value="1"/></Node>'
    )
    doc = load_pmml(document)
    # No Node is left in the element tree; the TreeModel's table holds all three.
    assert next(doc.root.iter("Node"), None) is None
    nodes = doc.nodes(doc.model)
    assert nodes is not None and len(nodes) == 3
    assert nodes.children(0).tolist() == [1, 2]
    assert [e.tag for e in nodes.elements()] == ["Extension"]
    info = describe(doc)
    assert info["params"]["nodes"] == info["params"]["total_nodes"] == 3
    assert info["classes"] == ["b", "c"]  # the ScoreDistributions' values, in node order
    out = PMMLEvaluator(doc).predict(pd.DataFrame({"x": [0.0, 2.0]}))
    assert out["predicted_y"].tolist() == ["b", "a"]
    assert out["probability(b)"].tolist()[0] == 0.75


def test_a_node_number_that_is_not_a_number_is_refused_clearly() -> None:
    document = _tree_document('<Node score="b" recordCount="many"><True/></Node>')
    with pytest.raises(PMMLError, match="Node recordCount='many' in the PMML document is not"):
        load_pmml(document)


CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    import numpy as np
    import pandas as pd
    import psutil

    from mmds_jupyter.pmml.adapter import PMMLModel

    baseline = psutil.Process().memory_info().rss
    model = PMMLModel(Path(sys.argv[1]).read_bytes())
    X = pd.DataFrame(
        np.random.default_rng(0).normal(size=(10_000, 10)), columns=[f"x{i}" for i in range(10)]
    )
    probabilities = model.predict_proba(X)
    # This process's own high-water mark: ru_maxrss would also count the parent's (pytest's)
    # memory, which Linux carries across the fork and exec that started it.
    status = Path("/proc/self/status").read_text()
    peak = int(next(ln for ln in status.splitlines() if ln.startswith("VmHWM:")).split()[1]) * 1024
    print(json.dumps({"baseline": baseline, "peak": peak, "rows": len(probabilities)}))
    """
)


@pytest.mark.slow
def test_a_90_mb_forest_loads_and_scores_in_a_small_multiple_of_its_size(tmp_path: Path) -> None:
    path = tmp_path / "forest.pmml"
    write_forest(path, 90 * 2**20)
    size = path.stat().st_size
    assert 85 * 2**20 < size < 100 * 2**20
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["rows"] == 10_000
    # The file's bytes (kept for the artifact store), the Nodes' tables and the compiled trees:
    # 2.5 times the file on a 92 MB forest. With the Nodes as elements it took 7.5 times,
    # before the parse built compact elements 12.5 times.
    assert result["peak"] - result["baseline"] < 3.5 * size, result
