"""Scoring with Spark: a spark.ml version in production, a scikit-learn version on a Spark
DataFrame (the same outputs as on pandas), the contract checked in Spark, and a Spark and a
scikit-learn model of one task compared, searched and traced side by side."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from mmds_jupyter.registry import Registry
from mmds_jupyter.scoring.validate import ContractViolation

from .conftest import to_pandas

INPUTS = ["amount", "visits", "colour"]


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory,
    forest: Any,
    data: dict[str, Any],
    pandas_data: dict[str, pd.DataFrame],
) -> Any:
    """A registry with the Spark forest and a scikit-learn forest of the same task, both in
    production."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    home = tmp_path_factory.mktemp("spark-scoring")
    reg = Registry(url=f"sqlite:///{home / 'mmds.db'}", home=str(home / "home"), actor="maya")
    train, test = pandas_data["train"], pandas_data["test"]
    pre = ColumnTransformer([("colour", OneHotEncoder(), ["colour"])], remainder="passthrough")
    sk = Pipeline([("pre", pre), ("clf", RandomForestClassifier(20, random_state=0))])
    sk.fit(train[INPUTS], train["label"])
    sk_v = reg.track(
        sk,
        name="churn_sklearn",
        X_test=test[[*INPUTS, "country"]],
        y_test=test["label"],
        slices=["country"],
    )
    spark_v = reg.track(
        forest, name="churn_spark", X_test=data["test"], y_test="label", slices=["country"]
    )
    for v in (sk_v, spark_v):
        reg.set_stage(v.ref, "production")
    yield reg, reg.get(spark_v.ref), reg.get(sk_v.ref)
    reg.close()


def _scoring_input(df: Any) -> Any:
    from pyspark.sql import functions as F

    return df.withColumn("id", F.monotonically_increasing_id()).drop("label")


def test_spark_version_scores_in_production(both: Any, data: dict[str, Any], forest: Any) -> None:
    reg, spark_v, _ = both
    batch = _scoring_input(data["test"])
    result = reg.score(spark_v.ref, batch, mode="production", key="id")
    assert type(result.outputs).__name__ == "DataFrame" and hasattr(result.outputs, "rdd")
    assert result.score_set_id is not None and result.n_rows == 120
    stored = reg.load_scores(result.score_set_id)
    assert list(stored.columns) == [
        "id",
        "prediction",
        "probability(0)",
        "probability(1)",
        "mmds_flags",
    ]
    assert len(stored) == 120 and (stored["mmds_flags"] == "").all()
    expected = to_pandas(
        forest.transform(batch).selectExpr("id", "cast(prediction as bigint) as prediction")
    )
    merged = stored.merge(expected, on="id", suffixes=("", "_spark"))
    assert (merged["prediction"] == merged["prediction_spark"]).all()
    listed = reg.scores(spark_v.ref)
    assert len(listed) == 1
    # the same input again is refused, as for pandas score sets
    with pytest.raises(Exception, match="already"):
        reg.score(spark_v.ref, batch, mode="production", key="id")


def test_contract_violation_in_spark_writes_nothing(both: Any, data: dict[str, Any]) -> None:
    from pyspark.sql import functions as F

    reg, spark_v, _ = both
    before = len(reg.scores(spark_v.ref))
    batch = _scoring_input(data["test"]).withColumn(
        "colour", F.when(F.col("visits") == 0, F.lit("purple")).otherwise(F.col("colour"))
    )
    purple = batch.where("colour = 'purple'").count()
    with pytest.raises(ContractViolation) as err:
        reg.score(spark_v.ref, batch, mode="production", key="id", policy="reject")
    assert f"column 'colour': {purple} row(s) with unknown categories" in str(err.value)
    with pytest.raises(ContractViolation, match="missing column 'amount'"):
        reg.score(spark_v.ref, batch.drop("amount"), mode="production", key="id")
    assert len(reg.scores(spark_v.ref)) == before
    # flagged, not refused, under the default policy (test mode writes nothing)
    flagged = reg.score(spark_v.ref, batch, mode="test", key="id")
    rows = to_pandas(flagged.outputs)
    assert (rows["mmds_flags"] == "colour").sum() == purple


def test_sklearn_version_scored_on_spark_as_on_pandas(
    both: Any, data: dict[str, Any], pandas_data: dict[str, pd.DataFrame]
) -> None:
    reg, _, sk_v = both
    batch = pandas_data["test"].drop(columns="label").reset_index(names="id")
    on_pandas = reg.score(sk_v.ref, batch, mode="test", key="id").outputs
    on_spark = reg.score(sk_v.ref, batch, mode="test", key="id", engine="spark").outputs
    got = to_pandas(on_spark).sort_values("id").reset_index(drop=True)
    assert list(got.columns) == list(on_pandas.columns)
    pd.testing.assert_frame_equal(got, on_pandas, check_dtype=False)


