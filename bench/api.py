"""REST latency of the MMDS panel's calls against MLflow's runs/search, on the same data.

Fills an MMDS registry and an MLflow tracking store with the same N versions/runs (default
100,000), starts a real jupyter server with the MMDS extension and a real ``mlflow server``,
and measures p50/p95 latency over HTTP (one keep-alive connection per side) of:

- first page: the sidebar's opening request, newest 25 versions with their headline metric
  (MMDS ``GET /mmds/api/versions?limit=25``, MLflow ``runs/search`` by start time, 25 runs);
- search: versions that use a feature with roc_auc > 0.8, newest 25 (MMDS ``feature=`` and
  ``where=``; MLflow ``tags.`feature.X` = '1' and metrics.roc_auc > 0.8``);
- detail: one version (MMDS ``GET /mmds/api/versions/<ref>``, MLflow ``runs/get``).

Both stores are filled by bulk inserts into their own tables (SQLAlchemy Core, one
transaction each), because going through ``Registry.store.versions.create_version`` and MLflow's
``log_batch`` for 100,000 versions takes tens of minutes and is not what is measured here. The
MMDS rows are those ``create_version`` writes: projects, models, versions (with the overall
metrics denormalised into ``summary``), features, metrics overall and on one slice, tags,
and one hash-chained ``version.create`` event per version.

Run it with the project's environment; the MLflow side (filling its store, ``mlflow server``)
runs with the Python of ``--mlflow-python`` (default: .venv-bench, where MLflow lives)::

    .venv/bin/python bench/api.py            # 100,000 versions
    .venv/bin/python bench/api.py --smoke    # 2,000 versions, a quick check

Targets: first page and search under 100 ms at p95, and at least 10x faster than MLflow.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

METRICS = ("accuracy", "f1", "roc_auc", "log_loss")
SLICE = "country=US"
N_FEATURES = 100  # feature pool; each version uses 10 of them
SEARCH_FEATURE = "f_7"
PAGE = 25


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--versions", type=int, default=100_000, help="versions/runs (100000)")
    p.add_argument("--smoke", action="store_true", help="2,000 versions and fewer requests")
    p.add_argument("--requests", type=int, default=200, help="timed requests per call (200)")
    p.add_argument("--projects", type=int, default=20, help="projects = experiments (20)")
    p.add_argument("--models", type=int, default=25, help="models per project (25)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep", action="store_true", help="keep the temporary stores")
    p.add_argument("--json", help="also write the results to this JSON file")
    p.add_argument(
        "--mlflow-python",
        default=str(Path(__file__).resolve().parents[1] / ".venv-bench" / "bin" / "python"),
        help="a Python with MLflow installed (default: .venv-bench)",
    )
    p.add_argument("--fill-mlflow", nargs=2, metavar=("URI", "DIR"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.smoke:
        args.versions, args.requests = min(args.versions, 2_000), min(args.requests, 60)
    return args


# -- data ------------------------------------------------------------------------------------


def fake_versions(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """Deterministic versions spread over projects and models, oldest first."""
    rng = random.Random(args.seed)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    per_model: dict[tuple[int, int], int] = {}
    for i in range(args.versions):
        p, m = rng.randrange(args.projects), rng.randrange(args.models)
        number = per_model[(p, m)] = per_model.get((p, m), 0) + 1
        auc = rng.uniform(0.55, 0.97)
        metrics = {
            "accuracy": auc - rng.uniform(0.02, 0.08),
            "f1": auc - rng.uniform(0, 0.1),
            "roc_auc": auc,
            "log_loss": rng.uniform(0.1, 0.7),
        }
        yield {
            "i": i,
            "project": f"proj_{p}",
            "model": f"model_{m}",
            "number": number,
            "created": start + timedelta(seconds=30 * i),
            "features": sorted(rng.sample(range(N_FEATURES), 10)),
            "metrics": metrics,
            "slice_metrics": {
                k: min(1.0, v + rng.uniform(-0.05, 0.05)) for k, v in metrics.items()
            },
            "params": {
                "n_estimators": rng.choice([50, 100, 200]),
                "max_depth": rng.choice([3, 5, 8, None]),
                "min_samples_leaf": rng.choice([1, 2, 5]),
            },
            "team": rng.choice(["credit", "fraud", "growth"]),
        }


def fill_mmds(url: str, home: str, versions: list[dict[str, Any]]) -> None:
    """Bulk-insert the versions into the MMDS tables (schema made by the registry itself)."""
    from sqlalchemy import insert

    from mmds_jupyter.registry import Registry
    from mmds_jupyter.store.events import GENESIS, event_hash
    from mmds_jupyter.store.tables import (
        EventRow,
        FeatureRow,
        MetricRow,
        ModelRow,
        ProjectRow,
        TagRow,
        VersionRow,
    )

    reg = Registry(url=url, home=home, actor="bench")
    reg.store.versions.projects()  # creates the schema through the Alembic migrations
    cls = "sklearn.ensemble.RandomForestClassifier"
    env = {"python": sys.version.split()[0], "libraries": {"scikit-learn": "1.x"}}
    now = versions[0]["created"]
    projects = sorted({v["project"] for v in versions})
    project_id = {name: i + 1 for i, name in enumerate(projects)}
    models = sorted({(v["project"], v["model"]) for v in versions})
    model_id = {key: i + 1 for i, key in enumerate(models)}
    last = {}
    for v in versions:
        last[(v["project"], v["model"])] = v["number"]
    with reg.db.engine.begin() as conn:
        conn.execute(
            insert(ProjectRow),
            [{"id": i, "name": n, "created_at": now} for n, i in project_id.items()],
        )
        conn.execute(
            insert(ModelRow),
            [
                {
                    "id": i,
                    "project_id": project_id[p],
                    "name": m,
                    "last_version": last[(p, m)],
                    "created_at": now,
                }
                for (p, m), i in model_id.items()
            ],
        )
        rows, feats, mets, tags, events = [], [], [], [], []
        prev = GENESIS
        for v in versions:
            vid = v["i"] + 1
            rows.append(
                {
                    "id": vid,
                    "model_id": model_id[(v["project"], v["model"])],
                    "number": v["number"],
                    "stage": "development",
                    "framework": "sklearn",
                    "estimator_class": cls,
                    "task": "binary",
                    "author": "bench",
                    "created_at": v["created"],
                    "artifact_sha256": None,
                    "artifact_format": None,
                    "parent_id": None,
                    "notebook_path": None,
                    "description": None,
                    "params": v["params"],
                    "steps": {"class": cls},
                    "outputs": [],
                    "provenance": {"user": "bench", "notebook": None},
                    "environment": env,
                    "summary": v["metrics"],
                }
            )
            feats += [
                {
                    "version_id": vid,
                    "position": j,
                    "name": f"f_{f}",
                    "dtype": "float64",
                    "used": True,
                    "importance": None,
                }
                for j, f in enumerate(v["features"])
            ]
            mets += [
                {"version_id": vid, "name": k, "slice": "", "dataset": "test", "value": x}
                for k, x in v["metrics"].items()
            ]
            mets += [
                {"version_id": vid, "name": k, "slice": SLICE, "dataset": "test", "value": x}
                for k, x in v["slice_metrics"].items()
            ]
            tags.append({"version_id": vid, "key": "team", "value": v["team"]})
            ref = f"{v['project']}/{v['model']}:{v['number']}"
            after = {
                "estimator": cls,
                "stage": "development",
                "artifact_sha256": None,
                "metrics": v["metrics"],
                "parent": None,
            }
            h = event_hash(
                prev, v["created"], "bench", "version.create", "version", ref, None, after
            )
            events.append(
                {
                    "id": vid,
                    "time": v["created"],
                    "actor": "bench",
                    "action": "version.create",
                    "object_kind": "version",
                    "object_ref": ref,
                    "before": None,
                    "after": after,
                    "prev_hash": prev,
                    "hash": h,
                }
            )
            prev = h
        for table, data in (
            (VersionRow, rows),
            (FeatureRow, feats),
            (MetricRow, mets),
            (TagRow, tags),
            (EventRow, events),
        ):
            for k in range(0, len(data), 20_000):
                conn.execute(insert(table), data[k : k + 20_000])
    reg.close()


def fill_mlflow(uri: str, artifacts: Path, versions: list[dict[str, Any]]) -> list[str]:
    """Bulk-insert one run per version into MLflow's tables; return the run ids."""
    import sqlalchemy as sa
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(uri, artifacts.as_uri())
    exp = {
        p: store.create_experiment(p, (artifacts / p).as_uri())
        for p in sorted({v["project"] for v in versions})
    }
    store.engine.dispose()
    engine = sa.create_engine(uri)
    md = sa.MetaData()
    md.reflect(engine, only=["runs", "metrics", "latest_metrics", "params", "tags"])
    t = md.tables
    runs, metrics, params, tags, ids = [], [], [], [], []
    for v in versions:
        rid = uuid.UUID(int=random.Random(v["i"]).getrandbits(128)).hex
        ids.append(rid)
        ms = int(v["created"].timestamp() * 1000)
        runs.append(
            {
                "run_uuid": rid,
                "name": v["model"],
                "source_type": "NOTEBOOK",
                "source_name": "",
                "entry_point_name": "",
                "user_id": "bench",
                "status": "FINISHED",
                "start_time": ms,
                "end_time": ms + 1000,
                "source_version": "",
                "lifecycle_stage": "active",
                "artifact_uri": (artifacts / rid).as_uri(),
                "experiment_id": int(exp[v["project"]]),
                "deleted_time": None,
            }
        )
        all_metrics = {
            **v["metrics"],
            **{f"country_US/{k}": x for k, x in v["slice_metrics"].items()},
        }
        metrics += [
            {"key": k, "value": x, "timestamp": ms, "run_uuid": rid, "step": 0, "is_nan": False}
            for k, x in all_metrics.items()
        ]
        params += [{"key": k, "value": str(x), "run_uuid": rid} for k, x in v["params"].items()]
        tags += [{"key": f"feature.f_{f}", "value": "1", "run_uuid": rid} for f in v["features"]]
        tags += [
            {"key": "model", "value": v["model"], "run_uuid": rid},
            {"key": "team", "value": v["team"], "run_uuid": rid},
            {"key": "mlflow.runName", "value": v["model"], "run_uuid": rid},
        ]
    with engine.begin() as conn:
        for table, data in (
            (t["runs"], runs),
            (t["metrics"], metrics),
            (t["latest_metrics"], metrics),
            (t["params"], params),
            (t["tags"], tags),
        ):
            for k in range(0, len(data), 20_000):
                conn.execute(table.insert(), data[k : k + 20_000])
    engine.dispose()
    return ids


