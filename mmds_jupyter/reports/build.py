"""Building a comparison (two or more versions) or validation (one version) report.

Every number comes from the registry: the versions' records, their stored test predictions
(:mod:`.predictions`, drawn with :mod:`.curves` and :mod:`.charts`), their data sets, lineage and,
for a validation, the contract, scoring tests, stage history and approvals. The report's
fingerprint is the sha256 of what it was computed from (versions, their model and prediction
files, the options), so two reports with one fingerprint say the same thing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ranking
from ..errors import InvalidInput, MMDSError
from ..render import comparison_html, fmt
from . import charts, curves, importance
from .charts import Series
from .document import Report

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry
    from .predictions import StoredPredictions

KINDS = ("comparison", "validation")
FORMAT = 2
WORST_SLICES = 3


def _table(head: list[str], rows: list[list[str]], classes: list[list[str]] | None = None) -> str:
    """An HTML table; cells are already escaped HTML."""
    out = ["<table class='mmds-table'><tr>", *(f"<th>{h}</th>" for h in head), "</tr>"]
    for i, row in enumerate(rows):
        out.append("<tr>")
        for j, cell in enumerate(row):
            cls = classes[i][j] if classes else ""
            out.append(f"<td class='{cls}'>{cell}</td>" if cls else f"<td>{cell}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _note(text: str) -> str:
    return f"<p class='mmds-note'>{escape(text)}</p>"


def _warn(text: str) -> str:
    return f"<p class='mmds-warning'>⚠ {escape(text)}</p>"


def _charts(svgs: list[str]) -> str:
    # The clearing div ends the floats (print engines without flow-root need it).
    return "<div class='mmds-charts'>" + "".join(svgs) + "<div style='clear:both'></div></div>"


class _Inputs:
    """The versions of a report and their stored predictions (None where there are none)."""

    def __init__(self, registry: Registry, versions: list[Version]) -> None:
        from .evaluation import load_all, test_inputs

        self.registry = registry
        self.versions = versions
        self.refs = [v.ref for v in versions]
        self.preds: list[StoredPredictions | None] = []
        # The sample of test inputs kept with each version's predictions: (sha256, bytes).
        self.inputs: list[tuple[str, bytes] | None] = []
        for v in versions:
            found = load_all(registry, v)
            self.preds.append(found[0] if found else None)
            self.inputs.append(test_inputs(registry, v, found[0].name) if found else None)
        self._importance: list[tuple[dict[str, Any] | None, str]] | None = None

    def importance(self) -> list[tuple[dict[str, Any] | None, str]]:
        """Each version's permutation importance (or None) and how it was computed (or why
        there is none); computed once per report."""
        if self._importance is None:
            self._importance = [
                _importance(self.registry, v, p, kept)
                for v, p, kept in zip(self.versions, self.preds, self.inputs, strict=True)
            ]
        return self._importance

    def task(self) -> str | None:
        tasks = {v.task for v in self.versions}
        return tasks.pop() if len(tasks) == 1 else None

    def same_test_set(self) -> bool:
        hashes = {p.dataset_hash for p in self.preds if p is not None}
        return len(hashes) == 1 and all(p is not None for p in self.preds)


# -- summary -----------------------------------------------------------------------------------


def _best(name: str, values: list[float | None]) -> float | None:
    return ranking.best(name, [v for v in values if isinstance(v, (int, float)) and np.isfinite(v)])


def _aligned(inp: _Inputs) -> tuple[Any, list[Any]] | None:
    """The stored predictions of every version on the rows they share, in one row order."""
    frames = [p.frame.set_index("row") for p in inp.preds if p is not None]
    common = frames[0].index
    for f in frames[1:]:
        common = common.intersection(f.index)
    if not len(common):
        return None
    return common, [f.loc[common] for f in frames]


def _intervals(inp: _Inputs) -> dict[tuple[str, int], curves.Interval]:
    """Paired bootstrap intervals of each later version against the first, per metric."""
    aligned = _aligned(inp)
    if aligned is None:
        return {}
    _, frames = aligned
    task = inp.task()
    first = inp.preds[0]
    assert first is not None
    y = frames[0]["y_true"].to_numpy()
    # Every metric of every pair is resampled from one set of draws (as each alone would be).
    pairs: dict[tuple[str, int], tuple[str, np.ndarray, np.ndarray, np.ndarray]] = {}
    for i, f in enumerate(frames[1:], start=1):
        if task == "binary" and len(first.classes) == 2:
            col = f"probability({first.classes[1]})"
            if col in f.columns and col in frames[0].columns:
                pos = y == np.asarray(first.classes[1], dtype=y.dtype)
                a, b = frames[0][col].to_numpy(), f[col].to_numpy()
                pairs[("roc_auc", i)] = ("roc_auc", pos, a, b)
        if task in ("binary", "multiclass"):
            a, b = frames[0]["y_pred"].to_numpy(), f["y_pred"].to_numpy()
            pairs[("accuracy", i)] = ("accuracy", y, a, b)
        if task == "regression":
            yf = y.astype("float64")
            for m in ("rmse", "mae"):
                a = frames[0]["y_pred"].to_numpy("float64")
                b = f["y_pred"].to_numpy("float64")
                pairs[(m, i)] = (m, yf, a, b)
    return curves.paired_bootstraps(pairs)


def summary(inp: _Inputs, warnings: list[str]) -> str:
    versions = inp.versions
    names = sorted({m.name for v in versions for m in v.metrics if m.slice is None})
    parts: list[str] = []
    intervals: dict[tuple[str, int], curves.Interval] = {}
    if len(versions) > 1:
        hashes = [p.dataset_hash[:12] if p else "none" for p in inp.preds]
        if inp.same_test_set():
            intervals = _intervals(inp)
            parts.append(
                _note(
                    f"All versions were evaluated on one test set ({hashes[0]}): differences "
                    "are paired, with 95% bootstrap intervals (the rows resampled 200 times)."
                )
            )
        else:
            text = (
                "The versions were not evaluated on the same test set "
                f"({', '.join(f'{r}: {h}' for r, h in zip(inp.refs, hashes, strict=True))}): "
                "their metrics are not directly comparable and no paired interval is given."
            )
            warnings.append(text)
            parts.append(_warn(text))
    for p, ref in zip(inp.preds, inp.refs, strict=True):
        if p is not None and p.meta.get("sampled"):
            parts.append(
                _note(
                    f"{ref}: curves are drawn from a {p.meta['sample']} sample of "
                    f"{p.meta['n_kept']} of its {p.meta['n_rows']} test rows; its metrics "
                    "are of every row."
                )
            )
    head = ["metric", *map(escape, inp.refs), "best"]
    if len(versions) > 1:
        head += [f"{escape(r)} − {escape(inp.refs[0])} (95% CI)" for r in inp.refs[1:]]
    rows, classes = [], []
    for name in names:
        values = [v.metric(name) for v in versions]
        best = _best(name, values)
        row = [escape(name), *(fmt(x) for x in values)]
        cls = ["", *("mmds-best" if x is not None and x == best else "" for x in values)]
        winner = [r for r, x in zip(inp.refs, values, strict=True) if x is not None and x == best]
        row.append(escape(", ".join(winner)) if len(versions) > 1 else "")
        cls.append("")
        for i in range(1, len(versions)):
            a, b = values[0], values[i]
            diff = fmt(b - a) if isinstance(a, float) and isinstance(b, float) else "—"
            iv = intervals.get((name, i))
            if iv is not None:
                diff += f" [{iv.low:+.4f}, {iv.high:+.4f}]"
            row.append(diff)
            cls.append("")
        rows.append(row)
        classes.append(cls)
    parts.append("<h3>Overall</h3>" + (_table(head, rows, classes) if rows else _note("none")))
    slice_rows = []
    labels = sorted({(m.slice, m.name) for v in versions for m in v.metrics if m.slice})
    if labels and len(versions) > 1:
        for sl, name in (label for label in labels if ranking.ranked(label[1])):
            values = [v.metric(name, sl) for v in versions]
            best = _best(name, values)
            winner = [r for r, x in zip(inp.refs, values, strict=True) if x == best and x]
            slice_rows.append([escape(sl), escape(name), escape(", ".join(winner)) or "—"])
        parts.append("<h3>Best per slice</h3>" + _table(["slice", "metric", "best"], slice_rows))
    return "".join(parts)


# -- curves ------------------------------------------------------------------------------------


def _binary(p: StoredPredictions) -> tuple[np.ndarray, np.ndarray] | None:
    proba = p.probabilities()
    if proba is None or len(p.classes) != 2:
        return None
    y = p.frame["y_true"].to_numpy()
    positive = np.asarray(p.classes[1], dtype=y.dtype) if y.dtype != object else p.classes[1]
    return y == positive, proba[:, 1]


def _confusion_table(p: StoredPredictions, pred: np.ndarray, title: str) -> str:
    classes = p.classes
    y = p.frame["y_true"].to_numpy()
    m = curves.confusion(y, pred, classes)
    rows = [
        [f"<b>{escape(str(c))}</b>", *(str(int(x)) for x in m[i])] for i, c in enumerate(classes)
    ]
    head = ["true \\ predicted", *(escape(str(c)) for c in classes)]
    return f"<div><h3>{escape(title)}</h3>{_table(head, rows)}</div>"


def classification(inp: _Inputs, threshold: float) -> str:
    have = [(r, p) for r, p in zip(inp.refs, inp.preds, strict=True) if p is not None]
    if not have:
        return _note("No version has stored test predictions: no curves can be drawn.")
    parts: list[str] = []
    binary = [(r, b, p) for r, p in have if (b := _binary(p)) is not None]
    if binary:
        roc_s, pr_s, gain_s, lift_s, cal_s, stats = [], [], [], [], [], []
        for ref, (y, s), _ in binary:
            fpr, tpr, _ = curves.roc(y, s)
            auc = float(np.trapezoid(tpr, fpr))
            ks, ks_at = curves.ks(y, s)
            roc_s.append(Series(f"{ref} (AUC {auc:.3f})", fpr, tpr))
            prec, rec = curves.precision_recall(y, s)
            pr_s.append(Series(ref, rec, prec))
            g = curves.gains(y, s, 10)
            gain_s.append(Series(ref, np.r_[0, g["population"]] * 100, np.r_[0, g["gain"]] * 100))
            lift_s.append(Series(ref, g["population"] * 100, g["cumulative_lift"]))
            obs, pred, _ = curves.calibration(y, s, 10)
            cal_s.append(Series(ref, pred, obs))
            stats.append(
                [escape(ref), fmt(auc), fmt(2 * auc - 1), fmt(ks), fmt(ks_at), str(len(y))]
            )
        unit = (0.0, 1.0)
        parts.append(
            _charts(
                [
                    charts.line_chart(
                        "ROC",
                        roc_s,
                        "false positive rate",
                        "true positive rate",
                        x_range=unit,
                        y_range=unit,
                        diagonal=True,
                    ),
                    charts.line_chart(
                        "Precision-recall",
                        pr_s,
                        "recall",
                        "precision",
                        x_range=unit,
                        y_range=unit,
                    ),
                    charts.line_chart(
                        "Cumulative gains",
                        gain_s,
                        "population, best scores first (%)",
                        "positives captured (%)",
                        x_range=(0, 100),
                        y_range=(0, 100),
                        diagonal=True,
                    ),
                    charts.line_chart(
                        "Cumulative lift",
                        lift_s,
                        "population, best scores first (%)",
                        "lift (× base rate)",
                        x_range=(0, 100),
                    ),
                    charts.line_chart(
                        "Calibration (reliability)",
                        cal_s,
                        "mean predicted probability",
                        "observed share of positives",
                        x_range=unit,
                        y_range=unit,
                        diagonal=True,
                    ),
                ]
            )
        )
        parts.append(
            "<h3>Discrimination</h3>"
            + _table(["version", "AUC", "Gini", "KS", "KS at score", "rows"], stats)
        )
        dists = []
        for ref, (y, s), _ in binary:
            edges, pos = curves.histogram(s[y])
            _, neg = curves.histogram(s[~y])
            mids = (edges[:-1] + edges[1:]) / 2
            dists.append(
                charts.line_chart(
                    f"Score distribution: {ref}",
                    [Series("positives", mids, pos * 100), Series("negatives", mids, neg * 100)],
                    "score (probability of the positive class)",
                    "share of the class (%)",
                    x_range=(0.0, 1.0),
                )
            )
        parts.append("<h3>Score distributions per class</h3>" + _charts(dists))
    tables = []
    for ref, p in have:
        pred = p.frame["y_pred"].to_numpy()
        tables.append(_confusion_table(p, pred, f"{ref}: at the model's own decision"))
        b = _binary(p)
        if b is not None:
            at = np.where(b[1] >= threshold, p.classes[1], p.classes[0])
            tables.append(_confusion_table(p, at, f"{ref}: score ≥ {threshold:g}"))
    parts.append("<h3>Confusion matrices</h3>" + _charts(tables))
    return "".join(parts)


def regression(inp: _Inputs) -> str:
    have = [(r, p) for r, p in zip(inp.refs, inp.preds, strict=True) if p is not None]
    if not have:
        return _note("No version has stored test predictions: no curves can be drawn.")
    pva, res, dec = [], [], []
    for ref, p in have:
        y = p.frame["y_true"].to_numpy("float64")
        pred = p.frame["y_pred"].to_numpy("float64")
        pva.append(Series(ref, y, pred))
        res.append(Series(ref, pred, y - pred))
        mid, err = curves.error_by_decile(y, pred)
        dec.append(Series(ref, np.arange(1, 11), err))
    return _charts(
        [
            charts.scatter_chart("Predicted vs actual", pva, "actual", "predicted", diagonal=True),
            charts.scatter_chart(
                "Residuals", res, "predicted", "actual − predicted", zero_line=True
            ),
            charts.line_chart(
                "Error by decile of the prediction",
                dec,
                "decile (1 = lowest predictions)",
                "mean absolute error",
                x_range=(1, 10),
            ),
        ]
    )


# -- slices, features, data, lineage, provenance -------------------------------------------------


def slices(inp: _Inputs) -> str:
    versions = inp.versions
    labels = sorted({(m.slice, m.name) for v in versions for m in v.metrics if m.slice})
    if not labels:
        return _note("No slice metrics were recorded (track with slices=[...]).")
    rows, classes = [], []
    worst: dict[int, set[tuple[str, str]]] = {}
    for i, v in enumerate(versions):
        for name in {n for _, n in labels if ranking.ranked(n)}:
            vals = [
                (float(m.value), str(m.slice))
                for m in v.metrics
                if m.name == name and m.slice and m.value is not None
            ]
            vals.sort(key=lambda x: x[0], reverse=name in ranking.LOWER_IS_BETTER)
            # The worst few, never more than a third of the slices (else all would stand out).
            k = max(1, min(WORST_SLICES, len(vals) // 3))
            worst.setdefault(i, set()).update((sl, name) for _, sl in vals[:k])
    for sl, name in labels:
        row = [escape(sl), escape(name)]
        cls = ["", ""]
        for i, v in enumerate(versions):
            row.append(fmt(v.metric(name, sl)))
            cls.append("mmds-worst" if (sl, name) in worst.get(i, set()) else "")
        rows.append(row)
        classes.append(cls)
    return _note(
        f"The worst slices of each version per metric (up to {WORST_SLICES}, at most a "
        "third of them) are highlighted."
    ) + _table(["slice", "metric", *map(escape, inp.refs)], rows, classes)


def features(inp: _Inputs) -> str:
    from ..comparison import Comparison

    if len(inp.versions) > 1:
        html = comparison_html(Comparison(inp.versions)).replace("<details>", "<details open>")
        return html + permutation_importance(inp)
    v = inp.versions[0]
    rows = [[escape(f.name), escape(f.dtype), "yes" if f.used else "no"] for f in v.features]
    params = [[escape(k), escape(fmt(x))] for k, x in sorted(v.params.items())]
    return (
        _table(["input", "type", "used"], rows)
        + permutation_importance(inp)
        + "<h3>Parameters</h3>"
        + _table(["parameter", "value"], params)
    )


def _importance(
    registry: Registry, v: Version, p: StoredPredictions | None, kept: tuple[str, bytes] | None
) -> tuple[dict[str, Any] | None, str]:
    """A version's permutation importance on its kept test inputs, or None and why not."""
    if p is None:
        return None, "no importance: it has no stored test predictions (captured without test data)"
    if kept is None:
        return None, (
            "no importance: no test inputs were kept with its predictions (kept before MMDS "
            "did, or measured by a model that scores its own data); "
            "mmds.evaluate(ref, X, y, name=...) keeps them"
        )
    try:
        model = registry.scoring_model(v)
    except MMDSError as exc:
        return None, f"no importance: its model file does not load ({exc})"
    try:
        found = importance.compute(model, v.task or "", kept[1], v.ref)
    except (ValueError, TypeError) as exc:
        return None, f"no importance: the model could not score shuffled inputs ({exc})"
    how = "on every" if found["rows"] == found["of_rows"] else f"on a {found['sample']} sample of"
    return found, (
        f"drop of {found['metric']} (from {fmt(found['baseline'])}) when an input is shuffled, "
        f"{how} {found['rows']} of the {found['of_rows']} rows of evaluation "
        f"'{found['name']}', {found['repeats']} shuffles, seed {found['seed']}"
    )


