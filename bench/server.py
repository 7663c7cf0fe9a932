"""Benchmark: MMDS in team mode, through `mmds server`, side by side with its peers.

Part 1, tracking: ``track`` of the 100-tree RandomForestClassifier of bench/track.py through a
running ``mmds server`` (``MMDS_URL`` + ``MMDS_TOKEN``, i.e. what ``mmds.track`` does with
them set: the RemoteRegistry) vs straight into the same database (the embedded Registry).
Interleaved, alternating which goes first; median and the server/direct ratio (target <= 1.5x).

Part 2, load: the server's registry seeded with N versions (default 100,000; 10 projects x 10
models, 10 params, 5 metrics + the same 5 on a slice, 10 features, 2 tags each), then for a
fixed duration 50 clients search and 8 clients track at once. The searches are the REST calls
RemoteRegistry.find makes (GET /mmds/api/versions), a mix of what users ask: a project's
latest 50; a project's versions with roc_auc > 0.9; a project's top 50 by roc_auc; a tag across
all projects. The trackers track a small LogisticRegression with test data (the server
computes its metrics). Side by side, under the same load: MLflow's tracking server
(``mlflow server``, its default workers) over the same number of runs with the same params,
metrics and tags, searched through POST /api/2.0/mlflow/runs/search with the equivalent filters,
and 8 clients each creating a run, logging params + metrics in one batch and uploading the same
model file as an artifact. Search p50/p95/p99, errors, throughput; the ratio of the p95s.

Seeding (not what is compared) writes, in bulk, the rows each tool's own write path writes:
for MMDS those of ``insert_version`` (where ``Registry.track`` ends: version, features,
metrics, tags and the hash-chained ``version.create`` event, into the schema MMDS's migrations
made); for MLflow those of create_run + log_batch (runs, params, metrics, latest_metrics,
tags, with its own table classes, into the schema ``mlflow server`` made, in experiments created
through the server). 1,000 versions/runs per transaction, with COPY on PostgreSQL; one
transaction per version would take ~10 round trips each, far too slow for 100,000.

PostgreSQL when one answers at $MMDS_BENCH_PG (default: the local socket), in fresh databases
dropped afterwards; else SQLite files (``--sqlite`` forces that).

    python bench/server.py                                  # 100,000 versions, 2 x 30 s per tool
    python bench/server.py --versions 10000 --duration 20   # quicker
    python bench/server.py --skip-load --reps 3             # only part 1, smoke test
    python bench/server.py --think 1 --track-think 5        # clients that pause as people do
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("MMDS_BENCH_PG", "postgresql+psycopg://root@/root?host=/var/run/postgresql")
TRACK_TARGET = 1.5  # server / direct, median
P95_TARGET_MS = 100.0
SEARCHERS = 50
TRACKERS = 8
PROJECTS = 10
MODELS = 10
METRICS = ("accuracy", "f1", "roc_auc", "log_loss", "precision")
SLICE = "country=US"
TEAMS = ("credit", "fraud", "churn", "pricing")
FEATURES = [f"feature_{i}" for i in range(10)]
SMALL_COLS = ["mean radius", "mean texture", "mean perimeter"]
BATCH = 1000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=10, help="part 1: timed tracks per path (10)")
    p.add_argument("--warmup", type=int, default=1, help="part 1: untimed tracks per path (1)")
    p.add_argument("--trees", type=int, default=100, help="part 1: trees in the forest (100)")
    p.add_argument(
        "--versions", type=int, default=100_000, help="part 2: versions = MLflow runs (100000)"
    )
    p.add_argument(
        "--duration", type=float, default=30.0, help="part 2: seconds of load per phase (30)"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="part 2: load phases per tool, alternating MMDS/MLflow (2)",
    )
    p.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="part 2: seconds each searcher waits between searches (0: back to back)",
    )
    p.add_argument(
        "--track-think",
        type=float,
        default=0.0,
        help="part 2: seconds each tracker waits between tracks, as fitting the next model "
        "takes (0: back to back)",
    )
    p.add_argument("--searchers", type=int, default=SEARCHERS, help="part 2: searching clients")
    p.add_argument("--trackers", type=int, default=TRACKERS, help="part 2: tracking clients")
    p.add_argument(
        "--mlflow-workers",
        type=int,
        default=None,
        help="part 2: `mlflow server --workers` (default: MLflow's own default)",
    )
    p.add_argument(
        "--processes",
        type=int,
        default=2,
        help="`mmds server --processes` (2: one a core on the 2-core machine of the README)",
    )
    p.add_argument("--sqlite", action="store_true", help="use SQLite even if PostgreSQL answers")
    p.add_argument("--skip-track", action="store_true", help="skip part 1")
    p.add_argument("--skip-load", action="store_true", help="skip part 2")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


# -- databases ---------------------------------------------------------------------------------


def pg_answers() -> bool:
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def databases(use_pg: bool, tmp: Path, names: list[str]) -> Iterator[dict[str, str]]:
    """A fresh database URL per name: PostgreSQL databases dropped afterwards, or SQLite files."""
    if not use_pg:
        yield {n: f"sqlite:///{tmp / (n + '.db')}" for n in names}
        return
    import sqlalchemy as sa

    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    made = {n: f"mmds_bench_{n}_{os.getpid()}" for n in names}
    base = urllib.parse.urlsplit(PG_URL)
    with admin.connect() as conn:
        for db in made.values():
            conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
    try:
        yield {n: urllib.parse.urlunsplit(base._replace(path="/" + db)) for n, db in made.items()}
    finally:
        with admin.connect() as conn:
            for db in made.values():
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


# -- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


def start(cmd: list[str], url: str, health: str, log: Path, env: dict[str, str]) -> Process:
    """Start a server in a subprocess; return once ``url + health`` answers."""
    import urllib3

    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=log.parent, env=env, stdout=out, stderr=out)
    server = Process(proc, url, log)
    deadline = time.monotonic() + 600  # several processes start slowly on a loaded machine
    while True:
        try:
            if urllib3.request("GET", url + health, timeout=5, retries=False).status == 200:
                return server
        except urllib3.exceptions.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{cmd[:4]} did not start:\n{tail}")
        time.sleep(0.3)


def clean_env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MMDS_", "JUPYTER_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "magics")]),
        JUPYTER_CONFIG_DIR=str(base / "cfg"),
        JUPYTER_RUNTIME_DIR=str(base / "rt"),
        JUPYTER_DATA_DIR=str(base / "data"),
    )
    return env


def start_mmds(db_url: str, base: Path, processes: int = 1) -> Process:
    base.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cmd = [sys.executable, "-m", "mmds_jupyter.cli", "server", f"--db-url={db_url}",
           f"--artifact-root={base / 'artifacts'}", "--ip=127.0.0.1", f"--port={port}",
           "--allow-root", f"--processes={processes}"]  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    return start(cmd, url, "mmds/api/health", base / "mmds-server.log", clean_env(base))


def start_mlflow(db_url: str, base: Path, workers: int | None) -> Process:
    base.mkdir(parents=True, exist_ok=True)
    port = free_port()
    mlflow = Path(sys.executable).with_name("mlflow")
    cmd = [str(mlflow), "server", "--backend-store-uri", db_url, "--artifacts-destination",
           str(base / "artifacts"), "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    if workers:
        cmd += ["--workers", str(workers)]
    env = {**clean_env(base), "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    return start(cmd, f"http://127.0.0.1:{port}/", "health", base / "mlflow-server.log", env)


def mmds_cli(db_url: str, *words: str) -> str:
    """Run an admin command of the `mmds` CLI on the database; its standard output."""
    from mmds_jupyter.cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(["--url", db_url, *words])
    if code != 0:
        raise RuntimeError(f"mmds {' '.join(words)} failed: {err.getvalue()}")
    return out.getvalue()


def bench_token(db_url: str, user: str = "bench") -> str:
    mmds_cli(db_url, "users", "add", user)
    # Roles deny by default: the bench user reads every seeded project (as MLflow's user does).
    mmds_cli(db_url, "grant", "admin", "--user", user)
    return mmds_cli(db_url, "tokens", "create", user).strip().splitlines()[-1]


# -- part 1: track through the server vs directly ----------------------------------------------


def part_track(
    args: argparse.Namespace, db_url: str, server: Process, token: str, tmp: Path
) -> None:
    from track import forest

    from mmds_jupyter import open_registry

    model, X_train, X_test, y_train, y_test = forest(args.trees)
    direct = open_registry(url=db_url, home=str(tmp / "direct"), actor="bench")
    remote = open_registry(url=server.url, token=token, home=str(tmp / "client"))
    data = {"X_test": X_test, "y_test": y_test, "X_train": X_train, "y_train": y_train}
    tools: dict[str, Callable[[], Any]] = {
        "server": lambda: remote.track(model, name="cancer_rf", project="via_server", **data),
        "direct": lambda: direct.track(model, name="cancer_rf", project="direct", **data),
    }
    labels = {"server": "through mmds server (MMDS_URL)", "direct": "direct to the database"}
    print(
        f"\nPart 1: track of a {args.trees}-tree RandomForestClassifier ({len(X_train)} train / "
        f"{len(X_test)} test rows): {args.warmup} warm-up + {args.reps} timed per path, "
        "interleaved.",
        flush=True,
    )
    for _ in range(args.warmup):
        for fn in tools.values():
            fn()
    times: dict[str, list[float]] = {t: [] for t in tools}
    for i in range(args.reps):
        for tool in list(tools) if i % 2 == 0 else list(reversed(tools)):
            times[tool].append(common.timed(tools[tool])[0])
        print(
            f"  rep {i + 1:2d}/{args.reps}: "
            + ", ".join(f"{t} {common.fmt_s(times[t][-1])} s" for t in tools),
            flush=True,
        )
    expected = args.warmup + args.reps
    for project in ("via_server", "direct"):
        found = len(direct.find(project=project))
        assert found == expected, (project, found, expected)
    remote.close()
    direct.close()
    stats = {t: common.summary(xs) for t, xs in times.items()}
    rows = [
        [labels[t], common.fmt_s(s["median"]), common.fmt_s(s["p90"]), common.fmt_s(s["min"])]
        for t, s in stats.items()
    ]
    print(common.table(["path", "median s", "p90 s", "min s"], rows))
    ratio = stats["server"]["median"] / stats["direct"]["median"]
    status = "MET" if ratio <= TRACK_TARGET else "MISSED"
    print(
        f"Target: track through the server at most {TRACK_TARGET:g}x the direct time "
        f"(median): {ratio:.2f}x -> {status}"
    )


# -- part 2: seeding ---------------------------------------------------------------------------


def fake(i: int, rng: random.Random) -> dict[str, Any]:
    """Version/run ``i`` of the seeded registries: the same values for both tools."""
    overall = {
        "accuracy": rng.uniform(0.6, 0.99),
        "f1": rng.uniform(0.5, 0.99),
        "roc_auc": rng.uniform(0.5, 1.0),
        "log_loss": rng.uniform(0.05, 0.7),
        "precision": rng.uniform(0.5, 0.99),
    }
    return {
        "project": f"project_{i % PROJECTS}",
        "model": f"model_{(i // PROJECTS) % MODELS}",
        "params": {
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
        },
        "metrics": overall,
        "slice_metrics": {
            k: min(1.0, max(0.0, v + rng.uniform(-0.1, 0.1))) for k, v in overall.items()
        },
        "tags": {"team": TEAMS[i % len(TEAMS)], "purpose": rng.choice(["tuning", "baseline"])},
    }


def batches(n: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    rng = random.Random(seed)
    for start_at in range(0, n, BATCH):
        yield [fake(i, rng) for i in range(start_at, min(n, start_at + BATCH))]


def bulk_insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` (a SQLAlchemy Table) on a SQLAlchemy connection: with
    PostgreSQL's COPY (JSON columns as JSON text), else an executemany INSERT."""
    import sqlalchemy as sa

    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(sa.insert(table), rows)
        return
    cols = list(rows[0])
    as_json = {c for c in cols if isinstance(table.c[c].type, sa.JSON)}
    raw = conn.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in cols)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for r in rows:
            copy.write_row(
                [json.dumps(r[c]) if c in as_json and r[c] is not None else r[c] for c in cols]
            )


