"""Spark DataFrames measured in Spark: fingerprints, metrics, contract and drift baseline.

Nothing is collected to the driver but aggregates (and the baseline's fixed sample of at most
``baseline.SCORE_ROWS`` rows). A data set's record has the shape of a pandas one
(:func:`..datasets.fingerprint`): content hash, row and column counts, schema as pandas-like
dtype names, per-column statistics. Its content hash covers every row, whatever the order or
partitioning: sha256 of the schema, the row count and the sums of two independent row hashes
(xxhash64 and murmur3), which Spark adds up where the rows are.

Metrics have scikit-learn's names (:mod:`..metrics`) and the values of Spark's own evaluators
(the tests hold them equal): accuracy, f1 (of the positive class, or macro over classes),
roc_auc (one-vs-rest for several classes), log_loss; rmse, mae, r2. They are aggregated in
Spark, every slice at once, in two jobs rather than one evaluator job per metric and slice.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import TYPE_CHECKING, Any

from ...errors import InvalidInput, MMDSError
from ...ranking import ROWS
from ..datasets import TOP_VALUES
from ..metrics import MAX_SLICE_VALUES
from .spark import (
    classes_of,
    final_stage,
    is_probabilistic,
    is_spark_frame,
    label_column,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ...scoring.contract import Contract
    from ..pipeline import CaptureRequest, Measured
    from .spark import SparkAdapter

_DTYPES = {
    "double": "float64",
    "float": "float32",
    "bigint": "int64",
    "int": "int32",
    "smallint": "int16",
    "tinyint": "int8",
    "boolean": "bool",
    "string": "str",
    "timestamp": "datetime64[us]",
    "timestamp_ntz": "datetime64[us]",
    "date": "object",
}
_NUMERIC = {"double", "float", "bigint", "int", "smallint", "tinyint", "boolean"}
_LABEL = "__mmds_label"
_SCORE = "__mmds_score"


def _type(field: Any) -> str:
    name = field.dataType.simpleString()
    if name.startswith("decimal"):
        return "double"
    return "vector" if name == "vector" else name


def dtype_names(df: DataFrame) -> dict[str, str]:
    """Each column's type as pandas names it (``float64``, ``int64``, ``str``...)."""
    return {f.name: _DTYPES.get(_type(f), _type(f)) for f in df.schema.fields}


