"""Temporary files that a crash mid-``track`` leaves in the artifact store are removed: on start
(once an hour), by ``mmds db upgrade`` and by ``mmds gc``, which says what it removed; a write
still in progress is never touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mmds_jupyter.cli import main
from mmds_jupyter.errors import InvalidInput
from mmds_jupyter.registry import Registry
from mmds_jupyter.store.artifacts import STALE_AFTER_S

CRASH = textwrap.dedent("""
    import os, signal, sys
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from mmds_jupyter.registry import Registry
    from mmds_jupyter.store import artifacts

    url, home = sys.argv[1], sys.argv[2]
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    reg = Registry(url=url, home=home)
    reg.track(RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y), name="m")

    def die(*a, **k):  # the kernel dies after writing the file, before renaming it
        os.kill(os.getpid(), signal.SIGKILL)

    artifacts.os.replace = die
    reg.track(RandomForestClassifier(n_estimators=5, random_state=1).fit(X, y), name="m")
""")


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _temporaries(home: Path) -> list[Path]:
    return sorted((home / "artifacts").glob("*/.*.tmp"))


@pytest.fixture
def crashed(tmp_path):
    """(url, home, the temporary file a killed track left)."""
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", tmp_path / "home"
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, url, str(home)], capture_output=True, text=True
    )
    assert proc.returncode == -9, proc.stderr
    [left] = _temporaries(home)
    assert left.stat().st_size > 1000
    return url, home, left


def test_start_removes_stale_temporaries_and_keeps_writes_in_progress(crashed):
    url, home, left = crashed
    # Right after the crash the file may still be someone's write in progress: kept.
    Registry(url=url, home=str(home)).close()
    assert left.exists()
    # An hour later the next registry to start removes it, and only it.
    _age(left, STALE_AFTER_S + 60)
    _age(home / "artifacts" / ".swept", STALE_AFTER_S + 60)
    busy = left.with_name(f".{'b' * 64}.abc123.tmp")
    busy.write_bytes(b"a write in progress")
    other = left.parent / "notes.tmp"
    other.write_bytes(b"not ours")
    _age(other, STALE_AFTER_S + 60)
    reg = Registry(url=url, home=str(home))
    assert not left.exists() and busy.exists() and other.exists()
    assert list(reg.find()["ref"]) == ["default/m:1"]
    reg.load("m:1")  # the artifacts themselves are untouched
    reg.close()


def test_mmds_gc_removes_and_reports(crashed, monkeypatch, capsys):
    url, home, left = crashed
    size = left.stat().st_size
    monkeypatch.setenv("MMDS_URL", url)
    monkeypatch.setenv("MMDS_HOME", str(home))
    assert main(["gc"]) == 0  # too recent: kept
    assert capsys.readouterr().out == "Removed 0 stale temporary file(s), 0 bytes.\n"
    assert left.exists()
    _age(left, STALE_AFTER_S + 60)
    _age(home / "artifacts" / ".swept", STALE_AFTER_S + 60)  # its start sweeps too: same report
    assert main(["gc"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"removed {left} ({size} bytes)",
        f"Removed 1 stale temporary file(s), {size} bytes.",
    ]
    assert _temporaries(home) == []
    fresh = left.with_name(f".{'c' * 64}.xyz.tmp")
    fresh.write_bytes(b"12345")
    assert main(["gc", "--older-than", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"path": str(fresh), "bytes": 5}]


def test_db_upgrade_removes_stale_temporaries(crashed, capsys):
    url, home, left = crashed
    _age(left, STALE_AFTER_S + 60)
    assert main(["--url", url, "--home", str(home), "db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"removed {left}" in out and "Removed 1 stale temporary file(s)" in out
    assert not left.exists()


def test_registry_gc_checks_its_argument(sqlite_reg):
    assert sqlite_reg.gc() == []  # no artifact root yet
    for bad in (-1, float("inf"), "1h", True):
        with pytest.raises(InvalidInput, match="older_than"):
            sqlite_reg.gc(bad)