def seed_mmds(db_url: str, tmp: Path, n: int, seed: int) -> float:
    """N versions as the rows ``insert_version`` (Registry.track's last step) writes: version,
    features, metrics (overall + slice), tags and the chained ``version.create`` event, with
    MMDS's own table classes and hash function; 1,000 versions a transaction, in bulk (one
    transaction per version takes ~10 round trips each, too slow for 100,000)."""
    from sqlalchemy import insert, select

    from mmds_jupyter.capture import provenance
    from mmds_jupyter.registry import Registry
    from mmds_jupyter.store.events import GENESIS, event_hash
    from mmds_jupyter.store.rows import utc_now
    from mmds_jupyter.store.tables import (
        EventRow,
        FeatureRow,
        MetricRow,
        ModelRow,
        ProjectRow,
        TagRow,
        VersionRow,
    )

    registry = Registry(url=db_url, home=str(tmp / "seed"), actor="bench")
    db = registry.store.versions.db
    env = provenance.environment()
    cls = "sklearn.ensemble.RandomForestClassifier"
    outputs = [{"name": "prediction", "kind": "label", "dtype": "int64", "values": [0, 1]}]
    t0 = time.perf_counter()
    models: dict[tuple[str, str], int] = {}
    with db.session(write=True) as s:
        now = utc_now()
        for p in range(PROJECTS):
            project = ProjectRow(name=f"project_{p}", created_at=now)
            s.add(project)
            s.flush()
            for m in range(MODELS):
                model = ModelRow(
                    project_id=project.id, name=f"model_{m}", last_version=0, created_at=now
                )
                s.add(model)
                s.flush()
                models[(project.name, model.name)] = model.id
    numbers = dict.fromkeys(models, 0)
    for batch in batches(n, seed):
        with db.session(write=True) as s:
            prev = s.execute(select(EventRow.hash).order_by(EventRow.id.desc()).limit(1)).scalar()
            prev = prev or GENESIS
            versions = []
            for v in batch:
                key = (v["project"], v["model"])
                numbers[key] += 1
                versions.append(
                    dict(model_id=models[key], number=numbers[key], stage="development",
                         framework="sklearn", estimator_class=cls, task="binary", author="bench",
                         created_at=utc_now(), artifact_sha256=None, artifact_format=None,
                         parent_id=None, notebook_path=None, description=None,
                         params=v["params"], steps={"name": "model", "class": cls},
                         outputs=outputs, provenance={"notebook": None, "user": "bench"},
                         environment=env, summary=v["metrics"])
                )  # fmt: skip
            ids = s.execute(
                insert(VersionRow).returning(VersionRow.id, sort_by_parameter_order=True),
                versions,
            ).scalars()
            features: list[dict[str, Any]] = []
            metrics: list[dict[str, Any]] = []
            tags: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            for v, vid, row in zip(batch, ids, versions, strict=True):
                features += [
                    dict(version_id=vid, position=i, name=f, dtype="float64", used=True,
                         importance=0.1)
                    for i, f in enumerate(FEATURES)
                ]  # fmt: skip
                for slice_, values in (("", v["metrics"]), (SLICE, v["slice_metrics"])):
                    metrics += [
                        dict(version_id=vid, name=k, slice=slice_, dataset="test", value=x)
                        for k, x in values.items()
                    ]
                tags += [dict(version_id=vid, key=k, value=x) for k, x in v["tags"].items()]
                ref = f"{v['project']}/{v['model']}:{row['number']}"
                after = {"estimator": cls, "stage": "development", "artifact_sha256": None,
                         "metrics": v["metrics"], "parent": None}  # fmt: skip
                now = utc_now()
                digest = event_hash(
                    prev, now, "bench", "version.create", "version", ref, None, after
                )
                events.append(
                    dict(time=now, actor="bench", action="version.create", object_kind="version",
                         object_ref=ref, before=None, after=after, prev_hash=prev, hash=digest)
                )  # fmt: skip
                prev = digest
            for table, values in ((FeatureRow, features), (MetricRow, metrics), (TagRow, tags),
                                  (EventRow, events)):  # fmt: skip
                bulk_insert(s.connection(), table.__table__, values)
    with db.session(write=True) as s:
        for key, model_id in models.items():
            row = s.get(ModelRow, model_id)
            assert row is not None
            row.last_version = numbers[key]
    seconds = time.perf_counter() - t0
    registry.close()
    return seconds


