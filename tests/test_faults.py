"""Faults with real processes: concurrent kernels, crashes mid-write, altered files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression
from sqlalchemy import text

from mmds_jupyter.errors import ArtifactIntegrityError, UntrustedArtifact
from mmds_jupyter.registry import Registry

WORKER = textwrap.dedent("""
    import sys
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from mmds_jupyter.registry import Registry

    url, home, worker, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :4]
    model = LogisticRegression(max_iter=2000).fit(X, y)
    reg = Registry(url=url, home=home, actor=f"kernel{worker}")
    for i in range(n):
        reg.track(model, name="shared", project="race", X_test=X.iloc[:60], y_test=y.iloc[:60],
                  tags={"worker": worker, "i": str(i)})
    print("ok")
""")


def _run_workers(url: str, home: Path, n_workers: int, per_worker: int) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(home), str(w), str(per_worker)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(n_workers)
    ]
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err
        assert out.strip() == "ok"


@pytest.mark.slow
def test_eight_kernels_tracking_at_once_lose_nothing(db_url, tmp_path):
    """8 processes start on an empty database (racing the migration) and track 5 versions each."""
    _run_workers(db_url, tmp_path / "home", 8, 5)
    reg = Registry(url=db_url, home=str(tmp_path / "home"))
    found = reg.find(project="race")
    assert sorted(found["version"]) == list(range(1, 41))
    assert reg.events(limit=None)["action"].tolist().count("version.create") == 40
    assert reg.verify_events() is None
    with reg.db.engine.connect() as c:
        assert c.execute(text("select count(*) from alembic_version")).scalar() == 1
    per_worker = found.groupby("author").size()
    assert sorted(per_worker.index) == [f"kernel{w}" for w in range(8)]
    assert set(per_worker) == {5}
    reg.close()


CRASH = textwrap.dedent("""
    import os, signal, sys
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from mmds_jupyter.registry import Registry
    from mmds_jupyter.store import artifacts, new_version

    url, home, where = sys.argv[1], sys.argv[2], sys.argv[3]
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=3000).fit(X.iloc[:, :4], y)
    reg = Registry(url=url, home=home)
    reg.track(model, name="m", X_test=X.iloc[:50, :4], y_test=y.iloc[:50])  # one good version

    def die(*a, **k):
        os.kill(os.getpid(), signal.SIGKILL)

    if where == "after_artifact":
        put = artifacts.ArtifactStore.put
        def put_then_die(self, data):
            put(self, data)
            die()
        artifacts.ArtifactStore.put = put_then_die
    else:  # inside the database transaction, rows inserted but not committed
        new_version.append_event = die
    model2 = LogisticRegression(C=0.1, max_iter=3000).fit(X.iloc[:, :4], y)
    reg.track(model2, name="m", X_test=X.iloc[:50, :4], y_test=y.iloc[:50])
""")


@pytest.mark.slow
@pytest.mark.parametrize("where", ["after_artifact", "before_commit"])
def test_crash_mid_track_leaves_no_dangling_version(db_url, tmp_path, where):
    home = tmp_path / "home"
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, db_url, str(home), where], capture_output=True, text=True
    )
    assert proc.returncode == -9, proc.stderr
    reg = Registry(url=db_url, home=str(home))
    found = reg.find()
    assert list(found["ref"]) == ["default/m:1"]
    for ref in found["ref"]:
        v = reg.get(ref)
        assert reg.artifacts.exists(v.artifact_sha256)
        reg.load(v)
    assert reg.verify_events() is None
    # The next track gets the next number: the crashed one left no gap-filling mess.
    assert reg.track(reg.load("m:1"), name="m").version == 2
    reg.close()


def test_altered_artifact_is_refused_naming_the_file(sqlite_reg, cancer):
    cols = ["mean_radius", "mean_texture"]
    model = LogisticRegression(max_iter=2000).fit(cancer["X_train"][cols], cancer["y_train"])
    v = sqlite_reg.track(model, name="m")
    path = sqlite_reg.artifacts.path_for(v.artifact_sha256)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError, match=str(path).replace("/", ".")):
        sqlite_reg.get("m:1").load()
    path.unlink()
    with pytest.raises(ArtifactIntegrityError, match="is missing"):
        sqlite_reg.load("m:1")


def test_artifacts_are_content_addressed_and_atomic(sqlite_reg, cancer):
    cols = ["mean_radius", "mean_texture"]
    model = LogisticRegression(max_iter=2000).fit(cancer["X_train"][cols], cancer["y_train"])
    a = sqlite_reg.track(model, name="a")
    data = sqlite_reg.artifacts.get(a.artifact_sha256)
    assert sqlite_reg.artifacts.put(data) == a.artifact_sha256  # same bytes, same file
    folder = sqlite_reg.artifacts.path_for(a.artifact_sha256).parent
    assert [p.name for p in folder.iterdir()] == [a.artifact_sha256]  # no temp files left


def test_pickle_needs_explicit_trust(sqlite_reg, cancer):
    cols = ["mean_radius", "mean_texture"]
    model = LogisticRegression(max_iter=2000).fit(cancer["X_train"][cols], cancer["y_train"])
    v = sqlite_reg.track(model, name="p", serializer="pickle")
    with pytest.raises(UntrustedArtifact, match="trusted=True"):
        sqlite_reg.load(v)
    assert sqlite_reg.load(v, trusted=True).get_params() == model.get_params()


def test_sqlite_runs_in_wal_mode_with_busy_timeout(sqlite_reg):
    sqlite_reg.db.ensure_schema()
    with sqlite_reg.db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_default_location_follows_mmds_home(tmp_path, monkeypatch):
    from mmds_jupyter.config import MMDS

    monkeypatch.delenv("MMDS_URL", raising=False)
    monkeypatch.setenv("MMDS_HOME", str(tmp_path / "h"))
    cfg = MMDS()
    assert cfg.url == f"sqlite:///{tmp_path / 'h' / 'mmds.db'}"
    monkeypatch.setenv("MMDS_URL", "sqlite:///~/x.db")
    assert MMDS().url == "sqlite:///~/x.db"
    from traitlets.config import Config

    c = Config()
    c.MMDS.url = "sqlite:////tmp/from-config.db"
    assert MMDS(config=c).url == "sqlite:////tmp/from-config.db"
    assert os.path.expanduser("~") in Registry(url="sqlite:///~/x.db", home=str(tmp_path)).db.url


def test_names_with_a_trailing_newline_are_refused():
    from mmds_jupyter.errors import InvalidInput
    from mmds_jupyter.refs import check_name

    assert check_name("model", "churn_v2.1") == "churn_v2.1"
    for bad in ("churn\n", "churn\nx", "-churn", ""):
        with pytest.raises(InvalidInput, match="not valid"):
            check_name("model", bad)
