"""Shared helpers of the MMDS-vs-MLflow benchmarks: offline set-up, timing, tables.

Import this module before MLflow: :func:`offline_mlflow_env` sets the environment variables
that keep MLflow off the network (no telemetry, no tracking server) for the whole process.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def offline_mlflow_env(tracking_uri: str) -> None:
    """Point MLflow at a local SQLite store and switch off everything that could go online."""
    os.environ.update(
        {
            "MLFLOW_TRACKING_URI": tracking_uri,
            "MLFLOW_REGISTRY_URI": tracking_uri,
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
            "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
            "MLFLOW_CONFIGURE_LOGGING": "false",
            "GIT_PYTHON_REFRESH": "quiet",
        }
    )


def quiet() -> None:
    """Silence library chatter (Alembic migrations, MLflow hints, sklearn/pydantic warnings)."""
    warnings.filterwarnings("ignore")
    for name in ("alembic", "mlflow", "sqlalchemy", "urllib3", "git"):
        logging.getLogger(name).setLevel(logging.ERROR)


def memory_tmpdir(min_free_bytes: int = 2 << 30) -> str | None:
    """/dev/shm when it is a roomy RAM disk, else None (the system's temporary directory)."""
    shm = Path("/dev/shm")
    try:
        return str(shm) if shm.is_dir() and shutil.disk_usage(shm).free >= min_free_bytes else None
    except OSError:
        return None


@contextlib.contextmanager
def scratch(prefix: str, parent: str | None = None) -> Iterator[Path]:
    """A temporary directory, removed afterwards (kept when MMDS_BENCH_KEEP=1)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield path
    finally:
        if os.environ.get("MMDS_BENCH_KEEP"):
            print(f"(kept {path})")
        else:
            shutil.rmtree(path, ignore_errors=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall-clock seconds of one call and its result."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks."""
    xs = sorted(samples)
    if not xs:
        return math.nan
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(samples),
        "p90": percentile(samples, 90),
        "min": min(samples),
        "n": len(samples),
    }


def fmt_s(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f}"
    if seconds >= 0.01:
        return f"{seconds:.4f}"
    return f"{seconds:.5f}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain fixed-width text table (first column left-aligned, the others right)."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def machine_line() -> str:
    import mlflow
    import sklearn
    import sqlalchemy

    return (
        f"Python {sys.version.split()[0]} on {platform.platform()}, {os.cpu_count()} CPUs; "
        f"scikit-learn {sklearn.__version__}, SQLAlchemy {sqlalchemy.__version__}, "
        f"MLflow {mlflow.__version__}"
    )


def verdict(ratio: float, target: float, what: str) -> str:
    status = "MET" if ratio >= target else "MISSED"
    return (
        f"Target: MMDS at least {target:g}x faster than MLflow on {what}: {ratio:.1f}x -> {status}"
    )