def seed_mlflow(db_url: str, server: Process, n: int, seed: int) -> tuple[float, dict[str, str]]:
    """N runs as the rows create_run + log_batch write, with MLflow's table classes, 1,000 a
    transaction; the experiments are created through the server, so their artifact locations
    are its own."""
    import sqlalchemy as sa
    from mlflow.store.tracking.dbmodels.models import (
        SqlLatestMetric,
        SqlMetric,
        SqlParam,
        SqlRun,
        SqlTag,
    )
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=server.url.rstrip("/"))
    experiments = {
        f"project_{p}": client.create_experiment(f"project_{p}") for p in range(PROJECTS)
    }
    locations = {k: client.get_experiment(e).artifact_location for k, e in experiments.items()}
    engine = sa.create_engine(db_url)
    t0 = time.perf_counter()
    for batch in batches(n, seed):
        rows: dict[Any, list[dict[str, Any]]] = {
            t: [] for t in (SqlRun, SqlParam, SqlMetric, SqlLatestMetric, SqlTag)
        }
        now = int(time.time() * 1000)
        for v in batch:
            run_id = uuid.uuid4().hex
            rows[SqlRun].append(
                dict(run_uuid=run_id, name=v["model"], source_type="LOCAL", source_name="",
                     entry_point_name="", user_id="bench", status="FINISHED", start_time=now,
                     end_time=now, deleted_time=None, source_version="",
                     lifecycle_stage="active",
                     artifact_uri=f"{locations[v['project']]}/{run_id}/artifacts",
                     experiment_id=int(experiments[v["project"]]))
            )  # fmt: skip
            rows[SqlParam] += [
                dict(key=k, value=str(x), run_uuid=run_id) for k, x in v["params"].items()
            ]
            metrics = {**v["metrics"]}
            metrics.update({f"country_US/{k}": x for k, x in v["slice_metrics"].items()})
            for table in (SqlMetric, SqlLatestMetric):
                rows[table] += [
                    dict(key=k, value=x, timestamp=now, step=0, is_nan=False, run_uuid=run_id)
                    for k, x in metrics.items()
                ]
            tags = {**v["tags"], "mlflow.runName": v["model"], "mlflow.user": "bench"}
            rows[SqlTag] += [dict(key=k, value=x, run_uuid=run_id) for k, x in tags.items()]
        with engine.begin() as conn:
            for table, values in rows.items():
                bulk_insert(conn, table.__table__, values)
    seconds = time.perf_counter() - t0
    engine.dispose()
    return seconds, experiments


