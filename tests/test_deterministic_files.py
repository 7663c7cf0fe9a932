"""Model files depend only on the model: the same model tracked twice shares one file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import scipy.sparse
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from mmds_jupyter.capture import serialize

FOREST = "RandomForestClassifier(n_estimators=30, random_state=7).fit(X, y)"
DATA = "X, y = load_breast_cancer(return_X_y=True)"


def _forest_bytes_in_a_new_process(tmp_path: Path) -> bytes:
    out = tmp_path / "forest.skops"
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from sklearn.datasets import load_breast_cancer
        from sklearn.ensemble import RandomForestClassifier
        from mmds_jupyter.capture import serialize
        {DATA}
        Path({str(out)!r}).write_bytes(serialize.dump({FOREST}))
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    return out.read_bytes()


def _artifact_files(home: str) -> list[Path]:
    return [p for p in (Path(home) / "artifacts").rglob("*") if p.is_file()]


def test_the_same_forest_tracked_twice_writes_one_file(sqlite_reg, cancer, tmp_path):
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    forest = RandomForestClassifier(n_estimators=30, random_state=7).fit(X, y)
    first = sqlite_reg.track(forest, name="forest", project="risk")
    second = sqlite_reg.track(forest, name="forest", project="risk")
    assert first.version != second.version
    assert first.artifact_sha256 == second.artifact_sha256
    assert len(_artifact_files(sqlite_reg.home)) == 1
    # A fresh fit with the same seed, in another process (other object ids, other time).
    again = _forest_bytes_in_a_new_process(tmp_path)
    assert again == serialize.dump(forest)
    third = sqlite_reg.track(serialize.load(again, "skops"), name="forest", project="risk")
    assert third.artifact_sha256 == first.artifact_sha256
    assert len(_artifact_files(sqlite_reg.home)) == 1
    loaded = sqlite_reg.load(first.ref)
    assert (loaded.predict_proba(X) == forest.predict_proba(X)).all()


def test_files_hold_no_time_or_object_ids():
    import io
    import json
    from zipfile import ZipFile

    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
        ["good day", "bad day", "good night", "bad night"], [1, 0, 1, 0]
    )
    data = serialize.dump(model)
    with ZipFile(io.BytesIO(data)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        names = zf.namelist()
        schema = json.loads(zf.read("schema.json"))
    assert names[0] == "schema.json" and names[1:] == sorted(names[1:])
    ids: list[int] = []

    def walk(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            if isinstance(node.get("__id__"), int):
                ids.append(node["__id__"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert ids and max(ids) <= len(ids) and min(ids) == 1
    assert serialize.dump(model) == data
    back = serialize.load(data, "skops", trusted=True)
    assert list(back.predict(["good evening", "bad evening"])) == [1, 0]


def test_sparse_and_bytes_are_deterministic_too():
    from sklearn.preprocessing import FunctionTransformer

    matrix = scipy.sparse.random(20, 5, density=0.3, random_state=0, format="csr")
    model = FunctionTransformer(kw_args={"m": matrix, "raw": b"\x00\x01", "arr": np.arange(4)})
    data = serialize.dump(model)
    assert serialize.dump(model) == data
    back = serialize.load(data, "skops", trusted=True)
    assert (back.kw_args["m"] != matrix).nnz == 0 and back.kw_args["raw"] == b"\x00\x01"
