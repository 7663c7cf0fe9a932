"""How a comparison answers "how did the top two compare?": what differs, in which order."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mmds_jupyter.comparison import SECTIONS, deltas
from mmds_jupyter.registry import Registry

FEATS = ["mean_radius", "mean_texture", "mean_perimeter"]


@pytest.fixture
def pair(sqlite_reg: Registry, cancer: Any) -> tuple[Registry, str, str, str]:
    """A pipelined logistic regression (C set), a random forest (trees set), and one unscored."""
    kw: dict[str, Any] = dict(
        project="risk", X_test=cancer["X_test"], y_test=cancer["y_test"], slices=["country"]
    )
    Xtr, ytr = cancer["X_train"][FEATS], cancer["y_train"]
    lr = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=0.5))]).fit(Xtr, ytr)
    a = sqlite_reg.track(lr, name="churn", **kw)
    rf = RandomForestClassifier(n_estimators=15, random_state=0).fit(Xtr, ytr)
    b = sqlite_reg.track(rf, name="churn", **kw)
    c = sqlite_reg.track(LogisticRegression().fit(Xtr, ytr), name="bare", project="risk")
    return sqlite_reg, a.ref, b.ref, c.ref


def _rows(reg: Registry, *refs: str) -> dict[str, tuple[str, list[Any], bool]]:
    return {k: (s, vals, d) for s, k, vals, d in reg.compare(*refs).rows()}


def test_metrics_come_first_then_parameters_someone_set_then_defaults(pair: Any) -> None:
    reg, a, b, _ = pair
    rows = reg.compare(a, b).rows()
    sections = [s for s, _, _, _ in rows]
    assert sections == sorted(sections, key=SECTIONS.index)
    assert sections[0] == "metrics" and sections[-1] == "default params"
    by_key = _rows(reg, a, b)
    # What someone chose: C of the pipeline's classifier, the forest's number of trees.
    assert by_key["clf__C"][0] == "params" and by_key["clf__C"][1][0] == 0.5
    assert by_key["n_estimators"][0] == "params"
    # Left at the class's default in every version that has it: folded at the end.
    assert by_key["clf__tol"][0] == "default params"
    assert by_key["min_samples_leaf"][0] == "default params"
    assert by_key["scale__with_mean"][0] == "default params"
    default_rows = sum(1 for s, _, _, _ in rows if s == "default params")
    set_rows = sum(1 for s, _, _, _ in rows if s == "params")
    assert default_rows > 20 and set_rows < 10


def test_two_missing_values_are_not_a_difference(pair: Any) -> None:
    reg, a, b, _ = pair
    by_key = _rows(reg, a, b)
    # The forest's max_depth is None; the regression has no max_depth: both show a dash.
    section, values, differs = by_key["max_depth"]
    assert values[0] == "—" and values[1] is None
    assert not differs
    # A real difference stays one.
    assert by_key["n_estimators"][2] and by_key["roc_auc"][2]


def test_deltas_are_against_the_first_version() -> None:
    assert deltas([0.5, 0.75, None, "x"]) == [None, 0.25, None, None]
    assert deltas(["a", 1.0]) == [None, None]
    assert deltas([True, 2]) == [None, None]


def test_charts_keep_versions_with_the_metric_and_name_the_others(pair: Any) -> None:
    reg, a, b, c = pair
    charts = {ch["metric"]: ch for ch in reg.compare(a, b, c).charts()}
    roc = charts["roc_auc"]
    assert roc["values"][2] is None and None not in roc["values"][:2]
    assert roc["missing"] == [c]
    assert charts["log_loss"]["lower_is_better"] is True


def test_notebook_table_is_one_table_in_folding_sections(pair: Any) -> None:
    reg, a, b, _ = pair
    cmp = reg.compare(a, b)
    html = cmp._repr_html_()
    assert "<th>section</th>" not in html and ">differs<" not in html
    assert f"Δ vs {a}" in html
    assert "<details class='mmds-section' open><summary>metrics" in html
    # Defaults are folded; the parameters someone set are open.
    assert "<details class='mmds-section'><summary>default params" in html
    assert "<details class='mmds-section' open><summary>params" in html
    roc = next(vals for _, k, vals, _ in cmp.rows() if k == "roc_auc")
    assert f"{roc[1] - roc[0]:+.4g}" in html


def test_three_versions_get_a_parallel_coordinates_overview(pair: Any) -> None:
    import xml.etree.ElementTree as ET

    reg, a, b, c = pair
    assert reg.compare(a, b).overview() is None  # two versions: the bar charts say it
    svg = reg.compare(a, b, c).overview()
    assert svg is not None
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "roc_auc" in texts and "log_loss (lower is better)" in texts
    assert texts[0].startswith("3 versions on ")
    # the two scored versions each have a line; the unscored one has no value to draw
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2
    # an axis per metric, but none for rows (a count ranks no version)
    metrics = {m.name for m in reg.get(a).metrics if m.slice is None}
    assert "rows" in metrics and "rows" not in texts
    assert len(lines[0].get("points").split()) == len(metrics) - 1
    # the notebook's compare widget shows it first, and only for three versions or more
    from mmds_jupyter.widgets.compare import compare_widget

    three = compare_widget(reg.compare(a, b, c))
    assert three.children[0] is three.overview and three.overview.value == svg
    two = compare_widget(reg.compare(a, b))
    assert two.overview not in two.children and two.overview.value == ""


def test_lineage_edge_labels_fit_between_the_node_columns(pair: Any) -> None:
    import xml.etree.ElementTree as ET

    from mmds_jupyter.render import lineage_html

    reg, a, b, _ = pair
    model = LogisticRegression(C=0.25).fit([[0.0], [1.0]], [0, 1])
    child = reg.track(model, name="child", project="risk", parent=a)
    svg = lineage_html(reg.lineage(child.ref))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    rects = [(float(r.get("x")), float(r.get("width"))) for r in root.iter(f"{ns}rect")]
    labels = [t for t in root.iter(f"{ns}text") if t.get("text-anchor") == "middle"]
    assert labels and any(t.text == "derived_from" for t in labels)
    for t in labels:
        centre, half = float(t.get("x")), len(t.text) * 6.5 / 2  # 11 px sans-serif, at most
        for x, width in rects:
            assert centre + half <= x or centre - half >= x + width, (t.text, x)


def test_rows_are_compared_but_never_best_charted_or_headlined(pair: Any, cancer: Any) -> None:
    """Each metric line carries the test rows it was measured on; a version tested on more rows
    is not the better one, so rows is shown (and differs) but ranks nothing."""
    import re

    from mmds_jupyter.server.views import headline

    reg, _, b, _ = pair
    half = len(cancer["X_test"]) // 2
    rf = RandomForestClassifier(n_estimators=15, random_state=0).fit(
        cancer["X_train"][FEATS], cancer["y_train"]
    )
    d = reg.track(
        rf,
        name="churn",
        project="risk",
        X_test=cancer["X_test"].iloc[:half],
        y_test=cancer["y_test"].iloc[:half],
    ).ref
    cmp = reg.compare(b, d)
    by_key = _rows(reg, b, d)
    assert by_key["rows"] == ("metrics", [len(cancer["X_test"]), half], True)
    html = cmp._repr_html_()

    def cells(key: str) -> str:
        found = re.search(rf"<tr[^>]*><td>{key} <span[^>]*>≠</span></td>(.*?)</tr>", html, re.S)
        assert found is not None, key
        return found.group(1)

    assert "mmds-best" not in cells("rows") and "mmds-best" in cells("roc_auc")
    assert "rows" not in {ch["metric"] for ch in cmp.charts()}
    assert headline({"rows": 100}) is None
    assert headline({"rows": 100, "brier": 0.1}) == {"name": "brier", "value": 0.1}


def test_a_version_card_shows_metrics_a_line_per_slice_rows_first(pair: Any, cancer: Any) -> None:
    """``%mmds show`` / a Version's HTML: the panel's table, rows then the headline metrics."""
    import re

    reg, _, b, _ = pair
    html = reg.get(b)._repr_html_()
    table = html[html.index("<table class='mmds-table mmds-metrics'>") :]
    head = re.findall(r"<th>([^<]*)</th>", table.split("</tr>")[0])
    assert head == ["slice", "rows", "roc_auc", "accuracy", "f1", "log_loss"]
    lines = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", table)
    counts = cancer["X_test"]["country"].value_counts()
    assert lines == [
        ("overall", f"{len(cancer['X_test']):,}"),
        *((f"country={c}", f"{counts[c]:,}") for c in sorted(counts.index)),
    ]
