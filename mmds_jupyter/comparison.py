"""Side-by-side comparison of versions: params, features, metrics, slice metrics."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from . import ranking
from .entities import Version
from .param_defaults import is_default

# The order a reader asks in: how they scored, what someone set, what they read, what they are;
# parameters every version leaves at its class's default come last (folded by the viewers).
SECTIONS = ("metrics", "slice metrics", "params", "features", "model", "default params")
MISSING = "—"


def test_set_of(version: Version) -> str | None:
    """The content hash of the data set a version's metrics were computed on, if recorded."""
    return next((m.dataset_hash for m in version.metrics if m.dataset_hash), None)


def mixed_test_sets(test_sets: dict[str, str | None], what: str) -> str | None:
    """A warning when ``test_sets`` (ref -> test set hash) holds more than one data set.

    ``what`` says what was done with the metrics ("Ranked by roc_auc", "Compared").
    """
    groups: dict[str, list[str]] = {}
    for ref, data in test_sets.items():
        groups.setdefault(data[:12] if data else "not recorded", []).append(ref)
    if len(groups) < 2:
        return None
    shown = "; ".join(
        f"{data}: {', '.join(refs[:3])}{f' and {len(refs) - 3} more' if len(refs) > 3 else ''}"
        for data, refs in groups.items()
    )
    return (
        f"{what} over versions evaluated on {len(groups)} different test sets ({shown}): "
        "their metrics are not directly comparable. Find the versions tested on one data set "
        "with find(dataset=<hash>, dataset_role='test')."
    )


def default_params(version: Version) -> list[str]:
    """The names of ``version``'s parameters that hold their class's default (sorted)."""
    return sorted(k for k in version.params if is_default(version, k, _same))


def _same(values: list[Any]) -> bool:
    """Equal, with floats compared to 1e-9 relative (the same model via two paths agrees).

    Missing (None or the dash a viewer shows for it) equals missing: two versions that both
    lack a value do not differ, whichever way each spells the absence.
    """

    def close(a: Any, b: Any) -> bool:
        if isinstance(a, float) and isinstance(b, float):
            return (math.isnan(a) and math.isnan(b)) or math.isclose(
                a, b, rel_tol=1e-9, abs_tol=1e-12
            )
        return bool(a == b)

    plain = [None if v == MISSING else v for v in values]
    return all(close(plain[0], v) for v in plain[1:])


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def deltas(values: list[Any]) -> list[float | None]:
    """Each value minus the first version's, where both are numbers; None elsewhere."""
    first = values[0] if values else None
    out: list[float | None] = [None] * len(values)
    if _number(first):
        out[1:] = [v - first if _number(v) else None for v in values[1:]]
    return out


def section_counts(rows: list[tuple[str, str, list[Any], bool]]) -> dict[str, tuple[int, int]]:
    """Section -> (rows that differ, rows), in the order of ``rows``."""
    out: dict[str, tuple[int, int]] = {}
    for section, _, _, differs in rows:
        d, n = out.get(section, (0, 0))
        out[section] = (d + int(differs), n + 1)
    return out


