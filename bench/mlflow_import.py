"""Benchmark: importing an MLflow store, ``mmds import mlflow`` vs MLflow's own ``search_runs``.

An MLflow SQLite tracking store gets N runs (default 10,000), each with 20 parameters, 5
metrics and a logged model without files (``create_logged_model``, MLflow 3's record of a
model): the first ``--client-runs`` (1,000) through ``MlflowClient``, the others as copies of
those made in SQL with new run and model ids (MLflow's own writes take ~0.1-0.4 s a run here,
an hour for 10,000; a copy differs from its original in its ids alone). Then:

* MMDS: ``import_mlflow`` of the whole store into a fresh SQLite registry (reading every run,
  its logged model, and the histories of metrics logged at more than one step, through
  MlflowClient; writing the versions 200 to a transaction), in runs per second;
* MLflow: ``search_runs`` reading the same N runs back, page by page, for scale.

The ratio says how much of an import is MLflow reading its own store.

    python bench/mlflow_import.py                 # 10,000 runs
    python bench/mlflow_import.py --runs 300      # quick smoke test
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

import common

METRICS = ("accuracy", "f1", "roc_auc", "log_loss", "precision")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=10_000, help="MLflow runs (10000)")
    p.add_argument(
        "--client-runs", type=int, default=1000, help="runs made through MlflowClient (1000)"
    )
    p.add_argument("--experiments", type=int, default=4, help="experiments (4)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tmpdir", default=None, help="where the stores go (default /dev/shm)")
    return p.parse_args(argv)


def fill(client: Any, experiment_ids: list[str], n: int, seed: int) -> float:
    """N runs with 20 params, 5 metrics and a logged model without files; seconds taken."""
    from mlflow.entities import Metric, Param

    rng = random.Random(seed)
    t0 = time.perf_counter()
    for i in range(n):
        exp = experiment_ids[i % len(experiment_ids)]
        run = client.create_run(exp, run_name=f"run-{i}")
        ts = int(time.time() * 1000)
        params = [
            Param(f"param_{k}", str(rng.choice([1, 2, 4, 8, "auto", None]))) for k in range(20)
        ]
        metrics = [Metric(m, rng.random(), ts, 0) for m in METRICS]
        client.log_batch(run.info.run_id, metrics=metrics, params=params)
        client.create_logged_model(exp, name="model", source_run_id=run.info.run_id)
        client.set_terminated(run.info.run_id)
    return time.perf_counter() - t0


def copy_runs(db: Path, n: int) -> float:
    """Copies of the store's runs (with their params, tags, metrics and logged models) under
    new run and model ids, in SQL, until it holds ``n`` runs; seconds taken."""
    import sqlite3

    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    have = originals = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    copy = 0
    while have < n:
        copy += 1
        take = min(originals, n - have)
        tail = f"'{copy:04x}'"
        new_run = f"substr(run_uuid, 1, 28) || {tail}"
        con.execute(
            "CREATE TEMP TABLE pick AS SELECT run_uuid FROM runs ORDER BY rowid LIMIT ?", (take,)
        )
        for table in ("runs", "params", "tags", "metrics", "latest_metrics"):
            con.execute(f"CREATE TEMP TABLE t AS SELECT * FROM {table} WHERE run_uuid IN pick")
            con.execute(f"UPDATE t SET run_uuid = {new_run}")
            con.execute(f"INSERT INTO {table} SELECT * FROM t")
            con.execute("DROP TABLE t")
        con.execute(
            "CREATE TEMP TABLE t AS SELECT * FROM logged_models WHERE source_run_id IN pick"
        )
        con.execute(
            f"UPDATE t SET model_id = substr(model_id, 1, 30) || {tail}, "
            f"source_run_id = substr(source_run_id, 1, 28) || {tail}"
        )
        con.execute("INSERT INTO logged_models SELECT * FROM t")
        con.execute("DROP TABLE t")
        con.execute("DROP TABLE pick")
        con.commit()
        have += take
    con.close()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with common.scratch("mmds-bench-mlflow-import-", args.tmpdir or common.memory_tmpdir()) as tmp:
        return run(args, tmp)


def run(args: argparse.Namespace, tmp: Path) -> int:
    uri = f"sqlite:///{tmp / 'mlflow' / 'mlflow.db'}"
    common.offline_mlflow_env(uri)
    (tmp / "mlflow").mkdir()
    common.quiet()

    from mlflow.store.tracking import SEARCH_MAX_RESULTS_THRESHOLD
    from mlflow.tracking import MlflowClient

    from mmds_jupyter.mlflow_io import import_mlflow
    from mmds_jupyter.registry import Registry

    print(common.machine_line())
    client = MlflowClient(uri)
    ids = [
        client.create_experiment(f"exp_{e}", artifact_location=(tmp / "mlflow" / f"a{e}").as_uri())
        for e in range(args.experiments)
    ]
    made = min(args.runs, args.client_runs)
    print(f"Filling MLflow with {args.runs:,} runs (20 params, 5 metrics, a logged model)...")
    t_fill = fill(client, ids, made, args.seed)
    print(f"  {made:,} by MLflow create_run+log_batch+create_logged_model: {t_fill:.1f} s")
    if args.runs > made:
        t_copy = copy_runs(tmp / "mlflow" / "mlflow.db", args.runs)
        print(f"  {args.runs - made:,} copies in SQL: {t_copy:.1f} s", flush=True)

    def mlflow_read() -> int:
        seen, token = 0, None
        while True:
            page = client.search_runs(
                ids, max_results=SEARCH_MAX_RESULTS_THRESHOLD, page_token=token
            )
            seen += len(page)
            token = page.token
            if not token:
                return seen

    t_search, seen = common.timed(mlflow_read)
    assert seen == args.runs, seen
    registry = Registry(
        url=f"sqlite:///{tmp / 'mmds' / 'mmds.db'}", home=str(tmp / "mmds"), actor="bench"
    )
    registry.find()  # the schema exists before the clock starts
    t_import, summary = common.timed(lambda: import_mlflow(registry, uri))
    assert len(summary.imported) == args.runs, str(summary)
    t_again, again = common.timed(lambda: import_mlflow(registry, uri))
    assert again.imported == [] and again.already_imported == args.runs
    rows = [
        ["MMDS import_mlflow (first)", common.fmt_s(t_import), f"{args.runs / t_import:,.0f}"],
        [
            "MMDS import_mlflow (again: nothing new)",
            common.fmt_s(t_again),
            f"{args.runs / t_again:,.0f}",
        ],
        ["MLflow search_runs (read all)", common.fmt_s(t_search), f"{args.runs / t_search:,.0f}"],
    ]
    print(common.table(["what", "time", "runs/s"], rows))
    print(
        f"Import takes {t_import / t_search:.1f}x the time MLflow's own search_runs takes to read "
        "the same runs (the import reads each run's logged model and metric histories too, "
        "and writes a version per run)."
    )
    registry.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
