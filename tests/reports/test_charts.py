"""The one chart module: axes, legends, theme colours, escaped text, no scripts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np

from mmds_jupyter.reports import charts
from mmds_jupyter.widgets.compare import metric_bars

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_a_line_chart_has_title_axes_labels_and_a_legend_per_series():
    a = charts.Series("churn:1 <rf>", [0, 0.5, 1], [0, 0.8, 1])
    b = charts.Series("churn:2", np.linspace(0, 1, 50_000), np.linspace(0, 1, 50_000) ** 0.5)
    svg = charts.line_chart(
        "ROC", [a, b], "false positive rate", "true positive rate", diagonal=True
    )
    texts = _texts(svg)  # also: the SVG is well-formed XML with its texts escaped
    assert texts[0] == "ROC" and "false positive rate" in texts and "true positive rate" in texts
    assert "churn:1 <rf>" in texts and "churn:2" in texts
    assert "0.5" in texts and "1" in texts  # round ticks
    assert "<script" not in svg
    # a curve of 50,000 points is drawn with at most a few pixels' worth of points
    lines = ET.fromstring(svg).findall(f"{SVG}polyline")
    assert len(lines) == 2 and len(lines[1].get("points").split()) < 2000
    # series differ by theme colour and by dash (for black-and-white print)
    assert lines[0].get("style") != lines[1].get("style")
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")
    for colour in re.findall(r"(?:fill|stroke):([^;'\"]+)", svg):
        assert colour.startswith("var(--jp-"), colour


def test_one_series_has_no_legend_and_scatter_points_are_capped():
    x = np.arange(10_000.0)
    svg = charts.scatter_chart("pred vs actual", [charts.Series("m", x, x)], "actual", "pred")
    assert svg.count("<circle") == charts.MAX_POINTS
    assert "m" not in _texts(svg)


def test_the_compare_widget_bars_come_from_the_chart_module():
    svg = metric_bars("rmse", "rmse", ["a:1", "a:2", "a:3"], [3.0, 2.0, None])
    assert "mmds-bars" in svg and "— not recorded" in svg
    rects = ET.fromstring(svg).findall(f"{SVG}rect")
    assert [charts.BEST_FILL in r.get("style") for r in rects] == [False, True]


def test_nice_ticks():
    assert charts.nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert charts.nice_ticks(3, 97) == [20, 40, 60, 80]
    assert charts.nice_ticks(5, 5) == [5]


def test_a_window_chart_names_its_windows_and_labels_its_threshold_lines():
    weeks = [f"2026-{m:02d}-01/2026-{m:02d}-07" for m in range(1, 13)] + ["2027-01-01/2027-01-07"]
    svg = charts.window_chart(
        "AUC by week",
        weeks,
        [("AUC", [0.8 - 0.01 * i for i in range(12)] + [None])],
        "AUC",
        lines=[("reference", 0.8, "reference"), ("alert", 0.7, "alert")],
    )
    texts = _texts(svg)
    assert texts[0] == "AUC by week" and "AUC" in texts and "window" in texts
    # 13 windows: every second one is named (at most 8 names), without its year
    assert [t for t in texts if re.fullmatch(r"\d\d-\d\d", t)] == [
        "01-01", "03-01", "05-01", "07-01", "09-01", "11-01", "01-01"
    ]  # fmt: skip
    root = ET.fromstring(svg)
    labelled = {line.get("class") for line in root.iter(f"{SVG}line") if line.get("class")}
    assert labelled == {"mmds-line-reference", "mmds-line-alert"}
    # horizontal grid lines only: windows are names, not a numeric axis
    assert all(line.get("x1") != line.get("x2") for line in root.iter(f"{SVG}line"))
    # the missing last value is not drawn: 12 points on the line
    assert len(root.find(f"{SVG}polyline").get("points").split()) == 12


def test_parallel_coordinates_put_better_up_on_each_axis_and_break_at_a_missing_value():
    svg = charts.parallel_chart(
        "3 versions",
        ["churn:1", "churn:2 <x>", "churn:3"],
        ["log_loss", "roc_auc"],
        [[0.30, 0.90], [0.20, 0.95], [None, 0.80]],
        {"log_loss"},
    )
    root = ET.fromstring(svg)
    texts = _texts(svg)
    assert texts[0] == "3 versions" and "churn:2 <x>" in texts
    assert "log_loss (lower is better)" in texts and "roc_auc" in texts
    # a lower-is-better axis is turned over: its best (lowest) value is written at the top
    top_of_log_loss = [t.text for t in root.iter(f"{SVG}text") if t.get("y") == "32"]
    assert top_of_log_loss[:2] == ["0.2", "0.95"]
    # churn:2 is best on both: its line runs along the top; churn:3 lacks log_loss, so it
    # has no line (one point only) but its point is drawn
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    ys = [{p.split(",")[1] for p in line.get("points").split()} for line in lines]
    assert ys[1] == {"36.0"} and len(ys[0]) == 2
    dots = [g for g in root.iter(f"{SVG}g")]
    assert [len(g.findall(f"{SVG}circle")) for g in dots] == [2, 2, 1]
    for colour in re.findall(r"(?:fill|stroke):([^;'\"]+)", svg):
        assert colour.startswith("var(--jp-"), colour
