"""Benchmark: searching many versions, MMDS ``Registry.find`` vs MLflow ``search_runs``.

Both stores get the same N versions (default 10,000), spread over a few projects/experiments
and models, each with 20 hyper-parameters, 5 overall test metrics and the same 5 metrics on
the slice ``country=US`` (MLflow: metrics named ``country_US/<metric>``), with the same values:

* MMDS:   ``Registry.store.versions.create_version(NewVersion(...))``, the store code path that
          ``Registry.track`` ends in (one transaction per version), into a fresh SQLite file.
* MLflow: ``MlflowClient.create_run`` + ``MlflowClient.log_batch``, into a fresh SQLite
          tracking store (``sqlite:///.../mlflow.db``).

Then, interleaved, median of repetitions:

(a) a filtered, sorted top-50 in one project: MMDS ``find(project=, where="roc_auc>0.7",
    order_by="-roc_auc", limit=50)`` vs ``search_runs(experiment_ids=[...], filter_string=
    "metrics.roc_auc > 0.7", order_by=["metrics.roc_auc DESC"], max_results=50)``;
(b) every version: MMDS ``find()`` (a DataFrame of all N) vs ``search_runs`` over all
    experiments, paging with the largest page MLflow allows;
(c) informational, no target: (a) on the slice metric (``slice="country=US"``).

MLflow's results are left as the Run objects it returns (no DataFrame), MMDS's are the
DataFrame ``find`` returns.

    python bench/query.py                   # 10,000 versions
    python bench/query.py --versions 300    # quick smoke test
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

import common

TARGET = 10.0
METRICS = ("accuracy", "f1", "roc_auc", "log_loss", "precision")
SLICE = "country=US"
MLFLOW_SLICE_PREFIX = "country_US/"
FEATURES = [f"feature_{i}" for i in range(10)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--versions", type=int, default=10_000, help="versions/runs per store (10000)")
    p.add_argument("--projects", type=int, default=4, help="projects = MLflow experiments (4)")
    p.add_argument("--models", type=int, default=5, help="models per project (5)")
    p.add_argument("--reps", type=int, default=15, help="repetitions of the top-50 queries (15)")
    p.add_argument("--reps-all", type=int, default=5, help="repetitions of the full list (5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--tmpdir",
        default=None,
        help="where to put both stores (default: /dev/shm when it has room, else the "
        "system temporary directory); only the loading, which is not what is "
        "compared, depends much on it",
    )
    return p.parse_args(argv)


def fake_versions(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The same synthetic versions for both stores: params, metrics, slice metrics."""
    rng = random.Random(args.seed)
    out = []
    for i in range(args.versions):
        project = f"project_{i % args.projects}"
        model = f"model_{(i // args.projects) % args.models}"
        params = {
            "n_estimators": rng.choice([50, 100, 200, 400]),
            "max_depth": rng.choice([None, 4, 8, 16, 32]),
            "min_samples_split": rng.choice([2, 4, 8]),
            "min_samples_leaf": rng.choice([1, 2, 4]),
            "max_features": rng.choice(["sqrt", "log2", None]),
            "criterion": rng.choice(["gini", "entropy", "log_loss"]),
            "bootstrap": rng.choice([True, False]),
            "class_weight": rng.choice([None, "balanced"]),
            "random_state": rng.randrange(1000),
            "ccp_alpha": round(rng.random() / 100, 6),
            "max_leaf_nodes": rng.choice([None, 64, 256]),
            "max_samples": rng.choice([None, 0.5, 0.8]),
            "min_impurity_decrease": 0.0,
            "min_weight_fraction_leaf": 0.0,
            "n_jobs": rng.choice([None, -1]),
            "oob_score": False,
            "verbose": 0,
            "warm_start": False,
            "monotonic_cst": None,
            "learning_rate": round(rng.uniform(0.01, 0.3), 4),
        }
        overall = {
            "accuracy": rng.uniform(0.6, 0.99),
            "f1": rng.uniform(0.5, 0.99),
            "roc_auc": rng.uniform(0.5, 1.0),
            "log_loss": rng.uniform(0.05, 0.7),
            "precision": rng.uniform(0.5, 0.99),
        }
        sliced = {k: min(1.0, max(0.0, v + rng.uniform(-0.1, 0.1))) for k, v in overall.items()}
        out.append(
            {
                "project": project,
                "model": model,
                "params": params,
                "metrics": overall,
                "slice_metrics": sliced,
            }
        )
    return out


