"""The monitoring view (mmds.monitor, REST, the panel): built from the monitor's own checks,
drawn by the one chart module; read the way a person reads it (titles, lines, cells)."""

import re

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.errors import InvalidInput

from .conftest import label, population, store_batch


def charts(view):
    return {c["id"]: c["svg"] for c in view["charts"]}


def test_a_model_without_a_monitor_says_how_to_get_one(monitored):
    view = monitored.monitor("risk/churn")
    assert view["definition"] is None and view["charts"] == []
    assert "mmds.set_monitor('risk/churn')" in view["notes"][0]
    assert "has no monitor" in view._repr_html_()
    with pytest.raises(InvalidInput, match="without a version"):
        monitored.monitor("risk/churn@champion")


def test_four_weeks_of_decay_drawn_with_thresholds_heat_map_and_distribution(
    monitored, tmp_path, monkeypatch, capsys
):
    reg = monitored
    reg.set_monitor("risk/churn", metrics=["roc_auc"], drift=["psi", "share_drifting"])
    shifts = [0.0, 0.0, 1.5, 2.5]
    for week, shift in enumerate(shifts):
        X, y, _ = store_batch(reg, week, 600, shift=shift)
        label(reg, X, y)
    view = reg.monitor("risk/churn")
    assert view["ref"] == "risk/churn:1"
    assert len(view["windows"]) == 4 and view["windows"][0]["labelled_share"] == 1.0
    got = charts(view)
    assert set(got) == {"metric:roc_auc", "drift:share", "drift:psi", "scores"}

    # AUC by week: a point per week, the reference and the two threshold lines where the
    # definition puts them (reference - 0.03 and - 0.05 by default)
    auc = got["metric:roc_auc"]
    reference = reg.get("risk/churn:1").overall_metrics["roc_auc"]
    assert auc.count("<circle") == 4
    for name, below in (("warning", 0.03), ("alert", 0.05)):
        assert f"<title>{name}: {reference - below:.4g}" in auc or re.search(
            rf"<title>{name}: {round(reference - below, 3)}", auc
        )
    weeks = [w["window"] for w in view["windows"]]
    assert all(w[:10] in auc for w in weeks)  # the weeks are the x ticks

    # PSI heat map: x1 (shifted) alerts in the last weeks, x2 stays ok; values in the cells
    heat = got["drift:psi"]
    cells = re.findall(r"<title>(x\d), ([^:]+): ([^ ]+) \((\w[\w ]*)\)</title>", heat)
    by = {(f, w): level for f, w, _, level in cells}
    assert by[("x1", weeks[-1])] == "alert" and by[("x2", weeks[-1])] == "ok"
    assert by[("x1", weeks[0])] == "ok"
    assert "not enough data" in heat  # the legend names every colour

    # the score now vs at capture: the shift moves rows between bins
    scores = got["scores"]
    assert "baseline (train)" in scores and f"window {weeks[-1]}" in scores
    assert "probability(1)" in scores

    # the alerts the checks opened are listed, and the notebook shows it all
    assert view["alerts"] and {a["status"] for a in view["alerts"]} == {"open"}
    html = view._repr_html_()
    assert "Open alerts" in html and html.count("<svg") == 4
    assert "<script" not in html

    # the same from the command line: a summary, the JSON, the page with its charts
    import json

    from mmds_jupyter import cli

    monkeypatch.setenv("MMDS_URL", reg.url)
    monkeypatch.setenv("MMDS_HOME", reg.home)
    out = tmp_path / "monitor.html"
    assert cli.main(["monitor", "show", "risk/churn", "--html", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"{weeks[-1]}  600 rows, 100% labelled" in said and "4 chart(s)" in said
    assert out.read_text().count("<svg") == 4
    assert cli.main(["monitor", "show", "risk/churn", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ref"] == "risk/churn:1"


def test_the_challenger_is_compared_on_shadow_rows(monitored):
    reg = monitored
    reg.set_monitor("risk/churn", metrics=["roc_auc"], drift=[])
    X, y = population(2000, 7)
    better = LogisticRegression(C=0.01).fit(X[["x1", "x2"]], y)
    c = reg.track(better, name="churn", project="risk", X_test=X[["x1", "x2"]], y_test=y)
    reg.alias(reg.set_stage(c.ref, "validation").ref, "challenger")  # scores in the shadow
    X, y, _ = store_batch(reg, 0, 600)
    label(reg, X, y)
    view = reg.monitor("risk/churn")
    cc = view["challenger"]
    assert cc["champion"] == "risk/churn:1" and cc["challenger"] == c.ref
    assert cc["rows"] == 600 and cc["metrics"][0]["metric"] == "roc_auc"
    assert "Champion vs challenger" in view._repr_html_()


def test_names_from_users_are_text_in_the_charts(monitored):
    reg = monitored
    X, y = population(1500, 3)
    X = X.rename(columns={"x1": "<img src=x onerror=alert(1)>"})
    cols = list(X.columns[:2])
    v = reg.track(
        LogisticRegression().fit(X[cols], y),
        name="xss",
        project="risk",
        X_train=X[cols],
        y_train=y,
        X_test=X[cols],
        y_test=y,
    )
    reg.alias(reg.set_stage(v.ref, "production").ref, "champion")
    reg.set_monitor("risk/xss", metrics=[], drift=["psi"], min_rows=100)
    X.insert(0, "customer_id", range(len(X)))
    reg.score("risk/xss@champion", X[["customer_id", *cols]], mode="production", key="customer_id")
    html = reg.monitor("risk/xss")._repr_html_()
    assert "<img" not in html and "&lt;img src=x" in html
