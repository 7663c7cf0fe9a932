"""Benchmark: production scoring on Spark vs Dask vs pandas, and MMDS's Spark capture vs MLflow.

Scoring: one 100-tree scikit-learn forest, production mode (contract check, predict, score set
written with its record) on the same rows by ``Registry.score`` with ``engine="spark"``
(``local[2]``), ``engine="dask"`` (a local cluster of 2 single-threaded workers) and the local
pandas engine (one process); and a 100-tree spark.ml forest pipeline scored natively in Spark.
Rows per second side by side, with ratios to pandas; the Spark scikit-learn call is timed twice,
first in a fresh session (Python workers started, queries compiled), then again.

Capture: ``mmds.track`` of the spark.ml pipeline (with test metrics computed in Spark, the test
set fingerprinted, the model archived) vs ``mlflow.spark.log_model`` of the same pipeline in a
run with its test accuracy logged (MLflow is in the project's venv).

    python bench/spark.py                  # 10,000,000 rows
    python bench/spark.py --rows 1000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mmds_jupyter.registry import Registry  # noqa: E402

TREES = 100


def frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "id": np.arange(n, dtype="int64"),
            "amount": rng.normal(size=n),
            "visits": rng.integers(0, 6, n).astype("int64"),
            "colour": pd.array(rng.choice(["red", "green", "blue"], n), dtype="str"),
        }
    )
    score = df["amount"] + 0.4 * df["visits"] - 1.0 + (df["colour"] == "red")
    df["label"] = (score + rng.normal(0, 0.5, n) > 0).astype("int64")
    return df


def spark_session() -> Any:
    import os

    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # pandas UDFs run this Python
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    train = frame(20_000, 1)
    inputs = ["amount", "visits", "colour"]
    pre = ColumnTransformer([("colour", OneHotEncoder(), ["colour"])], remainder="passthrough")
    sk = Pipeline([("pre", pre), ("clf", RandomForestClassifier(TREES, max_depth=8, n_jobs=1))])
    sk.fit(train[inputs], train["label"])

    spark = spark_session()
    with tempfile.TemporaryDirectory(prefix="mmds-bench-spark-") as tmp:
        reg = Registry(url=f"sqlite:///{tmp}/mmds.db", home=f"{tmp}/home", actor="bench")
        test = frame(5_000, 2)
        sk_v = reg.set_stage(
            reg.track(sk, name="sk", X_test=test[inputs], y_test=test["label"]).ref, "production"
        )
        batch = frame(args.rows, 3).drop(columns="label")
        path = Path(tmp) / "batch.parquet"
        batch.to_parquet(path, index=False, row_group_size=500_000)
        spark_batch = spark.read.parquet(str(path)).repartition(8).cache()
        spark_batch.count()
        rates: dict[str, float] = {}

        secs, _ = timed(lambda: reg.score(sk_v.ref, batch, mode="production", key="id"))
        rates["pandas (1 process)"] = args.rows / secs
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
            secs, _ = timed(
                lambda: reg.score(
                    sk_v.ref,
                    batch,
                    mode="production",
                    key="id",
                    engine="dask",
                    scheduler=cluster.scheduler_address,
                    replace=True,
                )
            )
        rates["Dask (2 workers)"] = args.rows / secs
        secs, _ = timed(
            lambda: reg.score(
                sk_v.ref, spark_batch, mode="production", key="id", engine="spark", replace=True
            )
        )
        rates["Spark local[2], scikit-learn model"] = args.rows / secs
        # the same call again: Spark's Python workers are started, have imported scikit-learn
        # and MMDS and loaded the model, and the JVM has compiled the queries
        secs, _ = timed(
            lambda: reg.score(
                sk_v.ref, spark_batch, mode="production", key="id", engine="spark", replace=True
            )
        )
        rates["  again, in the warm session"] = args.rows / secs

        # the spark.ml forest: capture vs MLflow, then native scoring
        from pyspark.ml import Pipeline as SparkPipeline
        from pyspark.ml.classification import RandomForestClassifier as SparkForest
        from pyspark.ml.evaluation import MulticlassClassificationEvaluator
        from pyspark.ml.feature import OneHotEncoder as SparkOneHot
        from pyspark.ml.feature import StringIndexer, VectorAssembler

        spark_train = spark.createDataFrame(train).cache()
        spark_test = spark.createDataFrame(test).cache()
        pipe = SparkPipeline(
            stages=[
                StringIndexer(inputCol="colour", outputCol="colour_idx"),
                SparkOneHot(inputCols=["colour_idx"], outputCols=["colour_vec"]),
                VectorAssembler(inputCols=["amount", "visits", "colour_vec"], outputCol="features"),
                SparkForest(numTrees=TREES, maxDepth=8),
            ]
        )
        model = pipe.fit(spark_train)
        mmds_secs, spark_v = timed(
            lambda: reg.track(model, name="spark_forest", X_test=spark_test, y_test="label")
        )
        import mlflow
        import mlflow.spark

        mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")

        def mlflow_capture() -> None:
            with mlflow.start_run():
                scored = model.transform(spark_test).selectExpr(
                    "*", "cast(label as double) as label_d"
                )
                acc = MulticlassClassificationEvaluator(
                    labelCol="label_d", metricName="accuracy"
                ).evaluate(scored)
                mlflow.log_metric("accuracy", acc)
                mlflow.spark.log_model(model, artifact_path="model")

        mlflow_secs, _ = timed(mlflow_capture)
        reg.set_stage(spark_v.ref, "production")
        secs, _ = timed(lambda: reg.score(spark_v.ref, spark_batch, mode="production", key="id"))
        rates["Spark local[2], spark.ml forest"] = args.rows / secs
        reg.close()
    spark.stop()

    base = rates["pandas (1 process)"]
    print(f"Production scoring of {args.rows:,} rows, {TREES}-tree forest")
    for name, rate in rates.items():
        print(f"  {name:<36} {rate:>12,.0f} rows/s  {rate / base:5.2f}x pandas")
    print("Capture of the spark.ml pipeline with test accuracy")
    print(f"  MMDS mmds.track (all metrics, fingerprint, archive) {mmds_secs:7.2f} s")
    print(f"  MLflow log_metric + mlflow.spark.log_model          {mlflow_secs:7.2f} s")
    print(f"  ratio MMDS / MLflow: {mmds_secs / mlflow_secs:.2f}")


if __name__ == "__main__":
    main()