def _model_loads(sha: str) -> Any:
    """A mapInPandas function giving each Python worker's pid and how many times it
    deserialized the model file ``sha``."""

    def report(batches: Any) -> Any:
        import os

        from mmds_jupyter.scoring.distributed import loads

        for _ in batches:
            yield pd.DataFrame({"pid": [os.getpid()], "loads": [loads.get((sha, False), 0)]})

    return report


def test_sklearn_model_loaded_once_per_spark_worker(
    both: Any, spark: Any, pandas_data: dict[str, pd.DataFrame]
) -> None:
    """Arrow hands each partition to the Python workers in many small batches: each worker
    deserializes the model file once, and the batches are scored as pandas scores them."""
    reg, _, sk_v = both
    batch = pandas_data["test"].drop(columns="label").reset_index(names="id")
    on_pandas = reg.score(sk_v.ref, batch, mode="test", key="id").outputs
    setting = "spark.sql.execution.arrow.maxRecordsPerBatch"
    before = spark.conf.get(setting)
    spark.conf.set(setting, "7")  # dozens of Arrow batches per partition
    try:
        frame = spark.createDataFrame(batch).repartition(4)
        on_spark = reg.score(sk_v.ref, frame, mode="test", key="id", engine="spark").outputs
        got = to_pandas(on_spark).sort_values("id").reset_index(drop=True)
        reported = to_pandas(
            frame.mapInPandas(_model_loads(sk_v.artifact_sha256), "pid bigint, loads bigint")
        )
    finally:
        spark.conf.set(setting, before)
    pd.testing.assert_frame_equal(got, on_pandas, check_dtype=False)
    per_worker = reported.groupby("pid")["loads"].max()
    assert per_worker.max() == 1, per_worker.to_dict()


def test_spark_and_sklearn_side_by_side(both: Any) -> None:
    reg, spark_v, sk_v = both
    comparison = reg.compare(spark_v.ref, sk_v.ref)
    rows = {(section, key): values for section, key, values, _ in comparison.rows()}
    accuracy = rows[("metrics", "accuracy")]
    assert accuracy == [spark_v.metric("accuracy"), sk_v.metric("accuracy")]
    us = rows[("slice metrics", "country=US roc_auc")]
    assert None not in us and us == [
        spark_v.metric("roc_auc", "country=US"),
        sk_v.metric("roc_auc", "country=US"),
    ]
    found = reg.find(feature="colour")
    assert {*found["ref"]} >= {spark_v.ref, sk_v.ref}
    assert list(reg.find(estimator="PipelineModel")["ref"]) == [spark_v.ref]
    graph = reg.lineage(spark_v.ref)
    upstream = graph.upstream()
    assert [n.kind for n in upstream] == ["dataset"]
    assert upstream[0].id == reg.datasets(spark_v)[0]["id"]


def test_drift_of_a_spark_score_set_is_that_of_pandas(
    both: Any, data: dict[str, Any], pandas_data: dict[str, pd.DataFrame]
) -> None:
    reg, spark_v, sk_v = both
    batch = pandas_data["train"].drop(columns="label").reset_index(names="id")
    batch["amount"] += 0.75  # one input drifts
    batch.loc[::7, "visits"] = None  # and some values are missing
    on_pandas = reg.score(sk_v.ref, batch, mode="production", key="id")
    on_spark = reg.score(sk_v.ref, batch, mode="production", key="id", engine="spark")
    expected = on_pandas.drift.to_frame()
    assert "amount" in on_pandas.drift.drifting and "probability(1)" in set(expected["column"])
    pd.testing.assert_frame_equal(on_spark.drift.to_frame(), expected)
    stored = reg.drift(sk_v.ref, score_set=on_spark.score_set_id)
    assert stored.score_set_id == on_spark.score_set_id
    pd.testing.assert_frame_equal(stored.to_frame(), expected)

    # A spark.ml version's score set: its stored drift is the drift of the same rows and
    # scores computed from pandas.
    spark_batch = _scoring_input(data["train"])
    result = reg.score(spark_v.ref, spark_batch, mode="production", key="id")
    rows = to_pandas(spark_batch).merge(reg.load_scores(result.score_set_id), on="id")
    pd.testing.assert_frame_equal(result.drift.to_frame(), reg.drift(spark_v.ref, rows).to_frame())