# -- part 2: load ------------------------------------------------------------------------------


@dataclass
class Load:
    """What one load phase recorded."""

    searches: list[tuple[str, float, bool]] = field(default_factory=list)
    tracks: list[tuple[float, bool]] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what[:160]] = self.errors.get(what[:160], 0) + 1


@dataclass
class Tool:
    name: str
    searches: list[tuple[str, Callable[[Any], Any]]]  # (kind, fn(pool) -> urllib3 response)
    make_tracker: Callable[[int], Callable[[], None]]


def run_load(tool: Tool, args: argparse.Namespace) -> Load:
    import urllib3

    pool = urllib3.PoolManager(maxsize=args.searchers + args.trackers, block=True, retries=False)
    load = Load()
    stop = threading.Event()
    go = threading.Barrier(args.searchers + args.trackers + 1)

    def searcher(k: int) -> None:
        i = k
        go.wait()
        while not stop.is_set():
            kind, fn = tool.searches[i % len(tool.searches)]
            i += 1
            t0 = time.perf_counter()
            try:
                resp = fn(pool)
                ok = resp.status == 200
                if not ok:
                    load.error(f"search {kind}: HTTP {resp.status} {resp.data[:120]!r}")
            except Exception as exc:
                ok = False
                load.error(f"search {kind}: {type(exc).__name__}: {exc}")
            dt = time.perf_counter() - t0
            if not stop.is_set():
                with load.lock:
                    load.searches.append((kind, dt, ok))
            if args.think:
                stop.wait(args.think)

    def tracker(k: int) -> None:
        track = tool.make_tracker(k)
        go.wait()
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                track()
                ok = True
            except Exception as exc:
                ok = False
                load.error(f"track: {type(exc).__name__}: {exc}")
            dt = time.perf_counter() - t0
            if not stop.is_set():
                with load.lock:
                    load.tracks.append((dt, ok))
            if args.track_think:
                stop.wait(args.track_think)

    threads = [threading.Thread(target=searcher, args=(k,)) for k in range(args.searchers)]
    threads += [threading.Thread(target=tracker, args=(k,)) for k in range(args.trackers)]
    for t in threads:
        t.start()
    go.wait()
    t0 = time.perf_counter()
    stop.wait(args.duration)
    stop.set()
    load.seconds = time.perf_counter() - t0
    for t in threads:
        t.join()
    pool.clear()
    return load