# -- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def process(
    cmd: list[str], env: dict[str, str], log: Path, ready: Callable[[], bool], timeout: float = 120
) -> Iterator[int]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{cmd[2]} did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
            yield proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Client:
    """One keep-alive HTTP connection; each call returns the parsed JSON body."""

    def __init__(self, port: int, headers: dict[str, str] | None = None):
        self.port, self.headers = port, headers or {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body)
        headers = {**self.headers, "Content-Type": "application/json"}
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server dropped an idle keep-alive connection (uvicorn does after 5 s).
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
        payload = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{method} {path} -> {resp.status}: {payload[:300]!r}")
        return json.loads(payload)

    def up(self, path: str) -> bool:
        try:
            self("GET", path)
            return True
        except (OSError, RuntimeError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return False


def latencies(
    fns: dict[str, Callable[[int], Any]], n: int, warmup: int = 10
) -> dict[str, dict[str, float]]:
    """p50/p95/mean in milliseconds of each ``fn(i)`` over ``n`` calls after a warm-up.

    The calls alternate (MMDS, MLflow, MMDS, ...), so a burst of load on the machine falls on
    both sides alike instead of on whichever happened to be measured at the time.
    """
    for i in range(warmup):
        for fn in fns.values():
            fn(i)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for i in range(n):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn(i)
            samples[name].append((time.perf_counter() - t0) * 1000)

    def pct(values: list[float], q: float) -> float:
        pos = (len(values) - 1) * q
        lo, hi = int(pos), min(int(pos) + 1, len(values) - 1)
        return values[lo] + (values[hi] - values[lo]) * (pos - lo)

    out = {}
    for name, values in samples.items():
        values.sort()
        out[name] = {
            "p50": pct(values, 0.5),
            "p95": pct(values, 0.95),
            "mean": sum(values) / len(values),
        }
    return out


def settle(pids: list[int], quiet: float = 0.05, timeout: float = 180) -> float:
    """Wait until the servers (and their children) use under ``quiet`` CPUs; seconds waited.

    ``mlflow server`` answers HTTP before its background job consumers (several Python
    processes) have finished starting; timing anything then measures their start-up.
    """
    import psutil

    def cpu_seconds() -> float:
        total = 0.0
        for pid in pids:
            try:
                procs = [psutil.Process(pid)]
                procs += procs[0].children(recursive=True)
            except psutil.NoSuchProcess:
                continue
            for p in procs:
                try:
                    t = p.cpu_times()
                    total += t.user + t.system
                except psutil.NoSuchProcess:
                    pass
        return total

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        before = cpu_seconds()
        time.sleep(1.0)
        if cpu_seconds() - before < quiet:
            break
    return time.monotonic() - start


# -- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(
        {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "GIT_PYTHON_REFRESH": "quiet"}
    )
    if args.fill_mlflow:
        uri, folder = args.fill_mlflow
        Path(folder).mkdir(parents=True, exist_ok=True)
        ids = fill_mlflow(uri, Path(folder), list(fake_versions(args)))
        (Path(folder) / "run_ids.txt").write_text("\n".join(ids))
        return 0
    shm = Path("/dev/shm")
    tmp = Path(tempfile.mkdtemp(prefix="mmds-api-bench-", dir=str(shm) if shm.is_dir() else None))
    try:
        return run(args, tmp)
    finally:
        if args.keep:
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path) -> int:
    versions = list(fake_versions(args))
    print(f"{len(versions):,} versions in {args.projects} projects x {args.models} models")
    t0 = time.perf_counter()
    mmds_url, home = f"sqlite:///{tmp / 'mmds.db'}", str(tmp / "home")
    fill_mmds(mmds_url, home, versions)
    t1 = time.perf_counter()
    mlflow_uri = f"sqlite:///{tmp / 'mlflow.db'}"
    # The same versions (fake_versions is deterministic) into MLflow, with MLflow's Python.
    forwarded = [
        f"--versions={args.versions}",
        f"--projects={args.projects}",
        f"--models={args.models}",
        f"--seed={args.seed}",
    ]
    subprocess.run(
        [
            args.mlflow_python,
            __file__,
            *forwarded,
            "--fill-mlflow",
            mlflow_uri,
            str(tmp / "mlartifacts"),
        ],
        check=True,
    )
    run_ids = (tmp / "mlartifacts" / "run_ids.txt").read_text().split()
    t2 = time.perf_counter()
    print(f"filled MMDS in {t1 - t0:.1f} s, MLflow in {t2 - t1:.1f} s (bulk inserts)")
    experiment_ids = [str(i + 1) for i in range(args.projects)]

    token = secrets.token_hex(16)
    jport, mport = free_port(), free_port()
    cfg = tmp / "jupyter-config"
    cfg.mkdir()
    (cfg / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"mmds_jupyter.server": True}}})
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(cfg),
        "JUPYTER_RUNTIME_DIR": str(tmp / "rt"),
        "MMDS_URL": mmds_url,
        "MMDS_HOME": home,
    }
    jupyter = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        "--allow-root",
        f"--port={jport}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={tmp}",
        "--ServerApp.log_level=WARN",
    ]
    mlflow = [
        args.mlflow_python,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        mlflow_uri,
        "--default-artifact-root",
        (tmp / "mlartifacts").as_uri(),
        "--host",
        "127.0.0.1",
        "--port",
        str(mport),
        "--workers",
        "1",
    ]
    mm = Client(jport, {"Authorization": f"token {token}"})
    ml = Client(mport)
    rng = random.Random(args.seed + 1)
    picks = [rng.randrange(len(versions)) for _ in range(args.requests + 20)]
    refs = [
        f"{versions[i]['project']}/{versions[i]['model']}:{versions[i]['number']}" for i in picks
    ]
    search_q = urlencode({"feature": SEARCH_FEATURE, "where": "roc_auc>0.8", "limit": PAGE})
    ml_filter = f"tags.`feature.{SEARCH_FEATURE}` = '1' and metrics.roc_auc > 0.8"

    calls: dict[str, tuple[Callable[[int], Any], Callable[[int], Any]]] = {
        "first page": (
            lambda i: mm("GET", f"/mmds/api/versions?limit={PAGE}"),
            lambda i: ml(
                "POST",
                "/api/2.0/mlflow/runs/search",
                {
                    "experiment_ids": experiment_ids,
                    "max_results": PAGE,
                    "order_by": ["attributes.start_time DESC"],
                },
            ),
        ),
        "search": (
            lambda i: mm("GET", f"/mmds/api/versions?{search_q}"),
            lambda i: ml(
                "POST",
                "/api/2.0/mlflow/runs/search",
                {
                    "experiment_ids": experiment_ids,
                    "max_results": PAGE,
                    "filter": ml_filter,
                    "order_by": ["attributes.start_time DESC"],
                },
            ),
        ),
        "detail": (
            lambda i: mm("GET", f"/mmds/api/versions/{quote(refs[i], safe='')}"),
            lambda i: ml("GET", f"/api/2.0/mlflow/runs/get?run_id={run_ids[picks[i]]}"),
        ),
    }
    results: dict[str, dict[str, dict[str, float]]] = {}
    with (
        process(jupyter, env, tmp / "jupyter.log", lambda: mm.up("/mmds/api/changes")) as jpid,
        process(
            mlflow,
            env,
            tmp / "mlflow.log",
            lambda: ml.up("/api/2.0/mlflow/experiments/search?max_results=1"),
        ) as mpid,
    ):
        waited = settle([jpid, mpid])
        print(f"servers idle after {waited:.0f} s")
        # Both sides answer the same question before anything is timed.
        page = mm("GET", f"/mmds/api/versions?{search_q}")
        runs = ml(
            "POST",
            "/api/2.0/mlflow/runs/search",
            {
                "experiment_ids": experiment_ids,
                "max_results": PAGE,
                "filter": ml_filter,
                "order_by": ["attributes.start_time DESC"],
            },
        )["runs"]
        first = mm("GET", f"/mmds/api/versions?limit={PAGE}")["items"][0]
        assert first["ref"] == refs_of(versions[-1]), first["ref"]
        assert len(page["items"]) == len(runs) == PAGE, (len(page["items"]), len(runs))
        want = [round(r["metrics"]["roc_auc"], 9) for r in page["items"]]
        got = [
            round(next(m["value"] for m in r["data"]["metrics"] if m["key"] == "roc_auc"), 9)
            for r in runs
        ]
        assert want == got, "MMDS and MLflow disagree on the search result"
        print(
            f"search matches {page['total']:,}{'' if page['total_exact'] else '+'} versions; "
            f"both return the same newest {PAGE}"
        )
        for name, (mmds_fn, mlflow_fn) in calls.items():
            results[name] = latencies({"mmds": mmds_fn, "mlflow": mlflow_fn}, args.requests)

    print(f"\nlatency over HTTP, ms ({args.requests} requests each, after warm-up)")
    print(
        f"{'call':<12}{'MMDS p50':>10}{'MMDS p95':>10}{'MLflow p50':>12}{'MLflow p95':>12}"
        f"{'speed-up p95':>14}"
    )
    ok = True
    for name, r in results.items():
        speedup = r["mlflow"]["p95"] / r["mmds"]["p95"]
        print(
            f"{name:<12}{r['mmds']['p50']:>10.1f}{r['mmds']['p95']:>10.1f}"
            f"{r['mlflow']['p50']:>12.1f}{r['mlflow']['p95']:>12.1f}{speedup:>13.1f}x"
        )
        if name in ("first page", "search"):
            ok &= r["mmds"]["p95"] < 100 and speedup >= 10
    print(
        "\ntargets (first page and search: p95 < 100 ms and >= 10x MLflow):",
        "met" if ok else "NOT met",
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"versions": len(versions), "results": results}, indent=2)
        )
    return 0 if ok else 1


def refs_of(v: dict[str, Any]) -> str:
    return f"{v['project']}/{v['model']}:{v['number']}"


if __name__ == "__main__":
    sys.exit(main())