def _number(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def fingerprint(df: DataFrame) -> dict[str, Any]:
    """The Dataset record of a Spark DataFrame, computed in Spark (one pass for the counts,
    hashes and numeric statistics, one small aggregation per text column)."""
    from pyspark.sql import functions as F

    types = {f.name: _type(f) for f in df.schema.fields}
    hashable = [c for c, t in types.items() if t != "vector"]
    cols = [F.col(f"`{c}`") for c in hashable]
    aggs = [F.count(F.lit(1)).alias("n")]
    if cols:
        aggs += [
            F.sum(F.xxhash64(*cols).cast("decimal(38,0)")).alias("h1"),
            F.sum(F.hash(*cols).cast("decimal(38,0)")).alias("h2"),
        ]
    numeric = [c for c, t in types.items() if t in _NUMERIC]
    text = [c for c, t in types.items() if t not in _NUMERIC and t != "vector"]
    for i, c in enumerate(numeric):
        col = F.col(f"`{c}`").cast("double")
        if types[c] in ("double", "float"):
            col = F.when(~F.isnan(col), col)  # NaN counts as missing, as in pandas
        aggs += [
            F.count(F.when(col.isNull(), 1)).alias(f"nulls{i}"),
            F.avg(col).alias(f"mean{i}"),
            F.stddev_pop(col).alias(f"std{i}"),
            F.min(col).alias(f"min{i}"),
            F.percentile_approx(col, F.array(*(F.lit(q) for q in (0.25, 0.5, 0.75))), 10_000).alias(
                f"q{i}"
            ),
            F.max(col).alias(f"max{i}"),
        ]
    for i, c in enumerate(text):
        aggs.append(F.count(F.when(F.col(f"`{c}`").isNull(), 1)).alias(f"tnulls{i}"))
    row = df.agg(*aggs).collect()[0]
    # Distinct counts in a job of their own: beside the other aggregates, Spark would group
    # them all by each text column's values (one set of buffers, quantile sketches included,
    # per distinct value) and, for two or more text columns, expand every row once per column.
    uniques: dict[str, Any] = (
        df.agg(*[F.count_distinct(F.col(f"`{c}`")).alias(f"tuniq{i}") for i, c in enumerate(text)])
        .collect()[0]
        .asDict()
        if text
        else {}
    )
    dtypes = {c: _DTYPES.get(t, t) for c, t in types.items()}
    stats: dict[str, dict[str, Any]] = {}
    for i, c in enumerate(numeric):
        entry: dict[str, Any] = {
            "dtype": dtypes[c],
            "nulls": int(row[f"nulls{i}"]),
            "kind": "numeric",
        }
        if row[f"min{i}"] is not None:
            q = row[f"q{i}"] or [None, None, None]
            entry.update(
                mean=_number(row[f"mean{i}"]),
                std=_number(row[f"std{i}"]),
                min=_number(row[f"min{i}"]),
                p25=_number(q[0]),
                p50=_number(q[1]),
                p75=_number(q[2]),
                max=_number(row[f"max{i}"]),
            )
        stats[c] = entry
    for i, c in enumerate(text):
        col = F.col(f"`{c}`").cast("string")
        top = (
            df.where(col.isNotNull())
            .groupBy(col.alias("v"))
            .count()
            .orderBy(F.desc("count"), F.asc("v"))
            .limit(TOP_VALUES)
            .collect()
        )
        stats[c] = {
            "dtype": dtypes[c],
            "nulls": int(row[f"tnulls{i}"]),
            "kind": "categorical",
            "n_unique": int(uniques[f"tuniq{i}"]),
            "top": {str(r["v"]): int(r["count"]) for r in top},
        }
    for c, t in types.items():
        if t == "vector":
            stats[c] = {"dtype": "vector", "nulls": None, "kind": "vector"}
    n_rows = int(row["n"])
    h = hashlib.sha256()
    h.update(json.dumps([[c, types[c]] for c in types]).encode())
    h.update(f"\x00{n_rows}".encode())
    if cols:
        h.update(f"\x00{row['h1'] or 0}\x00{row['h2'] or 0}".encode())
    return {
        "content_hash": h.hexdigest(),
        "n_rows": n_rows,
        "n_cols": len(types),
        "schema": dtypes,
        "stats": {c: stats[c] for c in types},
    }


def source_of(df: DataFrame) -> list[str]:
    """The files a DataFrame was read from (empty for one built in memory)."""
    try:
        return sorted(df.inputFiles())[:20]
    except Exception:  # noqa: BLE001 - a plan Spark cannot list files of
        return []


# -- checks -------------------------------------------------------------------------------


def _check_frame(df: Any, role: str, label: str) -> None:
    if not is_spark_frame(df):
        raise InvalidInput(
            f"{label} is a spark.ml model: pass the {role} set as a Spark DataFrame (with "
            f"the model's input columns and the target column), not {type(df).__name__}."
        )


def _check_columns(df: DataFrame, needed: list[str], role: str, label: str) -> None:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InvalidInput(
            f"The {role} set does not match {label}: it lacks the column(s) "
            f"{', '.join(map(repr, missing[:10]))}; its columns are "
            f"{', '.join(df.columns[:20])}. Pass a {role} DataFrame with every column the "
            "model reads and the target column."
        )


def _target(df: DataFrame, y: Any, model: Any, role: str, label: str) -> str:
    """The name of the target column: ``y`` when it names one, else the model's label."""
    if y is None:
        y = label_column(model)
        if y is None or y not in df.columns:
            raise InvalidInput(
                f"Name the {role} set's target column of {label}: y_{role}='label' (the "
                "target is a column of the Spark DataFrame)."
            )
    if not isinstance(y, str):
        raise InvalidInput(
            f"With a Spark DataFrame, y_{role} names its target column (e.g. 'label'), "
            f"not a {type(y).__name__}."
        )
    _check_columns(df, [y], role, label)
    return y


def _check_target(df: DataFrame, task: str, classes: list[int] | None, label: str) -> None:
    """Refuse missing target values and labels the model does not know, counted in Spark."""
    from pyspark.sql import functions as F

    y = F.col(_LABEL)
    aggs = [F.count(F.when(y.isNull() | F.isnan(y), 1)).alias("missing")]
    if classes is not None:
        aggs.append(
            F.count(F.when(y.isNotNull() & ~y.isin([float(c) for c in classes]), 1)).alias(
                "unknown"
            )
        )
    row = df.agg(*aggs).collect()[0]
    if row["missing"]:
        raise InvalidInput(
            f"The test target of {label} has no value in {row['missing']} row(s); metrics on "
            "the other rows would not describe this test set. Drop those rows (e.g. "
            "df.dropna(subset=[target])) and track again."
        )
    if classes is not None and row["unknown"]:
        raise InvalidInput(
            f"The test target of {label} holds {row['unknown']} row(s) with label(s) the "
            f"model does not know (its classes: {', '.join(map(str, classes))}). Pass the "
            "labels as the model was trained on them (class indices), or drop those rows."
        )


# -- metrics ------------------------------------------------------------------------------


_ALL = "\x00all"  # the subset of every row, beside each slice's "column=value"
_EPS = 1e-15  # log loss clips probabilities as Spark's evaluator and scikit-learn do


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _classification(
    counts: list[Any], aucs: dict[int, tuple[float, int, int]], classes: list[int], proba: bool
) -> dict[str, float | None]:
    """accuracy, f1, roc_auc and log_loss of one subset from its (label, prediction) counts
    and each class's rank sums."""
    n = sum(r["n"] for r in counts)
    hits = sum(r["n"] for r in counts if r["y"] == r["p"])

    def f1(c: int) -> float:
        tp = sum(r["n"] for r in counts if r["y"] == c and r["p"] == c)
        fp = sum(r["n"] for r in counts if r["y"] != c and r["p"] == c)
        fn = sum(r["n"] for r in counts if r["y"] == c and r["p"] != c)
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    positive = classes[1:] if len(classes) == 2 else classes
    out: dict[str, float | None] = {
        "accuracy": _ratio(hits, n),
        "f1": sum(f1(c) for c in positive) / len(positive),
    }
    if proba:
        per_class = []
        for c in positive:
            ranks, n_pos, n_neg = aucs.get(c, (0.0, 0, 0))
            # undefined without both kinds of rows (and, one-vs-rest, without every class)
            auc = (ranks - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg) if n_pos and n_neg else None
            per_class.append(auc)
        out["roc_auc"] = None if None in per_class else _mean(per_class)
        out["log_loss"] = _number(_ratio(sum(r["loss"] for r in counts), n))
    return out


def _mean(values: list[float | None]) -> float:
    return sum(v for v in values if v is not None) / len(values)


def _regression(row: Any) -> dict[str, float | None]:
    n, sse = row["n"], row["sse"]
    sst = row["syy"] - row["sy"] ** 2 / n if n else 0.0
    return {
        "rmse": _number(math.sqrt(sse / n)) if n else None,
        "mae": _number(_ratio(row["sae"], n)),
        "r2": _number(1 - sse / sst) if n > 1 and sst > 0 else None,
    }


def _subset_metrics(
    pred: DataFrame, task: str, classes: list[int] | None, proba: bool
) -> tuple[dict[str, dict[str, float | None]], dict[str, int]]:
    """Metrics of every subset (column ``__mmds_subset``) of a scored frame, in two Spark
    jobs whatever the number of slices: counts of (label, prediction) with the log loss, and
    rank sums for the area under the ROC curve (Mann-Whitney, ties at their mean rank:
    the exact area that Spark's BinaryClassificationEvaluator and scikit-learn compute)."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    y, p = F.col(_LABEL), F.col("prediction")
    if task == "regression":
        err = p - y
        rows = (
            pred.groupBy("__mmds_subset")
            .agg(
                F.count(F.lit(1)).alias("n"),
                F.sum(err * err).alias("sse"),
                F.sum(F.abs(err)).alias("sae"),
                F.sum(y).alias("sy"),
                F.sum(y * y).alias("syy"),
            )
            .collect()
        )
        return (
            {r["__mmds_subset"]: _regression(r) for r in rows},
            {r["__mmds_subset"]: int(r["n"]) for r in rows},
        )
    if classes is None:
        return {}, {}
    aggs = [F.count(F.lit(1)).alias("n")]
    if proba:
        prob = vector_to_array("probability")  # type: ignore[arg-type]
        picked = F.element_at(prob, y.cast("int") + 1)
        aggs.append(F.sum(-F.log(F.greatest(picked, F.lit(_EPS)))).alias("loss"))
    grouped = (
        pred.groupBy("__mmds_subset", y.cast("int").alias("y"), p.cast("int").alias("p"))
        .agg(*aggs)
        .collect()
    )
    counts: dict[str, list[Any]] = {}
    for r in grouped:
        counts.setdefault(r["__mmds_subset"], []).append(r)
    ranks: dict[str, dict[int, tuple[float, int, int]]] = {}
    if proba:
        positive = classes[1:] if len(classes) == 2 else classes
        prob = vector_to_array("probability")  # type: ignore[arg-type]
        one_vs_rest = pred.select(
            "__mmds_subset",
            F.explode(
                F.array(
                    *(
                        F.struct(
                            F.lit(c).alias("k"),
                            prob[c].alias("s"),
                            (y == c).cast("int").alias("pos"),
                        )
                        for c in positive
                    )
                )
            ).alias("o"),
        ).select("__mmds_subset", "o.*")
        group = Window.partitionBy("__mmds_subset", "k")
        ties = Window.partitionBy("__mmds_subset", "k", "s")
        ranked = one_vs_rest.withColumn(
            "r", F.rank().over(group.orderBy("s")) + (F.count(F.lit(1)).over(ties) - 1) / 2.0
        )
        for r in (
            ranked.groupBy("__mmds_subset", "k")
            .agg(
                F.sum(F.when(F.col("pos") == 1, F.col("r")).otherwise(0.0)).alias("ranks"),
                F.sum("pos").alias("n_pos"),
                F.sum(1 - F.col("pos")).alias("n_neg"),
            )
            .collect()
        ):
            ranks.setdefault(r["__mmds_subset"], {})[r["k"]] = (
                float(r["ranks"]),
                int(r["n_pos"]),
                int(r["n_neg"]),
            )
    return (
        {
            key: _classification(rows, ranks.get(key, {}), classes, proba)
            for key, rows in counts.items()
        },
        {key: sum(int(r["n"]) for r in rows) for key, rows in counts.items()},
    )


def evaluate(
    adapter: SparkAdapter, df: DataFrame, y: str, slices: list[str]
) -> list[dict[str, Any]]:
    """Metrics overall and per value of each slice column (its most frequent 100), named as
    scikit-learn's (:mod:`..metrics`)."""
    from pyspark.sql import functions as F

    task = adapter.task
    classes = classes_of(adapter.model) if task in ("binary", "multiclass") else None
    proba = is_probabilistic(adapter.model)
    frame = df.withColumn(_LABEL, F.col(f"`{y}`").cast("double"))
    _check_target(frame, task, classes, adapter.label)
    last = final_stage(adapter.model)
    subsets = [F.lit(_ALL)] + [
        F.concat(F.lit(f"{c}="), F.coalesce(F.col(f"`{c}`").cast("string"), F.lit("<NA>")))
        for c in slices
    ]
    try:
        scored = adapter.model.transform(frame)
        columns = [
            scored[_LABEL],
            scored[last.getOrDefault("predictionCol")].alias("prediction"),
            F.explode(F.array(*subsets)).alias("__mmds_subset"),
        ]
        if proba:
            columns.insert(2, scored[last.getOrDefault("probabilityCol")].alias("probability"))
        by_subset, size = _subset_metrics(scored.select(*columns), task, classes, proba)
    except MMDSError:
        raise
    except Exception as exc:  # noqa: BLE001 - Spark's analysis and runtime errors alike
        raise InvalidInput(
            f"{adapter.label} could not predict the test set ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:300]}). Pass test data of the types the model was "
            "trained on."
        ) from None

    def measured(key: str) -> dict[str, Any]:
        return {ROWS: size[key], **by_subset[key]} if key in by_subset else {}

    rows = [{"name": k, "value": v, "slice": None} for k, v in measured(_ALL).items()]
    for c in slices:
        # the column's most frequent values, as scikit-learn's capture keeps them
        sizes = {key: n for key, n in size.items() if key.startswith(f"{c}=")}
        kept = sorted(sizes, key=lambda key: (-sizes[key], key))[:MAX_SLICE_VALUES]
        for key in kept:
            rows += [{"name": k, "value": v, "slice": key} for k, v in measured(key).items()]
    return rows


# -- contract and baseline ----------------------------------------------------------------


def contract(
    features: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    records: list[tuple[Any, dict[str, Any]]],
) -> Contract:
    """The contract from the data sets' Spark statistics (every row, not a sample): types,
    nullability, the observed range of numbers and the categories of text (up to
    ``MAX_CATEGORIES``, read in Spark)."""
    from pyspark.sql import functions as F

    from ...scoring.contract import MAX_CATEGORIES, Contract, InputSpec, kind_from_name

    inputs = []
    for f in features:
        name = f["name"]
        seen = [(df, rec["stats"][name]) for df, rec in records if name in rec["stats"]]
        kind = kind_from_name(f.get("dtype", ""))
        if f.get("dtype") == "bool":
            kind = "boolean"
        spec = InputSpec(
            name=name,
            type=kind,
            nullable=any((s.get("nulls") or 0) > 0 for _, s in seen),
            required=bool(f.get("used", True)),
        )
        if kind in ("float", "integer"):
            lows = [s["min"] for _, s in seen if s.get("min") is not None]
            highs = [s["max"] for _, s in seen if s.get("max") is not None]
            spec.min = min(lows) if lows else None
            spec.max = max(highs) if highs else None
        elif (
            kind == "string"
            and seen
            and sum(s.get("n_unique", 0) for _, s in seen) <= MAX_CATEGORIES
        ):
            values: set[Any] = set()
            for df, _ in seen:
                col = F.col(f"`{name}`")
                values |= {r[0] for r in df.where(col.isNotNull()).select(col).distinct().collect()}
            spec.categories = sorted(values)
        inputs.append(spec)
    return Contract(inputs=inputs, outputs=outputs)


def sample(df: DataFrame, n: int) -> DataFrame:
    """A fixed pseudo-random sample of at most ``n`` rows: the rows of the smallest row hashes,
    the same whatever the partitioning."""
    from pyspark.sql import functions as F

    cols = [F.col(f"`{f.name}`") for f in df.schema.fields if _type(f) != "vector"]
    return df.orderBy(F.xxhash64(*cols), *cols).limit(n)


def baseline(
    adapter: SparkAdapter, df: DataFrame, names: list[str], source: str, n_rows: int
) -> bytes:
    """The drift baseline from a fixed sample of the reference rows, scored in Spark."""
    import warnings

    from pyspark.ml.functions import vector_to_array

    from ...monitoring import baseline as bl

    rows = sample(df.select(*[f"`{c}`" for c in names]), bl.SCORE_ROWS)
    scored = adapter.model.transform(rows)
    last = final_stage(adapter.model)
    if adapter.task in ("binary", "multiclass") and is_probabilistic(adapter.model):
        classes = classes_of(adapter.model)
        keep = classes[1:] if len(classes) == 2 else classes
        p = vector_to_array(last.getOrDefault("probabilityCol"))
        score_cols = [p[c].alias(f"probability({c})") for c in keep]
    else:
        score_cols = [scored[last.getOrDefault("predictionCol")].alias("prediction")]
    with warnings.catch_warnings():
        # pyspark 4 warns about pandas 3 (and pandas about pyspark's calls) on every
        # conversion; a warning turned into an error would break its Arrow path midway.
        warnings.simplefilter("ignore")
        frame = scored.select(*[scored[f"`{c}`"] for c in names], *score_cols).toPandas()
    doc = bl.build(frame[names], frame.drop(columns=names), source)
    doc["n_rows"] = n_rows
    return bl.to_bytes(doc)


def environment() -> dict[str, Any]:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    if spark is None:
        return {}
    sc = spark.sparkContext
    return {"spark": {"version": spark.version, "master": sc.master, "app_id": sc.applicationId}}


# -- the adapter's measurement ------------------------------------------------------------


def measure(adapter: SparkAdapter, r: CaptureRequest, outputs: list[dict[str, Any]]) -> Measured:
    """Features, metrics, data sets, contract and baseline of the request's Spark frames."""
    from ..pipeline import Measured

    label = adapter.label
    if r.X_test is None and r.y_test is not None:
        raise InvalidInput("A test target needs its test set: pass X_test (a Spark DataFrame) too.")
    if r.X_test is None and r.slices:
        raise InvalidInput("--slice needs test data: pass X_test and y_test too.")
    if r.X_train is None and r.y_train is not None:
        raise InvalidInput(
            "The training target (y_train) was given without the training features: pass "
            "X_train too, or neither."
        )
    for df, role in ((r.X_test, "test"), (r.X_train, "training")):
        if df is not None:
            _check_frame(df, role, label)
    reference = r.X_train if r.X_train is not None else r.X_test
    features = adapter.features(reference)
    names = [f["name"] for f in features]
    metric_rows: list[dict[str, Any]] = []
    datasets: list[tuple[str, dict[str, Any], str | None]] = []
    records: list[tuple[Any, dict[str, Any]]] = []
    sources: dict[str, list[str]] = {}
    if r.X_test is not None:
        _check_columns(r.X_test, names, "test", label)
        y = _target(r.X_test, r.y_test, adapter.model, "test", label)
        bad = [c for c in r.slices if c not in r.X_test.columns]
        if bad:
            raise InvalidInput(
                f"Slice column(s) {', '.join(map(repr, bad))} are not in the test set; "
                f"its columns are {', '.join(r.X_test.columns[:20])}."
            )
        metric_rows = evaluate(adapter, r.X_test, y, r.slices)
        record = fingerprint(r.X_test.select(*[f"`{c}`" for c in dict.fromkeys([*names, y])]))
        datasets.append(("evaluated_on", record, "test"))
        records.append((r.X_test, record))
        sources["test"] = source_of(r.X_test)
    if r.X_train is not None:
        _check_columns(r.X_train, names, "training", label)
        cols = list(names)
        if r.y_train is not None:
            cols.append(_target(r.X_train, r.y_train, adapter.model, "train", label))
        record = fingerprint(r.X_train.select(*[f"`{c}`" for c in dict.fromkeys(cols)]))
        datasets.append(("trained_on", record, "train"))
        records.append((r.X_train, record))
        sources["train"] = source_of(r.X_train)
    blob = None
    if reference is not None:
        source = "train" if r.X_train is not None else "test"
        n_rows = records[-1][1]["n_rows"] if source == "train" else records[0][1]["n_rows"]
        blob = baseline(adapter, reference, names, source, n_rows)
    prov = (
        {"data_sources": {k: v for k, v in sources.items() if v}} if any(sources.values()) else {}
    )
    return Measured(
        features=features,
        metrics=metric_rows,
        datasets=datasets,
        contract=contract(features, outputs, records),
        baseline=blob,
        provenance=prov,
        environment=environment(),
    )