def mmds_tool(server: Process, token: str, tmp: Path) -> Tool:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from mmds_jupyter import open_registry

    headers = {"Authorization": f"token {token}"}
    api = server.url + "mmds/api/versions?"

    def get(params: dict[str, Any]) -> Callable[[Any], Any]:
        # As RemoteRegistry.find asks: a page, no count of the matches beyond it (MLflow's
        # runs/search does not count either).
        url = api + urllib.parse.urlencode({**params, "limit": 50, "count": "false"})
        return lambda pool: pool.request("GET", url, headers=headers, timeout=60)

    searches = []
    for p in range(PROJECTS):
        project = f"project_{p}"
        searches += [
            ("project, latest 50", get({"project": project})),
            ("roc_auc>0.9", get({"project": project, "where": "roc_auc>0.9"})),
            ("top 50 by roc_auc", get({"project": project, "order_by": "-roc_auc"})),
            ("tag team=X", get({"tag": f"team={TEAMS[p % len(TEAMS)]}"})),
        ]
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_small = X[SMALL_COLS]
    model = LogisticRegression(max_iter=500).fit(X_small, y)

    def make_tracker(k: int) -> Callable[[], None]:
        registry = open_registry(url=server.url, token=token, home=str(tmp / f"client{k}"))

        def track() -> None:
            registry.track(model, name=f"tiny_{k}", project="load", X_test=X_small, y_test=y)

        return track

    return Tool("MMDS", searches, make_tracker)