def permutation_importance(inp: _Inputs, top: int = 15) -> str:
    """Each version's permutation importance side by side: a bar chart per version (the inputs
    in one order, most important first) and a table of every input."""
    found = inp.importance()
    notes = "".join(
        _note(f"{ref}: {text}.") for ref, (_, text) in zip(inp.refs, found, strict=True)
    )
    have = [(r, f) for r, (f, _) in zip(inp.refs, found, strict=True) if f is not None]
    head = "<h3>Permutation importance on the test set</h3>"
    if not have:
        return head + notes
    by_version = [{x["name"]: x for x in f["features"]} for _, f in have]
    names = sorted(
        {n for d in by_version for n in d},
        key=lambda n: -max(d[n]["mean"] if n in d else -np.inf for d in by_version),
    )
    bars = []
    for (ref, f), d in zip(have, by_version, strict=True):
        shown = names[:top]
        values: list[float | None] = [d[n]["mean"] if n in d else None for n in shown]
        best = max((v for v in values if v is not None), default=None)
        bars.append(
            charts.bar_chart(
                f"{ref}: drop of {f['metric']}", [str(n) for n in shown], values, best=best
            )
        )
    rows = []
    for n in names:
        cells = [escape(str(n))]
        for d in by_version:
            x = d.get(n)
            cells.append("—" if x is None else f"{x['mean']:.4f} ± {x['std']:.4f}")
        rows.append(cells)
    more = f" (the first {top} charted)" if len(names) > top else ""
    return (
        head
        + notes
        # inline, not floated: a float at a page break overlapped the table in print
        + "<div class='mmds-importance'>"
        + " ".join(bars)
        + "</div>"
        + _note(f"Mean ± standard deviation over the shuffles, most important first{more}.")
        + _table(["input", *(escape(r) for r, _ in have)], rows)
    )


