"""One SparkSession (local[2]) for every Spark test, and small generated data sets.

pyspark is an optional extra: without it these tests are skipped (CI installs it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")

# pyspark 4.x warns on every pandas conversion that it does not fully support pandas 3.
PANDAS_3 = "ignore:PySpark does not yet fully support pandas:FutureWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/spark/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.filterwarnings(PANDAS_3))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    import warnings

    from pyspark.sql import SparkSession

    # Spark's Python workers (pandas UDFs) run this interpreter, with its packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        session = (
            SparkSession.builder.master("local[2]")
            .appName("mmds-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def frame(n: int, seed: int) -> pd.DataFrame:
    """A binary task: a number, a count, a colour and a country (for slices)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "amount": rng.normal(size=n),
            "visits": rng.integers(0, 6, n).astype("int64"),
            "colour": rng.choice(["red", "green", "blue"], n),
            "country": rng.choice(["US", "DE"], n),
        }
    )
    score = (
        df["amount"] + 0.4 * df["visits"] - 1.0 + (df["colour"] == "red") + rng.normal(0, 0.5, n)
    )
    df["label"] = (score > 0).astype("int64")
    return df


@pytest.fixture(scope="session")
def pandas_data() -> dict[str, pd.DataFrame]:
    return {"train": frame(300, 1), "test": frame(120, 2)}


@pytest.fixture(scope="session")
def data(spark: Any, pandas_data: dict[str, pd.DataFrame]) -> dict[str, Any]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark 4 and pandas 3 warn about each other
        return {k: spark.createDataFrame(v).cache() for k, v in pandas_data.items()}


def to_pandas(df: Any) -> pd.DataFrame:
    """``df.toPandas()`` without pyspark's and pandas 3's warnings about each other (which,
    as errors, would break pyspark's Arrow conversion midway)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return df.toPandas()


def pipeline(final: Any) -> Any:
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import OneHotEncoder, StringIndexer, VectorAssembler

    return Pipeline(
        stages=[
            StringIndexer(inputCol="colour", outputCol="colour_idx"),
            OneHotEncoder(inputCols=["colour_idx"], outputCols=["colour_vec"]),
            VectorAssembler(inputCols=["amount", "visits", "colour_vec"], outputCol="features"),
            final,
        ]
    )


@pytest.fixture(scope="session")
def forest(data: dict[str, Any]) -> Any:
    """A fitted PipelineModel ending in a 10-tree forest."""
    from pyspark.ml.classification import RandomForestClassifier

    return pipeline(RandomForestClassifier(numTrees=10, maxDepth=4, seed=7)).fit(data["train"])
