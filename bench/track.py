"""Benchmark: capturing one fitted model, MMDS ``Registry.track`` vs MLflow.

The model is a 100-tree RandomForestClassifier on scikit-learn's bundled breast-cancer data
(no downloads). Each repetition, interleaved and alternating which tool goes first:

* MMDS:   ``Registry.track(model, name=, project=, X_test=, y_test=, X_train=, y_train=)``,
          which computes the test metrics, fingerprints both data sets, records params,
          features, provenance and environment, and writes the skops file + SQLite rows.
* MLflow: ``mlflow.start_run()`` + ``log_params(model.get_params())`` + the same four test
          metrics (accuracy, f1, roc_auc, log_loss), computed here because MLflow does not
          compute them itself, + ``log_metrics`` + ``mlflow.sklearn.log_model`` (its defaults).

Both write to fresh stores in a temporary directory: a SQLite MMDS registry and an MLflow
SQLite tracking store (``sqlite:///.../mlflow.db``) with a local artifact location.

    python bench/track.py               # 15 repetitions after 1 warm-up each
    python bench/track.py --reps 3      # quick smoke test
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import common

TARGET = 20.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=15, help="timed repetitions per tool (15)")
    p.add_argument("--warmup", type=int, default=1, help="untimed warm-up runs per tool (1)")
    p.add_argument("--trees", type=int, default=100, help="trees in the forest (100)")
    p.add_argument(
        "--no-lean",
        action="store_true",
        help="skip the extra MLflow row that passes pip_requirements explicitly",
    )
    return p.parse_args(argv)


def forest(trees: int = 100) -> tuple[Any, Any, Any, Any, Any]:
    """The benchmarks' model: (RandomForestClassifier fitted on the breast-cancer training
    rows, X_train, X_test, y_train, y_test); a fixed split and seed, so always the same."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    model = RandomForestClassifier(n_estimators=trees, random_state=0, n_jobs=1)
    model.fit(X_train, y_train)
    return model, X_train, X_test, y_train, y_test


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with common.scratch("mmds-bench-track-") as tmp:
        return run(args, tmp)


def run(args: argparse.Namespace, tmp: Path) -> int:
    common.offline_mlflow_env(f"sqlite:///{tmp / 'mlflow' / 'mlflow.db'}")
    (tmp / "mlflow").mkdir()
    common.quiet()

    import mlflow
    import mlflow.sklearn
    import sklearn
    import skops
    from sklearn import metrics as skm

    from mmds_jupyter.registry import Registry

    model, X_train, X_test, y_train, y_test = forest(args.trees)

    registry = Registry(
        url=f"sqlite:///{tmp / 'mmds' / 'mmds.db'}", home=str(tmp / "mmds"), actor="bench"
    )
    registry.store.search.find(registry.query(limit=1))  # create the schema outside the timings

    experiment_id = mlflow.create_experiment(
        "bench-track", artifact_location=(tmp / "mlflow" / "artifacts").as_uri()
    )
    mlflow.set_experiment(experiment_id=experiment_id)
    # MLflow 3 names the logged model with ``name=``; MLflow 2 with ``artifact_path=``.
    import inspect

    log_params = inspect.signature(mlflow.sklearn.log_model).parameters
    log_kwargs: dict[str, object] = {"name" if "name" in log_params else "artifact_path": "model"}
    if "skops_trusted_types" in log_params:
        # MLflow 3 saves scikit-learn models with skops, like MMDS, and refuses trees unless
        # their node type is declared trusted.
        log_kwargs["skops_trusted_types"] = ["sklearn.tree._tree.Tree"]

    def mmds_track() -> None:
        registry.track(
            model,
            name="cancer_rf",
            project="bench",
            X_test=X_test,
            y_test=y_test,
            X_train=X_train,
            y_train=y_train,
        )

    def mlflow_run(**extra: object) -> None:
        with mlflow.start_run():
            mlflow.log_params(model.get_params())
            pred = model.predict(X_test)
            proba = model.predict_proba(X_test)
            mlflow.log_metrics(
                {
                    "accuracy": skm.accuracy_score(y_test, pred),
                    "f1": skm.f1_score(y_test, pred),
                    "roc_auc": skm.roc_auc_score(y_test, proba[:, 1]),
                    "log_loss": skm.log_loss(y_test, proba),
                }
            )
            mlflow.sklearn.log_model(model, **log_kwargs, **extra)

    # MLflow's default log_model infers the pip requirements by loading the model in a child
    # Python process. The second MLflow row passes them explicitly, which skips that step: it
    # is the fastest way to use log_model and shows how much of MLflow's time it accounts for.
    pins = [f"scikit-learn=={sklearn.__version__}", f"skops=={skops.__version__}"]
    tools = {
        "MMDS": mmds_track,
        "MLflow": mlflow_run,
        "MLflow-lean": lambda: mlflow_run(pip_requirements=pins),
    }
    labels = {
        "MMDS": "MMDS Registry.track",
        "MLflow": "MLflow run + log_model (defaults)",
        "MLflow-lean": "MLflow, pip_requirements given",
    }
    if args.no_lean:
        del tools["MLflow-lean"]
    times: dict[str, list[float]] = {t: [] for t in tools}
    print(common.machine_line())
    print(
        f"Tracking a {args.trees}-tree RandomForestClassifier (breast cancer, "
        f"{len(X_train)} train / {len(X_test)} test rows): {args.warmup} warm-up + "
        f"{args.reps} timed runs per tool, interleaved.",
        flush=True,
    )
    for _ in range(args.warmup):
        for fn in tools.values():
            fn()
    for i in range(args.reps):
        order = list(tools) if i % 2 == 0 else list(reversed(tools))
        for tool in order:
            seconds, _ = common.timed(tools[tool])
            times[tool].append(seconds)
        print(
            f"  rep {i + 1:2d}/{args.reps}: "
            + ", ".join(f"{t} {common.fmt_s(times[t][-1])} s" for t in tools),
            flush=True,
        )

    # Sanity checks: every call really wrote a version / a run with its metrics.
    n_versions = len(registry.find(project="bench"))
    runs = mlflow.search_runs(experiment_ids=[experiment_id], output_format="list")
    expected = args.warmup + args.reps
    assert n_versions == expected, (n_versions, expected)
    assert len(runs) == expected * (len(tools) - 1), len(runs)
    assert all("roc_auc" in r.data.metrics for r in runs)
    registry.close()

    stats = {t: common.summary(xs) for t, xs in times.items()}
    base = stats["MMDS"]
    rows = [
        [
            labels[t],
            common.fmt_s(st["median"]),
            common.fmt_s(st["p90"]),
            f"{st['median'] / base['median']:.1f}x",
            f"{st['p90'] / base['p90']:.1f}x",
        ]
        for t, st in stats.items()
    ]
    print()
    print(
        common.table(["tool", "median s", "p90 s", "ratio/MMDS (median)", "ratio/MMDS (p90)"], rows)
    )
    ratio = stats["MLflow"]["median"] / base["median"]
    print(common.verdict(ratio, TARGET, "track, MLflow with its defaults (median)"))
    if "MLflow-lean" in stats:
        lean = stats["MLflow-lean"]["median"] / base["median"]
        print(
            f"Without MLflow's pip-requirements inference the ratio is {lean:.1f}x "
            f"({'meets' if lean >= TARGET else 'below'} the {TARGET:g}x target)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
