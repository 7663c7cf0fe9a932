"""spark.ml capture: a fitted PipelineModel tracked as a scikit-learn one is, measured in Spark,
stored in Spark ML's own format and loaded back into a working model."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

import mmds_jupyter
from mmds_jupyter.errors import InvalidInput
from mmds_jupyter.registry import Registry

from .conftest import to_pandas


@pytest.fixture
def reg(tmp_path: Path) -> Any:
    r = Registry(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path / "home"), actor="maya")
    yield r
    r.close()


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory, forest: Any, data: dict[str, Any]) -> Any:
    """One capture with test, slices and training data, shared by the tests that read it."""
    home = tmp_path_factory.mktemp("spark-reg")
    r = Registry(url=f"sqlite:///{home / 'mmds.db'}", home=str(home / "home"), actor="maya")
    v = r.track(
        forest,
        name="churn",
        X_test=data["test"],
        y_test="label",
        slices=["country"],
        X_train=data["train"],
        y_train="label",
    )
    yield r, v
    r.close()


def test_capture_records_the_pipeline(tracked: Any, forest: Any, spark: Any) -> None:
    _, v = tracked
    assert v.framework == "spark.ml"
    assert v.estimator_class == "pyspark.ml.PipelineModel"
    assert v.task == "binary"
    assert v.environment["spark"] == {
        "version": spark.version,
        "master": "local[2]",
        "app_id": spark.sparkContext.applicationId,
    }
    # the stages as a tree, every stage's parameters, explicit and default
    assert [c["name"] for c in v.steps["children"]] == [
        "stringindexer",
        "onehotencoder",
        "vectorassembler",
        "randomforestclassifier",
    ]
    assert v.steps["children"][3]["class"] == (
        "pyspark.ml.classification.RandomForestClassificationModel"
    )
    assert v.params["randomforestclassifier__numTrees"] == 10  # explicit
    assert v.params["randomforestclassifier__maxBins"] == 32  # default
    assert v.params["stringindexer__handleInvalid"] == "error"
    assert v.params["vectorassembler__inputCols"] == ["amount", "visits", "colour_vec"]
    # the raw columns behind the indexer, encoder and assembler, with their types
    features = {f.name: f for f in v.features}
    assert list(features) == ["colour", "amount", "visits"]
    assert features["colour"].dtype == "str"
    assert features["amount"].dtype == "float64"
    assert features["visits"].dtype == "int64"
    assert [o["name"] for o in v.outputs] == ["prediction", "probability(0)", "probability(1)"]


def test_metrics_are_sparks_own(tracked: Any, forest: Any, data: dict[str, Any]) -> None:
    from pyspark.ml.evaluation import (
        BinaryClassificationEvaluator,
        MulticlassClassificationEvaluator,
    )
    from pyspark.sql import functions as F

    _, v = tracked
    scored = forest.transform(data["test"]).withColumn("label", F.col("label").cast("double"))
    accuracy = MulticlassClassificationEvaluator(metricName="accuracy").evaluate(scored)
    auc = BinaryClassificationEvaluator(metricName="areaUnderROC").evaluate(scored)
    f1 = MulticlassClassificationEvaluator(metricName="fMeasureByLabel", metricLabel=1.0)
    assert v.metric("accuracy") == pytest.approx(accuracy)
    assert v.metric("roc_auc") == pytest.approx(auc)
    assert v.metric("f1") == pytest.approx(f1.evaluate(scored))
    # the same names and values as scikit-learn's metrics of the same predictions
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    rows = scored.select("label", "prediction", "probability").collect()
    y = [r["label"] for r in rows]
    pred = [r["prediction"] for r in rows]
    assert v.metric("accuracy") == pytest.approx(accuracy_score(y, pred))
    assert v.metric("f1") == pytest.approx(f1_score(y, pred))
    assert v.metric("roc_auc") == pytest.approx(
        roc_auc_score(y, [r["probability"][1] for r in rows]), abs=1e-9
    )
    assert v.metric("log_loss") is not None
    us = scored.where("country = 'US'")
    assert v.metric("accuracy", "country=US") == pytest.approx(
        MulticlassClassificationEvaluator(metricName="accuracy").evaluate(us)
    )
    # the test rows each line was measured on, as scikit-learn's capture counts them
    assert v.metric("rows") == len(rows)
    assert v.metric("rows", "country=US") == us.count()
    assert {m.name for m in v.metrics if m.slice is None} == {
        "rows",
        "accuracy",
        "f1",
        "roc_auc",
        "log_loss",
    }


def test_datasets_fingerprinted_in_spark(tracked: Any, data: dict[str, Any]) -> None:
    from mmds_jupyter.capture.adapters.spark_data import fingerprint

    r, v = tracked
    test = data["test"].select("colour", "amount", "visits", "label")
    record = fingerprint(test)
    assert record["n_rows"] == 120 and record["n_cols"] == 4
    assert record["schema"] == {
        "colour": "str",
        "amount": "float64",
        "visits": "int64",
        "label": "int64",
    }
    pdf = to_pandas(test)
    amount = record["stats"]["amount"]
    assert amount["mean"] == pytest.approx(pdf["amount"].mean())
    assert amount["std"] == pytest.approx(pdf["amount"].std(ddof=0))
    assert amount["min"] == pdf["amount"].min() and amount["max"] == pdf["amount"].max()
    colour = record["stats"]["colour"]
    assert colour["kind"] == "categorical" and colour["n_unique"] == 3
    assert colour["top"] == {k: int(n) for k, n in pdf["colour"].value_counts().items()}
    # the same rows in another order and partitioning hash alike; other rows do not
    assert (
        fingerprint(test.repartition(3).orderBy("amount"))["content_hash"] == record["content_hash"]
    )
    assert fingerprint(test.limit(119))["content_hash"] != record["content_hash"]
    recorded = {d["relation"]: d for d in r.datasets(v)}
    assert recorded["evaluated_on"]["content_hash"] == record["content_hash"]
    assert recorded["trained_on"]["n_rows"] == 300


def test_load_gives_identical_predictions(tracked: Any, forest: Any, data: dict[str, Any]) -> None:
    r, v = tracked
    assert v.artifact_format == "spark"
    loaded = r.load(v.ref)
    assert type(loaded).__name__ == "PipelineModel"
    cols = ["prediction", "probability"]
    before = [tuple(x) for x in forest.transform(data["test"]).select(*cols).collect()]
    after = [tuple(x) for x in loaded.transform(data["test"]).select(*cols).collect()]
    assert after == before
    # one deterministic archive: the same model makes the same content-addressed file
    again = r.track(forest, name="churn_again")
    assert again.artifact_sha256 == v.artifact_sha256


def _archive(entries: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, blob in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return gzip.compress(buf.getvalue())


def test_unsafe_model_files_are_refused(spark: Any, tmp_path: Path) -> None:
    from mmds_jupyter.capture import serialize

    escape = _archive({"../../escaped.txt": b"x"})
    with pytest.raises(InvalidInput, match="unsafe entry"):
        serialize.load(escape, "spark", label="The file")
    assert not (tmp_path.parent / "escaped.txt").exists()
    link = _archive({}, {"model": "/etc"})
    with pytest.raises(InvalidInput, match="unsafe entry"):
        serialize.load(link, "spark", label="The file")
    manifest = json.dumps({"class": "os.system"}).encode()
    foreign = _archive({"mmds-spark.json": manifest, "model/metadata/part-00000": b"{}"})
    with pytest.raises(InvalidInput, match="not a pyspark.ml model class"):
        serialize.load(foreign, "spark", label="The file")


def test_bad_spark_captures_write_nothing(reg: Registry, forest: Any, data: dict[str, Any]) -> None:
    from pyspark.ml.classification import LogisticRegression

    with pytest.raises(InvalidInput, match="estimator, not a fitted model"):
        reg.track(LogisticRegression(), name="lr")
    with pytest.raises(InvalidInput, match="lacks the column.*'colour'"):
        reg.track(forest, name="churn", X_test=data["test"].drop("colour"), y_test="label")
    with pytest.raises(InvalidInput, match="Spark DataFrame"):
        reg.track(forest, name="churn", X_test=to_pandas(data["test"]), y_test="label")
    with pytest.raises(InvalidInput, match="does not know"):
        bad = data["test"].selectExpr("*", "label + 2 as wrong")
        reg.track(forest, name="churn", X_test=bad, y_test="wrong")
    assert reg.find().empty


def test_tracking_block_and_magic(tmp_path: Path, data: dict[str, Any]) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from pyspark.ml.classification import LogisticRegression

    from .conftest import pipeline

    mmds_jupyter.connect(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="maya")
    try:
        train, test = data["train"], data["test"]
        with mmds_jupyter.tracking(X_test=test, y_test="label") as versions:
            logistic = pipeline(LogisticRegression(maxIter=20)).fit(train)
        assert [v.ref for v in versions] == ["default/logistic:1"]
        assert versions[0].params["logisticregression__maxIter"] == 20
        assert versions[0].metric("roc_auc") is not None

        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "mmds_jupyter")
        shell.user_ns.update(model=logistic, test=test, target="label")
        v = shell.run_line_magic("mmds", "track model --name lr --test test target")
        assert v.ref == "default/lr:1" and v.framework == "spark.ml"
        assert v.metric("accuracy") == pytest.approx(versions[0].metric("accuracy"))
        shell.reset()
    finally:
        mmds_jupyter.default_registry().close()