def load_mmds(registry: Any, versions: list[dict[str, Any]]) -> float:
    """Insert every version through the store's create_version; return the seconds taken."""
    from mmds_jupyter.capture import provenance
    from mmds_jupyter.entities import NewVersion

    env = provenance.environment()
    cls = "sklearn.ensemble.RandomForestClassifier"
    features = [{"name": f, "dtype": "float64", "used": True, "importance": 0.1} for f in FEATURES]
    outputs = [{"name": "prediction", "kind": "label", "dtype": "int64", "values": [0, 1]}]
    t0 = time.perf_counter()
    for i, v in enumerate(versions):
        metrics = [
            {"name": k, "value": x, "slice": None, "dataset": "test"}
            for k, x in v["metrics"].items()
        ]
        metrics += [
            {"name": k, "value": x, "slice": SLICE, "dataset": "test"}
            for k, x in v["slice_metrics"].items()
        ]
        registry.store.versions.create_version(
            NewVersion(
                project=v["project"],
                name=v["model"],
                framework="sklearn",
                estimator_class=cls,
                task="binary",
                author="bench",
                params=v["params"],
                steps={"name": "model", "class": cls},
                features=features,
                outputs=outputs,
                metrics=metrics,
                provenance={"notebook": None, "user": "bench", "n": i},
                environment=env,
                artifact_sha256=None,
                artifact_format=None,
            )
        )
    return time.perf_counter() - t0


def load_mlflow(
    client: Any, experiment_ids: dict[str, str], versions: list[dict[str, Any]]
) -> float:
    """Create one run per version and log its params and metrics in one log_batch call."""
    from mlflow.entities import Metric, Param

    t0 = time.perf_counter()
    for v in versions:
        run = client.create_run(
            experiment_ids[v["project"]], run_name=v["model"], tags={"model": v["model"]}
        )
        ts = int(time.time() * 1000)
        metrics = [Metric(k, x, ts, 0) for k, x in v["metrics"].items()]
        metrics += [
            Metric(MLFLOW_SLICE_PREFIX + k, x, ts, 0) for k, x in v["slice_metrics"].items()
        ]
        params = [Param(k, str(x)) for k, x in v["params"].items()]
        client.log_batch(run.info.run_id, metrics=metrics, params=params)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parent = args.tmpdir or common.memory_tmpdir()
    with common.scratch("mmds-bench-query-", parent) as tmp:
        return run(args, tmp)


