"""Scoring a Spark DataFrame in Spark: any version (spark.ml, scikit-learn, PMML), at scale.

The contract is checked in Spark, in one aggregation: a missing column, values of the wrong
type, or (policy ``reject``) rows out of domain make one :class:`ContractViolation` naming each
column and its row count, and nothing is written. Rows out of domain are otherwise flagged in
``mmds_flags`` as the pandas path flags them. A spark.ml version transforms the frame; a
scikit-learn or PMML version scores each partition with pandas (``mapInPandas``), with the same
code as :func:`.score.predict_frame`, so its outputs are those of scoring on pandas.

Production and shadow scoring write the outputs as a Parquet data set (one file per Spark
partition) under ``<home>/score_sets/``, and store as the score set's file a small manifest that
names each Parquet file with its sha256 and size; the input's fingerprint and the outputs'
statistics are computed in Spark, and so is its drift against the version's baseline (counts
in the baseline's bins, :mod:`.spark_drift`), stored as a pandas score set's is. The result's
``outputs`` is a Spark DataFrame.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..capture.adapters.spark import is_spark_frame
from ..errors import InvalidInput
from .contract import Contract
from .validate import DOMAIN, ContractViolation, Problem, ignored_columns

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from ..entities import Version
    from ..registry import ArtifactStore, Registry, ScoreSetStore
    from .score import ScoreResult

MANIFEST_FORMAT = "mmds-parquet-dataset"
FLAG_COLUMN = "mmds_flags"
_UNTAKEABLE = "__mmds_untakeable"
_NUMERIC = {"double", "float", "bigint", "int", "smallint", "tinyint"}
# Rows per prediction in a Spark Python worker. Arrow hands a partition over in batches of
# spark.sql.execution.arrow.maxRecordsPerBatch (10,000 by default); each check and predict call
# has a fixed cost (a 100-tree forest predicts 10,000 rows about 30% slower per row than
# 100,000), so the batches are joined up to this many rows first.
SCORE_BATCH_ROWS = 100_000


def _type(df: DataFrame, name: str) -> str:
    return str(df.schema[name].dataType.simpleString())


def check(
    contract: Contract, df: DataFrame, carried: list[str]
) -> tuple[list[Problem], Column, Column]:
    """The contract's problems with ``df`` (counted in Spark), each row's flags column, and
    whether a row has a null or an unknown category (which a model may be unable to take).

    Raises :class:`ContractViolation` as the pandas check does: always for schema problems,
    for rows out of domain under policy ``reject``."""
    from pyspark.sql import functions as F

    ref = contract.version_ref or "this version"
    required = [i for i in contract.inputs if i.required]
    present = [i for i in required if i.name in df.columns]
    problems: list[Problem] = []
    tests: list[tuple[str, str, Column, Column, str]] = []  # column, kind, mask, value, detail
    domain: dict[str, list[Column]] = {}
    untakeable: list[Column] = []
    for spec in present:
        col = F.col(f"`{spec.name}`")
        kind = _type(df, spec.name)
        numeric = kind in _NUMERIC or kind.startswith("decimal")
        value = col
        if spec.type in ("float", "integer"):
            if not numeric:
                value = col.try_cast("double")
                tests.append(
                    (
                        spec.name,
                        f"values that are not {spec.type}",
                        col.isNotNull() & value.isNull(),
                        col,
                        "",
                    )
                )
            else:
                value = col.cast("double")
            if spec.type == "integer" and kind not in ("bigint", "int", "smallint", "tinyint"):
                tests.append(
                    (
                        spec.name,
                        "values that are not integer",
                        value.isNotNull() & ~F.isnan(value) & (value != F.floor(value)),
                        col,
                        "",
                    )
                )
        nulls = col.isNull()
        if numeric and kind in ("double", "float"):
            nulls = nulls | F.isnan(col)
        masks: list[Column] = []
        if not spec.nullable:
            tests.append(
                (
                    spec.name,
                    "null values",
                    nulls,
                    F.lit(None),
                    " (the contract says it is never null)",
                )
            )
            masks.append(nulls)
            untakeable.append(nulls)
        if spec.categories is not None and spec.type in ("string", "boolean"):
            text = col.cast("string") if numeric else col
            known = [str(c) if numeric else c for c in spec.categories]
            outside = col.isNotNull() & ~text.isin(known)
            shown = ", ".join(map(str, sorted(spec.categories, key=str)[:10]))
            tests.append((spec.name, "unknown categories", outside, col, f" (known: {shown})"))
            masks.append(outside)
            untakeable.append(outside)
        elif spec.type in ("float", "integer") and (spec.min is not None or spec.max is not None):
            lo = float("-inf") if spec.min is None else spec.min
            hi = float("inf") if spec.max is None else spec.max
            outside = value.isNotNull() & ~F.isnan(value) & ((value < lo) | (value > hi))
            tests.append(
                (spec.name, "values out of range", outside, col, f" (range {lo:.6g} to {hi:.6g})")
            )
            masks.append(outside)
        if masks:
            domain[spec.name] = masks
    aggs = [F.count(F.lit(1)).alias("n")]
    for i, (_, _, mask, value, _) in enumerate(tests):
        aggs += [
            F.count(F.when(mask, 1)).alias(f"c{i}"),
            F.first(F.when(mask, value), ignorenulls=True).alias(f"e{i}"),
        ]
    row = df.agg(*aggs).collect()[0]
    n = int(row["n"])
    for spec in required:
        if spec.name not in df.columns:
            problems.append(Problem(spec.name, "missing column", n))
    if contract.strict:
        problems += [
            Problem(
                name,
                "unexpected column",
                n,
                detail=" (pass it as key= or passthrough= to carry it along, or score with "
                "strict=False to ignore it)",
            )
            for name in ignored_columns(contract, df.columns, carried)
        ]
    for i, (name, kind, _, _, detail) in enumerate(tests):
        if row[f"c{i}"]:
            problems.append(Problem(name, kind, int(row[f"c{i}"]), row[f"e{i}"], detail))
    schema = [p for p in problems if p.kind not in DOMAIN]
    if schema or (problems and contract.policy == "reject"):
        raise ContractViolation(ref, problems)
    flagged = [p.column for p in problems if p.kind in DOMAIN]
    parts = [
        F.when(_any(domain[name]), F.lit(name)) for name in dict.fromkeys(flagged) if name in domain
    ]
    flags = F.concat_ws(";", *parts) if parts else F.lit("")
    return problems, flags, _any(untakeable) if parts and untakeable else F.lit(False)


def _any(masks: list[Column]) -> Column:
    out = masks[0]
    for m in masks[1:]:
        out = out | m
    return out


def _spark_type(dtype: str) -> str:
    if dtype.startswith(("int", "uint")):
        return "bigint"
    if dtype.startswith("float"):
        return "double"
    if dtype == "bool":
        return "boolean"
    return "string"


def _output_schema(df: DataFrame, carried: list[str], outputs: list[dict[str, Any]]) -> str:
    fields = [f"`{c}` {_type(df, c)}" for c in carried]
    fields += [f"`{o['name']}` {_spark_type(str(o.get('dtype', 'object')))}" for o in outputs]
    return ", ".join([*fields, f"`{FLAG_COLUMN}` string"])


def _pandas_scorer(
    version: Version, contract: Contract, carried: list[str], blob: Any, trusted: bool
) -> Any:
    """The function ``mapInPandas`` runs on each partition: the pandas path's conversion to
    the contract's types and prediction (:func:`.score._predict`), with the model loaded once
    per Python worker."""
    import dataclasses

    bare = dataclasses.replace(version)
    flagging = dataclasses.replace(contract, policy="flag", strict=False)
    names = [o["name"] for o in version.outputs]
    dtypes = {o["name"]: str(o.get("dtype", "object")) for o in version.outputs}

    def score_batches(batches: Any) -> Any:
        from .distributed import _worker_model
        from .score import _predict, model_features
        from .validate import check as check_frame

        assert bare.artifact_sha256 and bare.artifact_format
        model = _worker_model(bare.artifact_sha256, bare.artifact_format, blob.value, trusted)
        for part in _regrouped(batches, SCORE_BATCH_ROWS):
            checked = check_frame(flagging, part, carried, model_features(bare))
            predicted = _predict(model, bare, checked)  # flagged rows as the pandas path does
            out = part[carried].copy()
            for name in names:
                column = predicted[name]
                if _spark_type(dtypes[name]) == "string":
                    column = column.astype(str)
                out[name] = column.to_numpy()
            out[FLAG_COLUMN] = part[FLAG_COLUMN].to_numpy()
            yield out

    return score_batches


def _regrouped(batches: Any, rows: int) -> Any:
    """The pandas frames of ``batches`` in their order, joined into frames of at least
    ``rows`` rows (the last may be shorter)."""
    pending: list[pd.DataFrame] = []
    count = 0
    for part in batches:
        pending.append(part)
        count += len(part)
        if count >= rows:
            yield pending[0] if len(pending) == 1 else pd.concat(pending, ignore_index=True)
            pending, count = [], 0
    if pending:
        yield pending[0] if len(pending) == 1 else pd.concat(pending, ignore_index=True)


def _spark_outputs(model: Any, version: Version, df: DataFrame, carried: list[str]) -> DataFrame:
    """A spark.ml version's outputs, named as the version's outputs. Flagged rows with a null
    or an unknown category (which Spark's indexers and assemblers refuse) keep empty outputs,
    as the pandas path leaves the rows a model cannot take; the others are scored."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    from ..capture.adapters.spark import final_stage

    last = final_stage(model)
    takeable = df.where(~F.col(_UNTAKEABLE)).drop(_UNTAKEABLE)
    scored = model.transform(takeable)
    columns = [scored[f"`{c}`"] for c in carried]
    for o in version.outputs:
        if o["name"] == "prediction":
            pred = scored[last.getOrDefault("predictionCol")]
            columns.append(pred.cast(_spark_type(o["dtype"])).alias("prediction"))
        elif o.get("kind") == "probability":
            proba = vector_to_array(scored[last.getOrDefault("probabilityCol")])
            columns.append(proba[int(o["class"])].alias(o["name"]))
    outputs = scored.select(*columns, scored[FLAG_COLUMN])
    empty = df.where(F.col(_UNTAKEABLE)).select(
        *[F.col(f"`{c}`") for c in carried],
        *[
            F.lit(None).cast(outputs.schema[o["name"]].dataType).alias(o["name"])
            for o in version.outputs
            if o["name"] in outputs.columns
        ],
        F.col(FLAG_COLUMN),
    )
    return outputs.unionByName(empty)


def output_stats(df: DataFrame) -> dict[str, Any]:
    """Each output column's summary, as :func:`.score.output_stats` gives it, from Spark."""
    from pyspark.sql import functions as F

    numeric = [c for c in df.columns if _type(df, c) in _NUMERIC]
    stats: dict[str, Any] = {}
    if numeric:
        aggs = []
        for i, c in enumerate(numeric):
            v = F.col(f"`{c}`").cast("double")
            v = F.when(~F.isnan(v), v)
            aggs += [
                F.avg(v).alias(f"mean{i}"),
                F.stddev_pop(v).alias(f"std{i}"),
                F.min(v).alias(f"min{i}"),
                F.max(v).alias(f"max{i}"),
            ]
        row = df.agg(*aggs).collect()[0]
        for i, c in enumerate(numeric):
            stats[c] = {k: row[f"{k}{i}"] for k in ("mean", "std", "min", "max")}
    for c in df.columns:
        if c in numeric:
            continue
        col = F.col(f"`{c}`").cast("string")
        top = (
            df.where(col.isNotNull())
            .groupBy(col.alias("v"))
            .count()
            .orderBy(F.desc("count"), F.asc("v"))
            .limit(20)
            .collect()
        )
        stats[c] = {"counts": {str(r["v"]): int(r["count"]) for r in top}}
    return stats


def _write(outputs: DataFrame, folder: Path) -> dict[str, Any]:
    """Write the outputs as Parquet files and describe them (name, sha256, size) for the
    score set's manifest."""
    outputs.write.mode("overwrite").parquet(str(folder))
    files = []
    for path in sorted(folder.glob("*.parquet")):
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        files.append(
            {"name": path.name, "sha256": digest.hexdigest(), "bytes": path.stat().st_size}
        )
    return {"format": MANIFEST_FORMAT, "path": str(folder), "files": files}


def read_score_set(blob: bytes) -> pd.DataFrame | None:
    """The outputs of a score set written by Spark (its manifest's files, each checked
    against its sha256), or None when ``blob`` is not such a manifest."""
    if not blob.startswith(b"{"):
        return None
    try:
        manifest = json.loads(blob)
    except ValueError:
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return None
    folder = Path(manifest["path"])
    frames = []
    for f in manifest["files"]:
        data = (folder / f["name"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != f["sha256"]:
            raise InvalidInput(
                f"The score set file {folder / f['name']} changed since it was written "
                "(its sha256 differs); it cannot be read as the score set."
            )
        frames.append(pd.read_parquet(__import__("io").BytesIO(data)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def score_spark(
    reg: Registry,
    version: Version,
    data: Any,
    contract: Contract,
    mode: str,
    keys: list[str],
    carried: list[str],
    run_id: int | None,
    replace: bool,
    trusted: bool,
    *,
    score_sets: ScoreSetStore,
    artifacts: ArtifactStore,
) -> ScoreResult:
    """Score a Spark DataFrame (or a pandas one, moved to the active SparkSession)."""
    import os

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from ..capture.adapters.spark_data import fingerprint
    from .score import SCORING_STAGES, ScoreResult

    spark = SparkSession.getActiveSession()
    if spark is None:
        raise InvalidInput(
            "engine='spark' needs a SparkSession: start one (SparkSession.builder"
            ".getOrCreate()) in this process, then score."
        )
    if isinstance(data, pd.DataFrame):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyspark 4 and pandas 3 warn about each other
            data = spark.createDataFrame(data)
    if not is_spark_frame(data):
        raise InvalidInput(
            f"engine='spark' scores a Spark (or pandas) DataFrame, not {type(data).__name__}."
        )
    df: DataFrame = data
    missing_keys = [k for k in keys if k not in df.columns]
    if missing_keys:
        raise InvalidInput(
            f"The key column(s) {', '.join(missing_keys)} are not in the data; "
            f"its columns are {', '.join(df.columns[:20])}."
        )
    if mode in SCORING_STAGES and keys:
        dup = df.groupBy(*keys).count().where("count > 1").limit(1).collect()
        if dup:
            raise InvalidInput(
                f"The key {', '.join(keys)} is not unique (e.g. {[dup[0][k] for k in keys]}); "
                "production score sets are joined with actuals by key, so each row needs its own."
            )
    problems, flags, untakeable = check(contract, df, carried)
    flagged = df.withColumn(FLAG_COLUMN, flags)
    if version.framework == "spark.ml":
        model = reg.scoring_model(version, trusted=trusted)
        outputs = _spark_outputs(
            model, version, flagged.withColumn(_UNTAKEABLE, untakeable), carried
        )
    else:
        assert version.artifact_sha256
        blob = spark.sparkContext.broadcast(artifacts.get(version.artifact_sha256))
        inputs = [i.name for i in contract.inputs if i.required and i.name in df.columns]
        part = flagged.select(
            *[F.col(f"`{c}`") for c in dict.fromkeys([*carried, *inputs])], FLAG_COLUMN
        )
        outputs = part.mapInPandas(
            _pandas_scorer(version, contract, carried, blob, trusted),
            _output_schema(df, carried, version.outputs),
        )
    if contract.policy != "flag" and not problems:
        outputs = outputs.drop(FLAG_COLUMN)
    result = ScoreResult(
        ref=version.ref,
        mode=mode,
        outputs=outputs,  # type: ignore[arg-type]
        problems=problems,
        ignored_columns=ignored_columns(contract, df.columns, carried),
    )
    if mode not in SCORING_STAGES:
        return result
    if run_id is None and os.environ.get("MMDS_RUN_ID", "").isdigit():
        run_id = int(os.environ["MMDS_RUN_ID"])
    input_fingerprint = fingerprint(df)
    score_sets.check_new_score_set(
        version.id, input_fingerprint["content_hash"], run_id, replace, version.ref
    )
    folder = (
        Path(reg.home) / "score_sets" / f"{version.id}-{input_fingerprint['content_hash'][:20]}"
    )
    manifest = _write(outputs, folder)
    stored = spark.read.parquet(str(folder))
    n_flagged = (
        stored.where(F.col(FLAG_COLUMN) != "").count() if FLAG_COLUMN in stored.columns else 0
    )
    sha = artifacts.put(json.dumps(manifest, sort_keys=True).encode())
    drift = _drift(reg.stored_baseline(version), df, stored, version.ref)
    drift_sha = artifacts.put(drift[0]) if drift else None
    result.outputs = stored  # type: ignore[assignment]
    result.rows = int(input_fingerprint["n_rows"])
    result.score_set_id = score_sets.create_score_set(
        version_id=version.id,
        ref=version.ref,
        run_id=run_id,
        mode=mode,
        key=",".join(keys) or None,
        n_rows=result.rows,
        n_flagged=n_flagged,
        artifact_sha256=sha,
        input_fingerprint=input_fingerprint,
        output_stats=output_stats(stored.drop(*carried)),
        actor=reg.actor,
        replace=replace,
        drift_sha256=drift_sha,
    )
    if drift:
        result.drift = drift[1]
        result.drift.score_set_id = result.score_set_id
    return result


def _drift(
    baseline: dict[str, Any] | None, inputs: DataFrame, outputs: DataFrame, ref: str
) -> tuple[bytes, Any] | None:
    """The score set's drift against the baseline, counted in Spark (see spark_drift)."""
    if baseline is None:
        return None
    from ..monitoring.stored import drift_document
    from . import spark_drift

    return drift_document(
        baseline,
        spark_drift.summarize(baseline, inputs, "input"),
        spark_drift.summarize(baseline, outputs, "score"),
        ref,
    )