def mlflow_tool(server: Process, experiments: dict[str, str], tmp: Path) -> Tool:
    import skops.io
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient
    from sklearn import metrics as skm
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    url = server.url + "api/2.0/mlflow/runs/search"
    every = list(experiments.values())

    def post(body: dict[str, Any]) -> Callable[[Any], Any]:
        data = json.dumps({**body, "max_results": 50}).encode()
        hdr = {"Content-Type": "application/json"}
        return lambda pool: pool.request("POST", url, body=data, headers=hdr, timeout=60)

    searches = []
    by_auc = "metrics.roc_auc DESC"
    for p in range(PROJECTS):
        exp = [experiments[f"project_{p}"]]
        searches += [
            ("project, latest 50", post({"experiment_ids": exp})),
            ("roc_auc>0.9", post({"experiment_ids": exp, "filter": "metrics.roc_auc > 0.9"})),
            ("top 50 by roc_auc", post({"experiment_ids": exp, "order_by": [by_auc]})),
            ("tag team=X", post({"experiment_ids": every,
                                 "filter": f"tags.team = '{TEAMS[p % len(TEAMS)]}'"})),
        ]  # fmt: skip
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_small = X[SMALL_COLS]
    model = LogisticRegression(max_iter=500).fit(X_small, y)
    model_file = tmp / "mlflow-model" / "model.skops"
    model_file.parent.mkdir(parents=True, exist_ok=True)
    skops.io.dump(model, model_file)
    client = MlflowClient(tracking_uri=server.url.rstrip("/"))
    exp_id = client.create_experiment("load")

    def make_tracker(k: int) -> Callable[[], None]:
        def track() -> None:
            run = client.create_run(exp_id, run_name=f"tiny_{k}")
            pred, proba = model.predict(X_small), model.predict_proba(X_small)
            ts = int(time.time() * 1000)
            values = {
                "accuracy": skm.accuracy_score(y, pred),
                "f1": skm.f1_score(y, pred),
                "roc_auc": skm.roc_auc_score(y, proba[:, 1]),
                "log_loss": skm.log_loss(y, proba),
            }
            client.log_batch(
                run.info.run_id,
                metrics=[Metric(n, x, ts, 0) for n, x in values.items()],
                params=[Param(n, str(x)) for n, x in model.get_params().items()],
            )
            client.log_artifact(run.info.run_id, str(model_file), "model")
            client.set_terminated(run.info.run_id)

        return track

    return Tool("MLflow", searches, make_tracker)