def run(args: argparse.Namespace, tmp: Path) -> int:
    common.offline_mlflow_env(f"sqlite:///{tmp / 'mlflow' / 'mlflow.db'}")
    (tmp / "mlflow").mkdir()
    common.quiet()

    from mlflow.store.tracking import SEARCH_MAX_RESULTS_THRESHOLD
    from mlflow.tracking import MlflowClient

    from mmds_jupyter.registry import Registry

    print(common.machine_line())
    print(f"Stores under {tmp}")
    versions = fake_versions(args)
    registry = Registry(
        url=f"sqlite:///{tmp / 'mmds' / 'mmds.db'}", home=str(tmp / "mmds"), actor="bench"
    )
    client = MlflowClient()
    projects = sorted({v["project"] for v in versions})
    experiment_ids = {
        p: client.create_experiment(p, artifact_location=(tmp / "mlflow" / "art" / p).as_uri())
        for p in projects
    }
    print(
        f"Loading {len(versions):,} versions ({len(projects)} projects x {args.models} models; "
        f"20 params, {len(METRICS)} metrics + {len(METRICS)} on slice {SLICE} each)...",
        flush=True,
    )
    t_mmds = load_mmds(registry, versions)
    print(
        f"  MMDS   create_version:        {t_mmds:7.1f} s "
        f"({len(versions) / t_mmds:,.0f} versions/s)",
        flush=True,
    )
    t_mlf = load_mlflow(client, experiment_ids, versions)
    print(
        f"  MLflow create_run+log_batch:  {t_mlf:7.1f} s ({len(versions) / t_mlf:,.0f} runs/s)",
        flush=True,
    )

    project = projects[0]
    exp = experiment_ids[project]
    page = SEARCH_MAX_RESULTS_THRESHOLD

    def mmds_top() -> Any:
        return registry.find(project=project, where="roc_auc>0.7", order_by="-roc_auc", limit=50)

    def mlflow_top() -> Any:
        return client.search_runs(
            experiment_ids=[exp],
            filter_string="metrics.roc_auc > 0.7",
            order_by=["metrics.roc_auc DESC"],
            max_results=50,
        )

    def mmds_all() -> Any:
        return registry.find()

    def mlflow_all() -> list[Any]:
        runs: list[Any] = []
        token = None
        while True:
            got = client.search_runs(
                experiment_ids=list(experiment_ids.values()), max_results=page, page_token=token
            )
            runs.extend(got)
            token = got.token
            if not token:
                return runs

    slice_col = f"metrics.`{MLFLOW_SLICE_PREFIX}roc_auc`"

    def mmds_slice() -> Any:
        return registry.find(
            project=project, slice=SLICE, where="roc_auc>0.7", order_by="-roc_auc", limit=50
        )

    def mlflow_slice() -> Any:
        return client.search_runs(
            experiment_ids=[exp],
            filter_string=f"{slice_col} > 0.7",
            order_by=[f"{slice_col} DESC"],
            max_results=50,
        )

    # The same data went into both, so the answers must agree before timing them.
    expected = sorted(
        (
            v["metrics"]["roc_auc"]
            for v in versions
            if v["project"] == project and v["metrics"]["roc_auc"] > 0.7
        ),
        reverse=True,
    )[:50]
    assert [round(x, 9) for x in mmds_top()["roc_auc"]] == [round(x, 9) for x in expected]
    assert [round(r.data.metrics["roc_auc"], 9) for r in mlflow_top()] == [
        round(x, 9) for x in expected
    ]
    expected_slice = sorted(
        (
            v["slice_metrics"]["roc_auc"]
            for v in versions
            if v["project"] == project and v["slice_metrics"]["roc_auc"] > 0.7
        ),
        reverse=True,
    )[:50]
    assert [round(x, 9) for x in mmds_slice()["roc_auc"]] == [round(x, 9) for x in expected_slice]
    assert [round(r.data.metrics[MLFLOW_SLICE_PREFIX + "roc_auc"], 9) for r in mlflow_slice()] == [
        round(x, 9) for x in expected_slice
    ]
    assert len(mmds_all()) == len(versions) and len(mlflow_all()) == len(versions)

    cases = [
        ("(a) top-50, roc_auc>0.7, by -roc_auc", mmds_top, mlflow_top, args.reps, "(a) top-50"),
        (f"(b) list all {len(versions):,}", mmds_all, mlflow_all, args.reps_all, "(b) list all"),
        ("(c) (a) on slice country=US [info]", mmds_slice, mlflow_slice, args.reps, None),
    ]
    print(
        f"Timing (median of repetitions, interleaved; MLflow pages of up to {page:,} runs):",
        flush=True,
    )
    results = []
    for label, f_mmds, f_mlf, reps, _ in cases:
        f_mmds(), f_mlf()  # warm-up
        tm: list[float] = []
        tl: list[float] = []
        for i in range(reps):
            pair = [(f_mmds, tm), (f_mlf, tl)]
            for fn, acc in pair if i % 2 == 0 else pair[::-1]:
                acc.append(common.timed(fn)[0])
        sm, sl = common.summary(tm), common.summary(tl)
        results.append((label, sm, sl))
        print(
            f"  {label}: MMDS {common.fmt_s(sm['median'])} s, "
            f"MLflow {common.fmt_s(sl['median'])} s ({reps} reps)",
            flush=True,
        )
    registry.close()

    rows = [
        [
            label,
            common.fmt_s(sm["median"]),
            common.fmt_s(sm["p90"]),
            common.fmt_s(sl["median"]),
            common.fmt_s(sl["p90"]),
            f"{sl['median'] / sm['median']:.1f}x",
        ]
        for label, sm, sl in results
    ]
    print()
    print(
        common.table(
            ["query", "MMDS med s", "MMDS p90 s", "MLflow med s", "MLflow p90 s", "MLflow/MMDS"],
            rows,
        )
    )
    for (_label, sm, sl), case in zip(results, cases, strict=True):
        if case[4]:
            print(common.verdict(sl["median"] / sm["median"], TARGET, case[4]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
