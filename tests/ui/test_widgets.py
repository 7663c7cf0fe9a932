"""The ipywidgets views of comparisons and lineage, on real tracked models (no browser)."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.registry import Registry
from mmds_jupyter.widgets import compare_widget, lineage_widget

from .conftest import XSS

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def tracked(sqlite_reg: Registry, cancer: Any) -> Registry:
    num = [c for c in cancer["X_train"].columns if c not in ("country", "zip_code")]
    Xtr, Xte = cancer["X_train"], cancer["X_test"]
    kw = dict(
        project="risk",
        X_test=Xte[num + ["country"]],
        y_test=cancer["y_test"],
        slices=["country"],
        X_train=Xtr[num],
        y_train=cancer["y_train"],
    )
    sqlite_reg.track(
        LogisticRegression(max_iter=1000).fit(Xtr[num], cancer["y_train"]), name="churn", **kw
    )
    sqlite_reg.track(
        RandomForestClassifier(n_estimators=10, random_state=0).fit(Xtr[num], cancer["y_train"]),
        name="churn",
        parent="risk/churn:1",
        **kw,
    )
    odd = Xtr[num[:2]].rename(columns={num[0]: XSS})
    sqlite_reg.track(
        LogisticRegression().fit(odd, cancer["y_train"]),
        name="odd",
        project="risk",
        tags={"note": XSS},
    )
    return sqlite_reg


def test_compare_widget_charts_the_picked_metric(tracked: Registry) -> None:
    w = compare_widget(tracked.compare("risk/churn:1", "risk/churn:2"))
    labels = [label for label, _ in w.picker.options]
    assert labels[:4] == ["accuracy", "f1", "log_loss", "roc_auc"]
    assert "country=US roc_auc" in labels
    assert "<svg" in w.chart.value and ">accuracy<" in w.chart.value
    w.picker.value = ("roc_auc", "country=US")
    assert "country=US roc_auc" in w.chart.value
    assert w.chart.value.count("<rect") == 2
    # log_loss: lower is better, so the smaller bar is the green one.
    w.picker.value = ("log_loss", None)
    values = [v.metric("log_loss") for v in w.comparison.versions]
    best = min(values)
    assert "#2e8b57" in w.chart.value and f"{best:.4g}" in w.chart.value
    full = w.table.value
    w.only_diff.value = True
    assert len(w.table.value) < len(full) and "mmds-diff" in w.table.value


def test_widgets_fall_back_to_html_without_a_widget_front_end(tracked: Registry) -> None:
    w = compare_widget(tracked.compare("risk/churn:1", "risk/churn:2"))
    bundle = w._repr_mimebundle_()
    assert WIDGET_MIME in bundle
    assert bundle["text/html"].startswith("\n<style>") or "<table" in bundle["text/html"]
    lw = lineage_widget(tracked.lineage("risk/churn:2"))
    assert "<svg" in lw._repr_mimebundle_()["text/html"]


def test_lineage_widget_shows_node_details(tracked: Registry) -> None:
    lin = tracked.lineage("risk/churn:2")
    w = lineage_widget(lin)
    assert w.picker.value == lin.root
    assert "this version" in w.detail.value
    parent = next(k for k, n in lin.nodes.items() if n.label == "risk/churn:1")
    w.picker.value = parent
    assert "upstream" in w.detail.value and "derived_from" in w.detail.value
    assert {n.kind for n in lin.nodes.values()} == {"version", "dataset"}


def test_markup_is_escaped_in_widgets(tracked: Registry) -> None:
    w = compare_widget(tracked.compare("risk/churn:1", "risk/odd:1"))
    html = w.table.value + w.chart.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    lw = lineage_widget(tracked.lineage("risk/odd:1"))
    assert "<img" not in lw.graph.value + lw.detail.value
