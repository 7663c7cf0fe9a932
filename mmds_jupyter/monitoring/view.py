"""A model's monitoring at a glance: what the panel's Monitoring section and ``mmds.monitor``
show, built once here from the monitor's own judgement (never a second reading of the rules).

Charts come from the one chart module (reports/charts.py): each judged metric over the windows
with its reference and its warning and alert lines; the share of drifting inputs likewise;
drift per input as a heat map over windows; the score's distribution in the latest window
against the baseline frozen at capture. Next to them: the open alerts and, when the model has a
``@challenger``, the champion/challenger comparison. The view is plain data (JSON for REST) with
its charts as SVG text, so a server can build it and a kernel show it.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from ..encode import plain, records
from ..errors import MMDSError, NotFound
from ..render import STYLE, fmt
from ..reports import charts
from . import baseline as bl
from .alerts import alerts as alert_frame
from .monitors import HIGHER_IS_BETTER, judged_windows, reference_version, window_summary

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry

VERDICT_LEVELS = ("ok", "warning", "alert")
# Per-input drift measures a heat map can show, the first one defined wins.
FEATURE_MEASURES = ("psi", "jensen_shannon", "wasserstein")
SHOWN_ALERTS = 5


def monitor_view(reg: Registry, model: str) -> dict[str, Any]:
    """Everything the Monitoring view shows for ``model`` (a model name, not a version)."""
    from .monitors import model_ref

    ref = model_ref(reg, model, "The monitoring view")
    name, definition = reg.store.monitors.definition(ref)
    open_alerts = alert_frame(reg, name, None)
    open_alerts = open_alerts[open_alerts["status"] != "resolved"]
    view: dict[str, Any] = {
        "model": name,
        "ref": None,
        "definition": definition,
        "windows": [],
        "charts": [],
        "alerts": records(open_alerts) if len(open_alerts) else [],
        "challenger": None,
        "notes": [],
    }
    if definition is None:
        view["notes"].append(
            f"{name} has no monitor: define one with mmds.set_monitor('{name}') to judge its "
            "production windows against the champion's test metrics and baseline."
        )
        return view
    version = reference_version(reg, name, definition["reference"])
    view["ref"] = version.ref
    checks, perf, sets = judged_windows(reg, version, definition)
    labels = [p["window"] for p in perf]
    view["windows"] = plain(perf)
    if not labels:
        view["notes"].append(
            f"No production rows of {version.ref} yet: score with mmds.score(..., "
            "mode='production', key=...) and its windows appear here."
        )
    else:
        view["charts"] = _charts(reg, version, definition, checks, labels, sets)
    view["challenger"] = plain(_challenger(reg, name))
    return view


def _charts(
    reg: Registry,
    version: Version,
    definition: dict[str, Any],
    checks: list[dict[str, Any]],
    labels: list[str],
    sets: list[list[int]],
) -> list[dict[str, str]]:
    by: dict[str, dict[str, dict[str, Any]]] = {}
    for c in checks:
        by.setdefault(c["measure"], {})[c["window"]] = c
    out = []
    for metric in definition["metrics"]:
        warn, alert = definition["thresholds"][metric]
        reference = version.overall_metrics.get(metric)
        values = [_value(by.get(metric, {}).get(w)) for w in labels]
        lines: list[tuple[str, float, str]] = []
        if isinstance(reference, (int, float)):
            if metric in HIGHER_IS_BETTER:
                limits = (reference - warn, reference - alert)
            else:
                limits = (reference * (1 + warn), reference * (1 + alert))
            lines = [
                (f"reference {fmt(reference)}", reference, "reference"),
                ("warning", limits[0], "warning"),
                ("alert", limits[1], "alert"),
            ]
        svg = charts.window_chart(
            f"{metric} by {definition['window']} (labelled rows)",
            labels,
            [(metric, values)],
            metric,
            x_label=f"{definition['window']} (first day)",
            lines=lines,
        )
        out.append({"id": f"metric:{metric}", "title": metric, "svg": svg})
    if "share_drifting" in definition["drift"]:
        warn, alert = definition["thresholds"]["share_drifting"]
        values = [_value(by.get("share_drifting", {}).get(w)) for w in labels]
        svg = charts.window_chart(
            f"Share of drifting inputs by {definition['window']}",
            labels,
            [("share drifting", values)],
            "share of inputs",
            x_label=f"{definition['window']} (first day)",
            lines=[("warning", warn, "warning"), ("alert", alert, "alert")],
        )
        out.append({"id": "drift:share", "title": "share drifting", "svg": svg})
    measure = next((m for m in FEATURE_MEASURES if m in definition["drift"]), None)
    features = [m for m in by if measure and m.startswith(f"{measure}(") and m != f"{measure}(*)"]
    if features:
        names = [m[len(measure) + 1 : -1] for m in features]  # type: ignore[arg-type]
        cells = [[by[m].get(w) for w in labels] for m in features]
        svg = charts.heat_map(
            f"{measure} per input and {definition['window']}",
            names,
            labels,
            [[_value(c) for c in row] for row in cells],
            [
                [c["verdict"] if c and c["verdict"] in VERDICT_LEVELS else None for c in row]
                for row in cells
            ],
        )
        out.append({"id": f"drift:{measure}", "title": f"{measure} per input", "svg": svg})
    scores = _score_distribution(reg, version, labels[-1], sets[-1])
    if scores is not None:
        out.append(scores)
    return out


def _value(check: dict[str, Any] | None) -> float | None:
    if check is None or not isinstance(check.get("value"), (int, float)):
        return None
    return float(check["value"])


def _score_distribution(
    reg: Registry, version: Version, label: str, set_ids: list[int]
) -> dict[str, str] | None:
    """The score column's share of rows per baseline bin: at capture and in the latest window."""
    baseline = reg.stored_baseline(version)
    summary = window_summary(reg, set_ids) if baseline is not None else None
    if baseline is None or summary is None:
        return None
    scores = [n for n, c in baseline["columns"].items() if c["role"] == "score"]
    # A binary classifier's score is its positive class's probability (the last one).
    probabilities = [n for n in scores if n.startswith("probability(")]
    name = (probabilities or scores or [None])[-1]
    if name is None or name not in summary["columns"]:
        return None
    col = baseline["columns"][name]
    ref_counts = np.asarray(col["counts"], dtype="float64")
    now_counts = np.asarray(summary["columns"][name]["counts"], dtype="float64")
    keep = (ref_counts + now_counts) > 0  # bins neither ever filled say nothing
    labels = [b for b, k in zip(bl.bin_labels(col), keep, strict=True) if k]

    def shares(counts: np.ndarray) -> list[float]:
        total = counts.sum() or 1.0
        return [float(v) for v in (counts / total * 100)[keep]]

    svg = charts.paired_bars(
        f"{name}: share of rows per bin",
        labels,
        [
            (f"baseline ({baseline.get('source', 'capture')})", shares(ref_counts)),
            (f"window {label}", shares(now_counts)),
        ],
    )
    return {"id": "scores", "title": "score distribution", "svg": svg}