def ms(x: float) -> str:
    return f"{x * 1000:.1f}"


def report(loads: dict[str, list[Load]]) -> dict[str, float]:
    rows, p95s = [], {}
    for name, phases in loads.items():
        lat = [dt for ld in phases for _, dt, ok in ld.searches if ok]
        n_search = sum(len(ld.searches) for ld in phases)
        errors = sum(sum(ld.errors.values()) for ld in phases)
        secs = sum(ld.seconds for ld in phases)
        tracks = [dt for ld in phases for dt, ok in ld.tracks if ok]
        p95s[name] = common.percentile(lat, 95)
        rows.append(
            [
                name,
                f"{n_search:,}",
                f"{n_search / secs:.1f}",
                ms(common.percentile(lat, 50)),
                ms(p95s[name]),
                ms(common.percentile(lat, 99)),
                f"{len(tracks)}",
                f"{len(tracks) / secs:.2f}",
                ms(statistics.median(tracks)) if tracks else "-",
                str(errors),
            ]
        )
    print(
        common.table(
            ["server", "searches", "/s", "p50 ms", "p95 ms", "p99 ms", "tracks", "/s",
             "track p50 ms", "errors"],
            rows,
        )
    )  # fmt: skip
    kinds = sorted({k for phases in loads.values() for ld in phases for k, _, _ in ld.searches})
    per_kind = []
    for kind in kinds:
        cells = [kind]
        for phases in loads.values():
            lat = [dt for ld in phases for k, dt, ok in ld.searches if ok and k == kind]
            cells += [ms(common.percentile(lat, 50)), ms(common.percentile(lat, 95))]
        per_kind.append(cells)
    heads = ["search"] + [f"{n} {q}" for n in loads for q in ("p50 ms", "p95 ms")]
    print("\nBy kind of search:")
    print(common.table(heads, per_kind))
    for name, phases in loads.items():
        seen: dict[str, int] = {}
        for ld in phases:
            for what, count in ld.errors.items():
                seen[what] = seen.get(what, 0) + count
        for what, count in sorted(seen.items(), key=lambda kv: -kv[1])[:5]:
            print(f"  {name} error x{count}: {what}")
    return p95s


