"""Search filters as users write them: literal values, negations, archived versions, data sets."""

from __future__ import annotations

from typing import Any

import pytest

from mmds_jupyter.store.base import NewVersion


def _fp(content_hash: str, n_rows: int = 10) -> dict[str, Any]:
    return {"content_hash": content_hash, "n_rows": n_rows, "n_cols": 2, "schema": {}, "stats": {}}


def add(
    reg: Any,
    name: str,
    *,
    estimator: str = "sklearn.linear_model.LogisticRegression",
    stage: str = "development",
    used: tuple[str, ...] = ("a", "b"),
    unused: tuple[str, ...] = (),
    roc_auc: float | None = None,
    test: str | None = None,
    train: str | None = None,
    project: str = "risk",
) -> str:
    """A version written straight to the store (no model file): fast, and every field chosen."""
    datasets = []
    if test:
        datasets.append(("evaluated_on", _fp(test), "test"))
    if train:
        datasets.append(("trained_on", _fp(train), "train"))
    v = reg.store.create_version(
        NewVersion(
            project=project,
            name=name,
            framework="sklearn",
            estimator_class=estimator,
            task="binary",
            author="maya",
            params={},
            steps={},
            features=[{"name": f, "dtype": "float64", "used": True} for f in used]
            + [{"name": f, "dtype": "float64", "used": False} for f in unused],
            outputs=[],
            metrics=[] if roc_auc is None else [{"name": "roc_auc", "value": roc_auc}],
            provenance={},
            environment={},
            artifact_sha256=None,
            artifact_format=None,
            stage=stage,
            datasets=datasets,
        )
    )
    return v.ref


def refs(frame: Any) -> list[str]:
    return list(frame["ref"])


# -- S6: the estimator filter is literal ---------------------------------------------------------


def test_estimator_filter_treats_percent_and_underscore_literally(reg):
    lr = add(reg, "lr")
    odd = add(reg, "odd", estimator="custom.My_Model")
    assert reg.find(estimator="%").empty
    assert reg.find(estimator="_").empty
    assert reg.find(estimator="%Regression").empty
    assert reg.find(estimator="My%Model").empty
    assert refs(reg.find(estimator="My_Model")) == [odd]
    assert refs(reg.find(estimator="LogisticRegression")) == [lr]
    assert refs(reg.find(estimator="sklearn.linear_model.LogisticRegression")) == [lr]