class Comparison:
    """The compared versions and their differences; renders as an HTML table in notebooks."""

    def __init__(self, versions: list[Version]):
        self.versions = versions
        self.refs = [v.ref for v in versions]

    @property
    def warnings(self) -> list[str]:
        """What the reader must know before trusting the table (different test sets)."""
        sets = {v.ref: test_set_of(v) for v in self.versions if v.metrics}
        warning = mixed_test_sets(sets, "Compared")
        return [warning] if warning else []

    def rows(self) -> list[tuple[str, str, list[Any], bool]]:
        """(section, key, one value per version, differs) for everything compared."""
        vs = self.versions
        out: list[tuple[str, str, list[Any], bool]] = []

        def add(section: str, keys: list[str], get: Any) -> None:
            for key in keys:
                values = [get(v, key) for v in vs]
                out.append((section, key, values, not _same(values)))

        add(
            "model",
            ["estimator", "task", "stage", "author", "created", "parent", "test set"],
            lambda v, k: {
                "estimator": v.estimator_class,
                "task": v.task,
                "stage": v.stage,
                "author": v.author,
                "created": v.created_at.strftime("%Y-%m-%d %H:%M"),
                "parent": v.parent_ref,
                "test set": (test_set_of(v) or "—")[:12],
            }[k],
        )
        overall = sorted({m.name for v in vs for m in v.metrics if m.slice is None})
        add("metrics", overall, lambda v, k: v.metric(k))
        slices = sorted({(m.slice, m.name) for v in vs for m in v.metrics if m.slice})
        for sl, name in slices:
            values = [v.metric(name, sl) for v in vs]
            out.append(("slice metrics", f"{sl} {name}", values, not _same(values)))
        params = sorted({k for v in vs for k in v.params})
        # A parameter is folded away when no version sets it: each has its default or lacks it.
        defaults = [
            k for k in params if all(k not in v.params or is_default(v, k, _same) for v in vs)
        ]
        add(
            "params",
            [k for k in params if k not in defaults],
            lambda v, k: v.params.get(k, MISSING),
        )
        add("default params", defaults, lambda v, k: v.params.get(k, MISSING))
        names = sorted({f.name for v in vs for f in v.features})

        def feature_state(v: Version, k: str) -> str:
            for f in v.features:
                if f.name == k:
                    return f"{f.dtype}" + ("" if f.used else " (unused)")
            return MISSING

        add("features", names, feature_state)
        order = {s: i for i, s in enumerate(SECTIONS)}
        return sorted(out, key=lambda r: order[r[0]])

    def charts(self) -> list[dict[str, Any]]:
        """A bar chart per overall metric that any version has (its values, and drawn as SVG
        by the one chart module); ``missing`` names the others."""
        charts = []
        names = self._ranked_metrics()
        for name in names:
            values = [v.metric(name) for v in self.versions]
            charts.append(
                {
                    "metric": name,
                    "values": [x if _number(x) else None for x in values],
                    "lower_is_better": name in ranking.LOWER_IS_BETTER,
                    "missing": [
                        r for r, x in zip(self.refs, values, strict=True) if not _number(x)
                    ],
                    "svg": metric_bars(name, name, self.refs, values),
                }
            )
        return charts

    def overview(self) -> str | None:
        """With three versions or more, every overall metric at once: a parallel-coordinates
        chart (SVG), a line per version, better up on each axis. None for two versions (the
        bar charts say it) or fewer than two metrics."""
        from .reports.charts import parallel_chart

        names = self._ranked_metrics()
        if len(self.versions) < 3 or len(names) < 2:
            return None
        values = [[x if _number(x := v.metric(n)) else None for n in names] for v in self.versions]
        return parallel_chart(
            f"{len(self.refs)} versions on {len(names)} metrics (better is up)",
            self.refs,
            names,
            values,
            set(ranking.LOWER_IS_BETTER),
        )

    def _ranked_metrics(self) -> list[str]:
        """The overall metrics any version has a number for, bar counts such as ``rows``."""
        return sorted(
            {
                m.name
                for v in self.versions
                for m in v.metrics
                if m.slice is None and _number(m.value) and ranking.ranked(m.name)
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """A DataFrame indexed by (section, key), a column per version, plus ``differs``."""
        rows = self.rows()
        index = pd.MultiIndex.from_tuples([(s, k) for s, k, _, _ in rows], names=["section", "key"])
        data = {ref: [r[2][i] for r in rows] for i, ref in enumerate(self.refs)}
        frame = pd.DataFrame(data, index=index)
        frame["differs"] = [r[3] for r in rows]
        return frame

    def differences(self) -> pd.DataFrame:
        """Only the rows where the versions differ."""
        frame = self.to_frame()
        return frame[frame["differs"]]

    def _repr_html_(self) -> str:
        from .render import comparison_html

        return comparison_html(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from .render import mimebundle

        return mimebundle(self._repr_html_(), self.widget)

    def widget(self) -> Any:
        """An interactive view: the table, a metric picker and a bar chart per version."""
        from .widgets import compare_widget

        return compare_widget(self)

    def to_html(self, path: str | Path | None = None) -> str:
        """A standalone HTML report; written atomically to ``path`` when given."""
        from .files import atomic_write
        from .render import comparison_html, page

        html = page(f"MMDS comparison: {' vs '.join(self.refs)}", comparison_html(self))
        if path is not None:
            atomic_write(Path(path), html.encode())
        return html

    def __repr__(self) -> str:
        return f"Comparison({', '.join(self.refs)})"


def metric_bars(title: str, metric: str, refs: list[str], values: list[Any]) -> str:
    """A metric's bar per version, the best (by the metric's direction) drawn green."""
    from .reports.charts import bar_chart

    best = ranking.best(metric, [v for v in values if _number(v)])
    return bar_chart(title, refs, [v if _number(v) else None for v in values], best=best)