def part_load(
    args: argparse.Namespace, urls: dict[str, str], mmds: Process, token: str, tmp: Path
) -> None:
    print(
        f"\nPart 2: load at {args.versions:,} versions/runs ({PROJECTS} projects x {MODELS} "
        f"models; 10 params, {len(METRICS)} metrics + {len(METRICS)} on a slice, 2 tags each).",
        flush=True,
    )
    t_mmds = seed_mmds(urls["mmds"], tmp, args.versions, args.seed)
    print(f"  seeded MMDS in {t_mmds:.1f} s ({args.versions / t_mmds:,.0f} versions/s)", flush=True)
    mlf = start_mlflow(urls["mlflow"], tmp / "mlflow", args.mlflow_workers)
    try:
        t_mlf, experiments = seed_mlflow(urls["mlflow"], mlf, args.versions, args.seed)
        print(f"  seeded MLflow in {t_mlf:.1f} s ({args.versions / t_mlf:,.0f} runs/s)", flush=True)
        tools = {"MMDS": mmds_tool(mmds, token, tmp), "MLflow": mlflow_tool(mlf, experiments, tmp)}
        check_answers(tools)
        print(
            f"  load: {args.searchers} searching + {args.trackers} tracking clients (threads of "
            f"this process, urllib3), {args.rounds} x {args.duration:g} s per server, "
            f"alternating; think time {args.think:g} s (searchers), {args.track_think:g} s "
            f"(trackers); MLflow workers: "
            f"{args.mlflow_workers or 'its default (4 processes in MLflow 3)'}; "
            f"mmds server: {args.processes} process(es).",
            flush=True,
        )
        idle = {name: idle_latency(tool) for name, tool in tools.items()}
        print(
            "  one client alone, no load (each search once, sequential): search p50 "
            + ", ".join(f"{n} {ms(statistics.median(xs))} ms" for n, xs in idle.items()),
            flush=True,
        )
        loads: dict[str, list[Load]] = {n: [] for n in tools}
        for r in range(args.rounds):
            for name in list(tools) if r % 2 == 0 else list(reversed(tools)):
                with contextlib.redirect_stdout(io.StringIO()):  # MLflow prints run links
                    ld = run_load(tools[name], args)
                loads[name].append(ld)
                lat = [dt for _, dt, ok in ld.searches if ok]
                print(
                    f"  round {r + 1} {name:6s}: {len(ld.searches):,} searches, p95 "
                    f"{ms(common.percentile(lat, 95))} ms, {len(ld.tracks)} tracks, "
                    f"{sum(ld.errors.values())} errors",
                    flush=True,
                )
    finally:
        mlf.stop()
    print()
    p95 = report(loads)
    errors = sum(sum(ld.errors.values()) for ld in loads["MMDS"])
    ok = p95["MMDS"] * 1000 < P95_TARGET_MS and errors == 0
    print(
        f"\nMLflow/MMDS search p95: {p95['MLflow'] / p95['MMDS']:.1f}x. Target: MMDS search "
        f"p95 under {P95_TARGET_MS:g} ms with no error: {ms(p95['MMDS'])} ms, {errors} errors "
        f"-> {'MET' if ok else 'MISSED'}"
    )


def idle_latency(tool: Tool) -> list[float]:
    """Seconds of each search of ``tool`` made once, one after another, with nothing else
    running: what a search costs the server before any queueing."""
    import urllib3

    pool = urllib3.PoolManager()
    return [common.timed(lambda fn=fn: fn(pool))[0] for _, fn in tool.searches]


def check_answers(tools: dict[str, Tool]) -> None:
    """Before timing: every search answers 200 with 50 rows (or all there are) on both servers,
    the two agree on how many rows each kind returned, and each server tracks once."""
    import urllib3

    pool = urllib3.PoolManager()
    counts: dict[str, list[int]] = {}
    for name, tool in tools.items():
        got = []
        for kind, fn in tool.searches:
            resp = fn(pool)
            assert resp.status == 200, (name, kind, resp.status, resp.data[:300])
            body = json.loads(resp.data)
            got.append(len(body.get("items", body.get("runs", []))))
        counts[name] = got
    assert counts["MMDS"] == counts["MLflow"], counts
    assert all(n > 0 for n in counts["MMDS"]), counts
    # One track each, untimed: it works, and the servers have loaded what tracking needs.
    for tool in tools.values():
        with contextlib.redirect_stdout(io.StringIO()):
            tool.make_tracker(-1)()


# -- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parent = common.memory_tmpdir()
    with common.scratch("mmds-bench-server-", parent) as tmp:
        common.offline_mlflow_env(f"sqlite:///{tmp / 'unused-mlflow.db'}")
        common.quiet()
        use_pg = not args.sqlite and pg_answers()
        print(common.machine_line())
        where = "PostgreSQL (fresh databases, dropped afterwards)" if use_pg else "SQLite files"
        print(f"Databases: {where}; files under {tmp}")
        with databases(use_pg, tmp, ["mmds", "mlflow"]) as urls:
            # The schema first (the server and this process then find it made).
            from mmds_jupyter.registry import Registry

            with Registry(url=urls["mmds"], home=str(tmp / "direct"), actor="bench") as reg:
                reg.store.search.find(reg.query(limit=1))
            token = bench_token(urls["mmds"])
            mmds = start_mmds(urls["mmds"], tmp / "mmds", args.processes)
            try:
                if not args.skip_track:
                    part_track(args, urls["mmds"], mmds, token, tmp)
                if not args.skip_load:
                    part_load(args, urls, mmds, token, tmp)
            finally:
                mmds.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
