"""Plain HTML renderings of versions, comparisons and lineage (escaped; no scripts)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from html import escape
from typing import TYPE_CHECKING, Any

from . import ranking

if TYPE_CHECKING:
    from .comparison import Comparison
    from .entities import Version
    from .lineage_graph import Lineage

# JupyterLab's theme variables, each with a light fallback for HTML read outside Lab
# (nbconvert, ``--html`` reports). Highlights are a theme colour mixed into transparency,
# so that the theme's own text stays readable on them in light and dark themes.
STYLE = """
<style>
.mmds-table{border-collapse:collapse;font-size:12px;font-family:var(--jp-ui-font-family,sans-serif);
color:var(--jp-content-font-color1,#000)}
.mmds-table th,.mmds-table td{border:1px solid var(--jp-border-color2,#ddd);padding:3px 8px;
text-align:left;color:inherit}
.mmds-table th{background:var(--jp-layout-color2,#eee)}
.mmds-table tr.mmds-diff td{
background:color-mix(in srgb,var(--jp-brand-color1,#2196f3) 16%,transparent)}
.mmds-compare .mmds-table{table-layout:fixed;width:100%;margin:0}
.mmds-compare .mmds-table td,.mmds-compare .mmds-table th{overflow-wrap:anywhere;
padding:2px 8px;line-height:1.35}
.mmds-compare summary{font-family:var(--jp-ui-font-family,sans-serif);line-height:1.35;
background:var(--jp-layout-color2,#eee);font-weight:bold;font-size:12px;
padding:3px 8px;cursor:pointer;color:var(--jp-content-font-color1,#000);
border:1px solid var(--jp-border-color2,#ddd);border-top:0}
.mmds-table .mmds-delta{font-style:italic}
.mmds-table td.mmds-best,.mmds-table tr.mmds-diff td.mmds-best{font-weight:bold;
background:color-mix(in srgb,var(--jp-success-color1,#4caf50) 26%,transparent)}
.mmds-warning{color:var(--jp-warn-color0,#a05a00);font-size:12px}
</style>
"""


def age(when: datetime, now: datetime | None = None) -> str:
    """How long ago ``when`` was, as a person says it ("3 h ago"); older than 60 days, the date."""
    now = now or datetime.now(timezone.utc)
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size, upto in (("min", 60, 3600), ("h", 3600, 86400), ("d", 86400, 60 * 86400)):
        if seconds < upto:
            return f"{int(seconds // size)} {unit} ago"
    return f"{when:%Y-%m-%d}"


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        # a whole number in full (a count such as rows: 12,345, not 1.234e+04)
        return f"{value:,.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return escape(json.dumps(value, default=str))
    return escape(str(value))


def page(title: str, body: str) -> str:
    """A standalone HTML document."""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"</head><body><h2>{escape(title)}</h2>{body}</body></html>"
    )


def delta_text(delta: float | None) -> str:
    """A difference against the first version, signed ("+0.012"); empty when there is none."""
    if delta is None or delta == 0:
        return ""
    return f"{delta:+.4g}"


def comparison_html(cmp: Comparison) -> str:
    """The comparison as one table in folding sections (``<details>``).

    Sections with a difference are open, the others and the parameters every version leaves at
    its default are folded; rows that differ are highlighted, the best metric value in bold, and
    a delta column per later version gives its difference against the first.
    """
    from .comparison import deltas, section_counts

    rows = cmp.rows()
    n = len(cmp.refs)
    later = cmp.refs[1:]
    key_width = 26
    value_width = (100 - key_width) / (n + len(later))
    cols = (
        f"<colgroup><col style='width:{key_width}%'>"
        + (f"<col style='width:{value_width:.2f}%'>" * (n + len(later)))
        + "</colgroup>"
    )
    head = "".join(f"<th>{escape(r)}</th>" for r in cmp.refs) + "".join(
        f"<th class='mmds-delta'>Δ {escape(r if n > 2 else 'vs ' + cmp.refs[0])}</th>"
        for r in later
    )
    parts = [
        STYLE,
        *(f"<p class='mmds-warning'>⚠ {escape(w)}</p>" for w in cmp.warnings),
        "<div class='mmds-compare'>",
        f"<table class='mmds-table'>{cols}<tr><th>key</th>{head}</tr></table>",
    ]
    counts = section_counts(rows)
    section = None
    for sec, key, values, differs in rows:
        if sec != section:
            if section is not None:
                parts.append("</table></details>")
            section = sec
            differ, total = counts[sec]
            opened = " open" if differ and sec != "default params" else ""
            parts.append(
                f"<details class='mmds-section'{opened}><summary>{escape(sec)} · "
                f"{differ} of {total} differ</summary><table class='mmds-table'>{cols}"
            )
        best = None
        if sec in ("metrics", "slice metrics") and differs:
            best = ranking.best(key.rsplit(" ", 1)[-1], values)
        cells = "".join(
            f"<td class='mmds-best'>{fmt(v)}</td>"
            if best is not None and v == best
            else f"<td>{fmt(v)}</td>"
            for v in values
        )
        cells += "".join(
            f"<td class='mmds-delta'>{delta_text(d) if differs else ''}</td>"
            for d in deltas(values)[1:]
        )
        cls = " class='mmds-diff'" if differs else ""
        mark = " <span title='the versions differ'>≠</span>" if differs else ""
        parts.append(f"<tr{cls}><td>{escape(key)}{mark}</td>{cells}</tr>")
    if section is not None:
        parts.append("</table></details>")
    parts.append("</div>")
    return "".join(parts)


def version_html(v: Version) -> str:
    """A summary card of one version."""
    rows = [
        ("estimator", v.estimator_class),
        ("task", v.task),
        ("stage", v.stage),
        ("author", v.author),
        ("created", v.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("aliases", ", ".join(v.aliases) or None),
        ("parent", v.parent_ref),
        ("notebook", v.provenance.get("notebook")),
        ("artifact", f"{v.artifact_format} sha256:{(v.artifact_sha256 or '')[:16]}"),
    ]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{fmt(val)}</td></tr>" for k, val in rows)
    # a line per slice (overall first), a column per metric: rows, the headline ones, the rest
    names = ranking.columns(m.name for m in v.metrics)
    value = {(m.slice or "", m.name): m.value for m in v.metrics}
    metrics = "".join(
        f"<tr><td>{escape(s or 'overall')}</td>"
        + "".join(f"<td>{fmt(value.get((s, n)))}</td>" for n in names)
        + "</tr>"
        for s in sorted({s for s, _ in value})
    )
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    feats = ", ".join(escape(f.name) + ("" if f.used else " (unused)") for f in v.features)
    return (
        f"{STYLE}<div class='mmds-version'><h4>{escape(v.ref)}</h4>"
        f"<table class='mmds-table'>{body}<tr><th>features</th><td>{feats}</td></tr></table>"
        f"<table class='mmds-table mmds-metrics'><tr><th>slice</th>{head}</tr>"
        f"{metrics}</table></div>"
    )


_EDGE = "var(--jp-ui-font-color2,#666)"
_MUTED = "var(--jp-ui-font-color2,#555)"
_ROOT_STROKE = "var(--jp-warn-color0,#d9480f)"
_VERSION_FILL = "color-mix(in srgb,var(--jp-brand-color1,#2196f3) 18%,var(--jp-layout-color0,#fff))"
_DATASET_FILL = (
    "color-mix(in srgb,var(--jp-success-color1,#4caf50) 18%,var(--jp-layout-color0,#fff))"
)


def lineage_html(lin: Lineage) -> str:
    """The lineage graph as inline SVG: one column per level, upstream on the left."""
    levels: dict[int, list[Any]] = {}
    for n in lin.nodes.values():
        levels.setdefault(n.level, []).append(n)
    order = sorted(levels)
    # The gap between columns fits the longest edge label ("derived_from"), so no label runs
    # into a node; labels are centred in it.
    longest = max((len(e.relation) for e in lin.edges), default=0)
    w, h, gap_x, gap_y = 190, 34, max(60, int(longest * 6.5) + 24), 16
    pos = {}
    for col, level in enumerate(order):
        for row, n in enumerate(sorted(levels[level], key=lambda n: n.label)):
            pos[n.key] = (20 + col * (w + gap_x), 20 + row * (h + gap_y))
    width = 40 + len(order) * (w + gap_x)
    height = 40 + max(len(v) for v in levels.values()) * (h + gap_y)
    svg = [
        f"<svg class='mmds-lineage' xmlns='http://www.w3.org/2000/svg' width='{width}' "
        f"height='{height}' font-family='sans-serif' font-size='11' fill='currentColor'>",
        "<defs><marker id='mmds-arrow' viewBox='0 0 10 10' refX='10' refY='5' "
        "markerWidth='6' markerHeight='6' orient='auto'><path d='M0,0L10,5L0,10z' "
        f"style='fill:{_EDGE}'/></marker></defs>",
    ]
    for e in lin.edges:
        a, b = pos.get(f"{e.src_kind}:{e.src_id}"), pos.get(f"{e.dst_kind}:{e.dst_id}")
        if not a or not b:
            continue
        x1, y1, x2, y2 = a[0] + w, a[1] + h / 2, b[0], b[1] + h / 2
        svg.append(
            f"<line x1='{x1}' y1='{y1}' x2='{x2}' y2='{y2}' style='stroke:{_EDGE}' "
            f"marker-end='url(#mmds-arrow)'><title>{escape(e.relation)}</title></line>"
        )
        svg.append(
            f"<text x='{(x1 + x2) / 2}' y='{(y1 + y2) / 2 - 4}' text-anchor='middle' "
            f"style='fill:{_MUTED}'>"
            f"{escape(e.relation)}</text>"
        )
    for n in lin.nodes.values():
        x, y = pos[n.key]
        fill = _VERSION_FILL if n.kind == "version" else _DATASET_FILL
        stroke = _ROOT_STROKE if n.key == lin.root else _EDGE
        svg.append(
            f"<g class='mmds-node' data-key='{escape(n.key)}'><rect x='{x}' y='{y}' "
            f"width='{w}' height='{h}' rx='6' style='fill:{fill};stroke:{stroke}'/>"
            f"<text x='{x + 8}' y='{y + 14}'>{escape(n.label[:30])}</text>"
            f"<text x='{x + 8}' y='{y + 27}' style='fill:{_MUTED}'>{escape(n.kind)} "
            f"{escape(str(n.detail.get('stage') or n.detail.get('rows', '')))}</text></g>"
        )
    svg.append("</svg>")
    return "".join(svg)


def widget_frontend() -> bool:
    """True in a kernel that a person drives (JupyterLab, Notebook), where widgets render.

    Headless runs (papermill, nbclient, ``nbconvert --execute``) start the kernel with an
    in-memory history; their saved notebooks keep no live widgets, so they get plain HTML.
    ``MMDS_WIDGETS=0`` or ``1`` overrides the guess.
    """
    forced = os.environ.get("MMDS_WIDGETS")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return False
    history = getattr(shell, "history_manager", None)
    return str(getattr(history, "hist_file", "")) != ":memory:"


def mimebundle(html: str, make_widget: Any) -> dict[str, Any]:
    """A widget view plus its HTML: live in JupyterLab; nbconvert and papermill keep the HTML."""
    if widget_frontend():
        try:
            data = dict(make_widget()._repr_mimebundle_() or {})
        except ImportError:
            data = {}
        data["text/html"] = html
        return data
    return {"text/html": html}