def data_sets(inp: _Inputs) -> str:
    found = {}
    for v in inp.versions:
        for d in inp.registry.datasets(v):
            found[(v.ref, d["relation"])] = d
    if not found:
        return _note("No data set was recorded with these versions.")
    head = ["version", "role", "content hash", "rows", "columns"]
    rows = [
        [
            escape(r),
            escape(str(rel)),
            f"<code>{d['content_hash'][:12]}</code>",
            str(d["n_rows"]),
            str(d["n_cols"]),
        ]
        for (r, rel), d in found.items()
    ]
    columns = sorted({c for d in found.values() for c in d["schema"]})
    keys = list(found)
    schema = [[escape(c), *(escape(found[k]["schema"].get(c, "—")) for k in keys)] for c in columns]
    sheads = [f"{escape(r)} {escape(str(rel))}" for r, rel in keys]
    changed = [row for row in schema if len(set(row[1:])) > 1]
    note = _note(f"{len(changed)} column(s) differ in presence or type between the data sets.")
    return (
        _table(head, rows)
        + "<h3>Schemas side by side</h3>"
        + note
        + _table(["column", *sheads], schema)
    )


def lineage(inp: _Inputs) -> str:
    rows = []
    for v in inp.versions:
        ds = ", ".join(
            f"{d['relation']} {d['content_hash'][:12]}" for d in inp.registry.datasets(v)
        )
        children = ", ".join(inp.registry.children(v)) or "—"
        rows.append([escape(v.ref), escape(v.parent_ref or "—"), escape(children), escape(ds)])
    return _table(["version", "parent", "children", "data sets"], rows)


