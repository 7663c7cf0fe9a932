"""A Version is data: it loads its model through the registry that returned it, never a global."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import datetime, timezone

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import mmds_jupyter as mmds
from mmds_jupyter.entities import Version
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture"]


@pytest.fixture
def two_registries(tmp_path, cancer):
    """Two registries (two databases, two homes), each holding a different model as m:1."""
    regs = []
    for kind, model in (("a", LogisticRegression(max_iter=3000)), ("b", DecisionTreeClassifier())):
        reg = Registry(
            url=f"sqlite:///{tmp_path / kind}.db", home=str(tmp_path / kind), actor="maya"
        )
        reg.track(model.fit(cancer["X_train"][COLS], cancer["y_train"]), name="m")
        regs.append(reg)
    # The process-wide registry is a third one, where m:1 does not exist.
    mmds.connect(url=f"sqlite:///{tmp_path / 'global.db'}", home=str(tmp_path / "global"))
    yield regs
    for reg in regs:
        reg.close()
    mmds.default_registry().close()


def test_each_version_loads_from_the_registry_that_returned_it(two_registries):
    a, b = two_registries
    assert type(a.get("m:1").load()).__name__ == "LogisticRegression"
    assert type(b.get("m:1").load()).__name__ == "DecisionTreeClassifier"
    # Every way a registry hands out a version binds it to that registry.
    assert type(b.alias("m:1", "champion").load()).__name__ == "DecisionTreeClassifier"
    assert type(b.tag("m:1", {"k": "v"}).load()).__name__ == "DecisionTreeClassifier"
    assert type(b.set_stage("m:1", "validation").load()).__name__ == "DecisionTreeClassifier"
    assert type(b.compare("m:1", "m@champion").versions[0].load()).__name__ == (
        "DecisionTreeClassifier"
    )


def test_a_version_built_by_hand_or_copied_is_plain_data(two_registries):
    a, _ = two_registries
    bound = a.get("m:1")
    hand = Version(
        id=1,
        project="default",
        name="m",
        version=1,
        stage="development",
        framework="sklearn",
        estimator_class="sklearn.linear_model.LogisticRegression",
        task="binary",
        author="maya",
        created_at=datetime.now(timezone.utc),
        artifact_sha256=bound.artifact_sha256,
        artifact_format=bound.artifact_format,
    )
    for plain in (hand, dataclasses.replace(bound), pickle.loads(pickle.dumps(bound))):
        with pytest.raises(mmds.MMDSError, match=r"mmds\.load\('default/m:1'\)"):
            plain.load()
    # The registry is not part of the data.
    assert "_registry" not in {f.name for f in dataclasses.fields(Version)}
    assert dataclasses.replace(bound) == bound
    assert "_registry" not in dataclasses.asdict(bound)
    # A registry loads any version it holds, however it was made.
    assert type(a.load(hand)).__name__ == "LogisticRegression"
