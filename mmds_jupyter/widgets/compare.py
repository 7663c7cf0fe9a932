"""The comparison as an ipywidget: the table, a metric picker and a bar chart."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ..comparison import Comparison, metric_bars
from ..render import comparison_html


def metric_options(cmp: Comparison) -> list[tuple[str, tuple[str, str | None]]]:
    """(label, (metric, slice)) for every metric any compared version has, overall first."""
    overall = sorted({m.name for v in cmp.versions for m in v.metrics if m.slice is None})
    sliced = sorted({(m.slice, m.name) for v in cmp.versions for m in v.metrics if m.slice})
    return [(name, (name, None)) for name in overall] + [
        (f"{sl} {name}", (name, sl)) for sl, name in sliced
    ]


class ComparisonWidget(W.VBox):
    """Renders as a live widget in JupyterLab and as the plain HTML table elsewhere."""

    def __init__(self, cmp: Comparison, **kwargs: Any):
        self.comparison = cmp
        options = metric_options(cmp)
        self.picker = W.Dropdown(
            options=options, description="metric", layout=W.Layout(width="360px")
        )
        self.chart = W.HTML()
        self.only_diff = W.Checkbox(value=False, description="only rows that differ", indent=False)
        self.table = W.HTML(comparison_html(cmp))
        self.picker.observe(self._draw, names="value")
        self.only_diff.observe(self._table, names="value")
        if not options:
            self.chart.value = "<i>The compared versions have no metrics.</i>"
        overview = cmp.overview()  # three versions or more: every metric at once
        self.overview = W.HTML(overview or "")
        parts = [self.overview] if overview else []
        parts += [W.HBox([self.picker, self.only_diff]), self.chart, self.table]
        super().__init__(parts, **kwargs)
        self._draw()

    def _draw(self, *_: Any) -> None:
        if self.picker.value is None:
            return
        name, sl = self.picker.value
        values = [v.metric(name, sl) for v in self.comparison.versions]
        label = f"{sl} {name}" if sl else name
        self.chart.value = metric_bars(label, name, self.comparison.refs, values)

    def _table(self, *_: Any) -> None:
        cmp = self.comparison
        if self.only_diff.value:
            shown = _DiffOnly(cmp)
            self.table.value = comparison_html(shown)  # type: ignore[arg-type]
        else:
            self.table.value = comparison_html(cmp)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        # nbconvert and papermill keep no widget state: give them the HTML table too.
        data = dict(super()._repr_mimebundle_(**kwargs) or {})
        data["text/html"] = self.table.value
        return data


class _DiffOnly:
    """A comparison view that yields only the rows that differ."""

    def __init__(self, cmp: Comparison):
        self.refs = cmp.refs
        self.warnings = cmp.warnings
        self._rows = [r for r in cmp.rows() if r[3]]

    def rows(self) -> list[tuple[str, str, list[Any], bool]]:
        return self._rows


def compare_widget(comparison: Comparison) -> ComparisonWidget:
    """An interactive view of ``mmds.compare(...)``: pick a metric to chart it per version."""
    return ComparisonWidget(comparison)