def provenance(inp: _Inputs) -> str:
    keys = [
        "author",
        "created",
        "stage",
        "estimator",
        "model file",
        "notebook",
        "cell",
        "git commit",
        "python",
        "scikit-learn",
        "user",
        "host",
    ]
    cols = []
    for v in inp.versions:
        prov, env = v.provenance or {}, v.environment or {}
        pkgs = env.get("packages", env)
        cols.append(
            [
                v.author,
                v.created_at.isoformat(timespec="seconds"),
                v.stage,
                v.estimator_class,
                f"{v.artifact_format} {(v.artifact_sha256 or '')[:12]}",
                prov.get("notebook"),
                prov.get("execution_count"),
                prov.get("git_commit"),
                env.get("python"),
                pkgs.get("scikit-learn") if isinstance(pkgs, dict) else None,
                prov.get("user"),
                prov.get("host"),
            ]
        )
    rows = [[escape(k), *(escape(fmt(c[i])) for c in cols)] for i, k in enumerate(keys)]
    return _table(["", *map(escape, inp.refs)], rows)


def fingerprint_section(report_inputs: dict[str, Any], digest: str) -> str:
    rows = [
        [
            escape(v["ref"]),
            f"<code>{(v['artifact_sha256'] or '')[:16]}</code>",
            f"<code>{(v['predictions_sha256'] or '—')[:16]}</code>",
            escape(_settings_text(v["importance"])),
        ]
        for v in report_inputs["versions"]
    ]
    return (
        f"<p>sha256 <code>{digest}</code> of what this report was computed from:</p>"
        + _table(["version", "model file", "test predictions", "permutation importance"], rows)
        + _note(f"options: {json.dumps(report_inputs['options'])}; report format {FORMAT}")
    )