def _challenger(reg: Registry, name: str) -> dict[str, Any] | None:
    try:
        reg.get(f"{name}@challenger")
    except NotFound:
        return None
    try:
        result: dict[str, Any] = reg.champion_challenger(name)
    except MMDSError as exc:
        return {"verdict": str(exc), "metrics": []}
    return result


class MonitorView:
    """``mmds.monitor("churn")``: the model's monitoring view as rich output in a notebook."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __repr__(self) -> str:
        d = self.data
        return (
            f"<monitoring of {d['model']}: {len(d['windows'])} windows, "
            f"{len(d['alerts'])} open alerts>"
        )

    def _repr_html_(self) -> str:
        d = self.data
        parts = [STYLE, "<div class='mmds-monitor'>"]
        title = f"Monitoring of {d['model']}" + (f" ({d['ref']})" if d["ref"] else "")
        parts.append(f"<h4>{escape(title)}</h4>")
        parts += [f"<p>{escape(n)}</p>" for n in d["notes"]]
        if d["alerts"]:
            parts.append(f"<p><b>Open alerts</b> ({len(d['alerts'])}, the latest first)</p><ul>")
            for a in d["alerts"][:SHOWN_ALERTS]:
                parts.append(
                    f"<li>#{a['id']} {escape(str(a['level']))}: {escape(str(a['window']))} · "
                    f"{escape(str(a['measure']))} {fmt(a['value'])} "
                    f"({escape(str(a['status']))})</li>"
                )
            parts.append("</ul>")
            if len(d["alerts"]) > SHOWN_ALERTS:
                parts.append(
                    f"<p>… and {len(d['alerts']) - SHOWN_ALERTS} more: mmds.alerts(…).</p>"
                )
        elif d["definition"] is not None:
            parts.append("<p>No open alert.</p>")
        parts += [f"<figure class='mmds-monitor-chart'>{c['svg']}</figure>" for c in d["charts"]]
        cc = d["challenger"]
        if cc:
            parts.append(f"<p><b>Champion vs challenger</b>: {escape(cc['verdict'])}</p>")
            if cc["metrics"]:
                parts.append(
                    "<table><tr><th>metric</th><th>champion</th><th>challenger</th>"
                    "<th>test</th><th>p</th></tr>"
                )
                for m in cc["metrics"]:
                    parts.append(
                        f"<tr><td>{escape(m['metric'])}</td><td>{fmt(m['champion'])}</td>"
                        f"<td>{fmt(m['challenger'])}</td><td>{escape(str(m['test']))}</td>"
                        f"<td>{fmt(m['p_value'])}</td></tr>"
                    )
                parts.append("</table>")
        parts.append("</div>")
        return "".join(parts)
