"""Archive, restore, legal hold and purge from the CLI and over REST (RemoteRegistry): the same
answers and the same errors as the Python API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sklearn.tree import DecisionTreeClassifier

from mmds_jupyter.cli import main
from mmds_jupyter.errors import ConflictError, InvalidInput, NotFound, Purged
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "mean_area"]


def track(reg: Any, cancer: Any, project: str, depth: int) -> str:
    model = DecisionTreeClassifier(max_depth=depth, random_state=0)
    model.fit(cancer["X_train"][COLS], cancer["y_train"])
    X, y = cancer["X_test"][COLS], cancer["y_test"]
    return str(reg.track(model, "tree", project, X_test=X, y_test=y).ref)


def test_archive_hold_purge_locally_and_remotely(
    registry: Any, cancer: Any, request: pytest.FixtureRequest
) -> None:
    project = "retention-" + request.node.callspec.id
    ref = track(registry, cancer, project, 2)
    original = registry.model_file(ref)[0]
    registry.set_stage(ref, "retired")
    assert registry.archive(ref, reason="old").stage == "archived"
    assert registry.model_file(ref)[0] == original  # read from the cold root
    assert registry.restore(ref).stage == "retired"
    held = registry.hold(ref, "litigation")
    assert held["reason"] == "litigation" and held["held_at"].tzinfo is not None
    with pytest.raises(ConflictError, match="legal hold"):
        registry.archive(ref)
    with pytest.raises(InvalidInput, match="reason"):
        registry.purge(ref, "")
    registry.release(ref)
    tomb = registry.purge(ref, "over")
    assert tomb["artifact_sha256"] and tomb["purged_at"].tzinfo is not None
    # The download's 404 names the purge (the streamed route's message reaches Python as a
    # NotFound, of which Purged is one).
    with pytest.raises(NotFound):
        registry.model_file(ref)
    with pytest.raises(Purged, match="was purged"):
        registry.restore(ref)
    assert registry.archive_due() == []


@pytest.fixture
def populated(tmp_path: Path, cancer: Any) -> tuple[str, str, str]:
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")
    with Registry(url=url, home=home, actor="maya") as reg:
        ref = track(reg, cancer, "risk", 3)
        reg.set_stage(ref, "retired")
    return url, home, ref


def test_the_cli_archives_restores_holds_and_purges(
    populated: tuple[str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, home, ref = populated

    def cli(*args: str, code: int = 0) -> str:
        assert main(["--url", url, "--home", home, *args]) == code
        out = capsys.readouterr()
        return out.out + out.err

    assert "archived" in cli("archive", ref, "--reason", "old")
    assert "restored to retired" in cli("restore", ref)
    assert "legal hold" in cli("hold", ref, "--reason", "case 7")
    assert "legal hold" in cli("archive", ref, code=1)
    assert "released" in cli("release", ref)
    assert "No retired version is due" in cli("archive", "--due")
    assert "--due" in cli("archive", code=1)
    assert "tombstone keeps sha256" in cli("purge", ref, "--reason", "done")
    assert "was purged" in cli("restore", ref, code=1)