def _importance_settings(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """How a version's importance was computed (from its test inputs file, named beside it)."""
    if found is None:
        return None
    keys = ("name", "metric", "rows", "of_rows", "sample", "repeats", "seed")
    return {k: found[k] for k in keys}


def _settings_text(s: dict[str, Any] | None) -> str:
    if s is None:
        return "—"
    return (
        f"{s['metric']}, {s['rows']} of {s['of_rows']} rows ({s['sample']}), "
        f"{s['repeats']} shuffles, seed {s['seed']}"
    )


# -- validation ----------------------------------------------------------------------------------


def contract(registry: Registry, v: Version) -> str:
    c = registry.contract(v).to_dict()
    rows = [
        [
            escape(str(i.get("name"))),
            escape(str(i.get("dtype", i.get("type", "")))),
            escape(
                json.dumps(
                    {k: x for k, x in i.items() if k not in ("name", "dtype", "type")}, default=str
                )[:200]
            ),
        ]
        for i in c.get("inputs", [])
    ]
    return _note(f"policy: {c.get('policy')}") + _table(["input", "type", "rule"], rows)


def scoring_tests(registry: Registry, v: Version) -> str:
    results = registry.scoring_test_results(v)
    if results is None or len(results) == 0:
        return _note("No scoring test was run on this version.")
    frame = results.head(50)
    cols = [c for c in frame.columns if c not in ("details",)]
    rows = [[escape(fmt(r[c])) for c in cols] for _, r in frame.iterrows()]
    return _table([escape(str(c)) for c in cols], rows)


def stage_history(registry: Registry, v: Version) -> str:
    events = registry.events(ref=v.ref)
    rows = []
    for _, e in events.iterrows():
        action = str(e["action"])
        if not any(w in action for w in ("stage", "approve", "reject", "request", "alias")):
            continue
        detail = json.dumps(e["after"], default=str)[:160] if e["after"] is not None else ""
        rows.append(
            [escape(str(e["time"])[:19]), escape(str(e["actor"])), escape(action), escape(detail)]
        )
    if not rows:
        return _note(f"{v.ref} has stayed in {v.stage} since it was captured; no approval.")
    return _table(["time", "who", "what", "detail"], rows)


# -- the report ----------------------------------------------------------------------------------


def build(
    registry: Registry, refs: list[Any], kind: str | None = None, threshold: float = 0.5
) -> Report:
    """The report of ``refs``: ``comparison`` of two or more versions, ``validation`` of one
    (the kind, when not given, follows from how many versions there are)."""
    if kind is None:
        kind = "validation" if len(refs) == 1 else "comparison"
    if kind not in KINDS:
        raise InvalidInput(f"A report is a comparison or a validation, not {kind!r}.")
    if kind == "comparison" and len(refs) < 2:
        raise InvalidInput(
            "A comparison report needs two or more versions, e.g. "
            "mmds.report('churn:3', 'churn:5'); for one version use kind='validation'."
        )
    if kind == "validation" and len(refs) != 1:
        raise InvalidInput(
            "A validation report is of one version: mmds.report('churn:3', kind='validation')."
        )
    if not (isinstance(threshold, (int, float)) and 0.0 <= threshold <= 1.0):
        raise InvalidInput(f"The threshold is a probability between 0 and 1, not {threshold!r}.")
    versions = [registry.get(r) for r in refs]
    inp = _Inputs(registry, versions)
    warnings: list[str] = []
    task = inp.task()
    sections = [("Summary", summary(inp, warnings))]
    if task in ("binary", "multiclass"):
        sections.append(("Classification: curves and matrices", classification(inp, threshold)))
    elif task == "regression":
        sections.append(("Regression: errors", regression(inp)))
    else:
        sections.append(("Curves", _note("The versions are of different tasks: no curves.")))
    sections += [
        ("Slices", slices(inp)),
        ("Features and parameters", features(inp)),
        ("Data sets", data_sets(inp)),
        ("Lineage", lineage(inp)),
        ("Provenance and environment", provenance(inp)),
    ]
    if kind == "validation":
        v = versions[0]
        for title, fn in (
            ("Contract", contract),
            ("Scoring tests", scoring_tests),
            ("Stage history and approvals", stage_history),
        ):
            try:
                sections.append((title, fn(registry, v)))
            except MMDSError as exc:
                sections.append((title, _note(str(exc))))
    inputs = {
        "kind": kind,
        "format": FORMAT,
        "options": {"threshold": threshold},
        "versions": [
            {
                "ref": v.ref,
                "id": v.id,
                "artifact_sha256": v.artifact_sha256,
                "predictions_sha256": p.sha256 if p is not None else None,
                "test_inputs_sha256": kept[0] if kept is not None else None,
                "importance": _importance_settings(found),
            }
            for v, p, kept, (found, _) in zip(
                versions, inp.preds, inp.inputs, inp.importance(), strict=True
            )
        ],
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    sections.append(("Report fingerprint", fingerprint_section(inputs, digest)))
    return Report(
        kind=kind,
        refs=inp.refs,
        sections=sections,
        fingerprint=digest,
        inputs=inputs,
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        warnings=warnings,
    )
