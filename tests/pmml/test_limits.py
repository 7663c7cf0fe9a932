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


CHILD = textwrap.dedent(
    """
    import json, resource, sys
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
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
    # The file's bytes (kept for the artifact store), its element tree and the compiled trees.
    # Before the parse built compact elements, it took 12.5 times the file.
    assert result["peak"] - result["baseline"] < 8 * size, result
