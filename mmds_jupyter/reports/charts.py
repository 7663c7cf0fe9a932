"""Every chart MMDS draws, as plain inline SVG written in this one place.

Why SVG by hand rather than Vega-Lite (altair + vl-convert): the charts are few and simple (bars,
lines, points), a report must be one self-contained file that opens with no network and prints,
and the same markup must render in a notebook, the panel, an HTML file and a PDF. altair and
vl-convert are not in the environment, vl-convert ships a ~100 MB JavaScript engine, and its SVGs
use fixed colours, where these use JupyterLab's theme variables so they follow light and dark.

Conventions: text and axes are drawn in ``currentColor`` (the surrounding text colour); series
colours are theme variables with light fallbacks for HTML read outside JupyterLab (a PDF resolves
them to the fallbacks); each series also has its own dash pattern, so that a chart printed in
black and white still tells them apart. Every chart has a title, labelled axes with units and,
with more than one series, a legend. Texts are escaped; no script is ever written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from ..render import fmt

# Series colours: the theme's, with fallbacks readable on white and on dark grey.
SERIES = (
    "var(--jp-brand-color1,#1976d2)",
    "var(--jp-warn-color1,#e65100)",
    "var(--jp-success-color1,#2e7d32)",
    "var(--jp-error-color1,#c62828)",
    "var(--jp-accent-color1,#7b1fa2)",
    "var(--jp-brand-color3,#64b5f6)",
)
DASHES = ("", "6 3", "2 2", "8 3 2 3", "1 3", "10 4")
GRID = "var(--jp-border-color2,#d0d0d0)"
FAINT = "var(--jp-layout-color3,#9e9e9e)"
BAR_FILL = "var(--jp-brand-color2,#8fb3e0)"
BEST_FILL = "var(--jp-success-color1,#2e8b57)"
FONT = "font-family='sans-serif' font-size='11' fill='currentColor'"
# Points drawn per scatter series: more adds bytes, not information, to a 400-pixel chart.
MAX_POINTS = 1500


def colour(i: int) -> str:
    return SERIES[i % len(SERIES)]


@dataclass
class Series:
    """One line (or set of points) of a chart: its name in the legend and its coordinates."""

    name: str
    x: Sequence[float] | np.ndarray
    y: Sequence[float] | np.ndarray


def nice_ticks(low: float, high: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else [0.0]
    raw = (high - low) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    t = first
    while t <= high + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    return ticks


def _tick_text(v: float) -> str:
    return f"{v:.4g}"


class _Frame:
    """The plot area of a chart and its mapping from data to pixels."""

    def __init__(
        self, x_range: tuple[float, float], y_range: tuple[float, float], width: int, height: int
    ) -> None:
        self.left, self.right, self.top, self.bottom = 54, 12, 26, 40
        self.width, self.height = width, height
        self.x0, self.x1 = x_range
        self.y0, self.y1 = y_range
        if self.x1 <= self.x0:
            self.x1 = self.x0 + 1.0
        if self.y1 <= self.y0:
            self.y1 = self.y0 + 1.0
        self.pw = width - self.left - self.right
        self.ph = height - self.top - self.bottom

    def px(self, x: np.ndarray) -> np.ndarray:
        return (
            self.left + (np.asarray(x, dtype="float64") - self.x0) / (self.x1 - self.x0) * self.pw
        )

    def py(self, y: np.ndarray) -> np.ndarray:
        return self.top + (1 - (np.asarray(y, "float64") - self.y0) / (self.y1 - self.y0)) * self.ph

    def axes(
        self, x_label: str, y_label: str, x_ticks: Sequence[tuple[float, str]] | None = None
    ) -> list[str]:
        """Grid, ticks, frame and axis labels. ``x_ticks`` (position, label) name the x
        ticks instead of numbers, without vertical grid lines."""
        out = []
        for t, label in x_ticks or [(t, _tick_text(t)) for t in nice_ticks(self.x0, self.x1)]:
            x = float(self.px(np.array([t]))[0])
            if x_ticks is None:
                out.append(
                    f"<line x1='{x:.1f}' y1='{self.top}' x2='{x:.1f}' y2='{self.top + self.ph}' "
                    f"style='stroke:{GRID}' stroke-width='0.5'/>"
                )
            out.append(
                f"<text x='{x:.1f}' y='{self.top + self.ph + 14}' text-anchor='middle'>"
                f"{escape(label)}</text>"
            )
        for t in nice_ticks(self.y0, self.y1):
            y = float(self.py(np.array([t]))[0])
            out.append(
                f"<line x1='{self.left}' y1='{y:.1f}' x2='{self.left + self.pw}' y2='{y:.1f}' "
                f"style='stroke:{GRID}' stroke-width='0.5'/>"
                f"<text x='{self.left - 4}' y='{y + 4:.1f}' text-anchor='end'>"
                f"{_tick_text(t)}</text>"
            )
        out.append(
            f"<rect x='{self.left}' y='{self.top}' width='{self.pw}' height='{self.ph}' "
            "fill='none' stroke='currentColor' stroke-width='0.8'/>"
            f"<text x='{self.left + self.pw / 2:.1f}' y='{self.height - 6}' "
            f"text-anchor='middle'>{escape(x_label)}</text>"
            f"<text transform='translate(12,{self.top + self.ph / 2:.1f}) rotate(-90)' "
            f"text-anchor='middle'>{escape(y_label)}</text>"
        )
        return out


def _open(css_class: str, title: str, width: int, height: int) -> list[str]:
    return [
        f"<svg class='mmds-chart {css_class}' xmlns='http://www.w3.org/2000/svg' "
        f"width='{width}' height='{height}' viewBox='0 0 {width} {height}' {FONT} role='img'>",
        f"<title>{escape(title)}</title>",
        f"<text x='0' y='13' font-weight='bold' font-size='12'>{escape(title)}</text>",
    ]


LEGEND_ROW = 14


def _legend_height(series: list[Series]) -> int:
    return LEGEND_ROW * len(series) + 4 if len(series) > 1 else 0


def _legend(names: list[str], frame: _Frame, markers: bool = False) -> list[str]:
    """The legend under the x axis's label (never over a curve), one row per series."""
    if len(names) < 2:
        return []
    out = []
    x = frame.left
    for i, name in enumerate(names):
        y = frame.top + frame.ph + frame.bottom + LEGEND_ROW * (i + 1)
        if markers:
            mark = f"<circle cx='{x + 9}' cy='{y - 4}' r='3' style='fill:{colour(i)}'/>"
        else:
            mark = (
                f"<line x1='{x}' y1='{y - 4}' x2='{x + 18}' y2='{y - 4}' stroke-width='2' "
                f"style='stroke:{colour(i)}' stroke-dasharray='{DASHES[i % len(DASHES)]}'/>"
            )
        out.append(f"{mark}<text x='{x + 22}' y='{y}'>{escape(name[:60])}</text>")
    return out


def _range(values: list[np.ndarray], pad: float = 0.0) -> tuple[float, float]:
    finite = [v[np.isfinite(v)] for v in values]
    finite = [v for v in finite if v.size]
    if not finite:
        return 0.0, 1.0
    low = float(min(v.min() for v in finite))
    high = float(max(v.max() for v in finite))
    span = (high - low) or 1.0
    return low - pad * span, high + pad * span


def line_chart(
    title: str,
    series: list[Series],
    x_label: str,
    y_label: str,
    *,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    diagonal: bool = False,
    steps: bool = False,
    width: int = 330,
    height: int = 250,
) -> str:
    """Lines, one per series (``steps`` draws them as a step function), with an optional
    dotted diagonal (the chance line of ROC and gains, the ideal of calibration)."""
    xs = [np.asarray(s.x, dtype="float64") for s in series]
    ys = [np.asarray(s.y, dtype="float64") for s in series]
    frame = _Frame(x_range or _range(xs), y_range or _range(ys, 0.04), width, height)
    total = height + _legend_height(series)
    out = _open("mmds-lines", title, width, total) + frame.axes(x_label, y_label)
    if diagonal:
        lo, hi = max(frame.x0, frame.y0), min(frame.x1, frame.y1)
        a, b = frame.px(np.array([lo, hi])), frame.py(np.array([lo, hi]))
        out.append(
            f"<line x1='{a[0]:.1f}' y1='{b[0]:.1f}' x2='{a[1]:.1f}' y2='{b[1]:.1f}' "
            f"style='stroke:{FAINT}' stroke-dasharray='2 3'/>"
        )
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        keep = np.isfinite(x) & np.isfinite(y)
        x, y = x[keep], y[keep]
        if not x.size:
            continue
        if steps and x.size > 1:
            x = np.repeat(x, 2)[1:]
            y = np.repeat(y, 2)[:-1]
        px, py = _thin(frame.px(x), frame.py(y))
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
        out.append(
            f"<polyline points='{points}' fill='none' stroke-width='1.8' "
            f"style='stroke:{colour(i)}' stroke-dasharray='{DASHES[i % len(DASHES)]}'>"
            f"<title>{escape(series[i].name)}</title></polyline>"
        )
    out += _legend([s.name for s in series], frame)
    out.append("</svg>")
    return "".join(out)


def _thin(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop points that fall on the pixel of the previous kept point (a curve of 100,000
    thresholds is a few hundred distinct pixels)."""
    if px.size <= 2:
        return px, py
    key = np.round(px * 2) * 100_000 + np.round(py * 2)
    keep = np.ones(px.size, dtype=bool)
    keep[1:] = key[1:] != key[:-1]
    keep[-1] = True
    return px[keep], py[keep]


def scatter_chart(
    title: str,
    series: list[Series],
    x_label: str,
    y_label: str,
    *,
    diagonal: bool = False,
    zero_line: bool = False,
    width: int = 330,
    height: int = 250,
) -> str:
    """Points, one colour per series (at most ``MAX_POINTS`` each, a fixed random sample)."""
    rng = np.random.default_rng(0)
    xs, ys = [], []
    for s in series:
        x, y = np.asarray(s.x, dtype="float64"), np.asarray(s.y, dtype="float64")
        if x.size > MAX_POINTS:
            rows = np.sort(rng.choice(x.size, MAX_POINTS, replace=False))
            x, y = x[rows], y[rows]
        xs.append(x)
        ys.append(y)
    x_range, y_range = _range(xs, 0.03), _range(ys, 0.04)
    if diagonal:
        x_range = y_range = (min(x_range[0], y_range[0]), max(x_range[1], y_range[1]))
    frame = _Frame(x_range, y_range, width, height)
    total = height + _legend_height(series)
    out = _open("mmds-points", title, width, total) + frame.axes(x_label, y_label)
    if diagonal:
        a, b = frame.px(np.array(x_range)), frame.py(np.array(y_range))
        out.append(
            f"<line x1='{a[0]:.1f}' y1='{b[0]:.1f}' x2='{a[1]:.1f}' y2='{b[1]:.1f}' "
            f"style='stroke:{FAINT}' stroke-dasharray='2 3'/>"
        )
    if zero_line and frame.y0 < 0 < frame.y1:
        y0 = float(frame.py(np.array([0.0]))[0])
        out.append(
            f"<line x1='{frame.left}' y1='{y0:.1f}' x2='{frame.left + frame.pw}' y2='{y0:.1f}' "
            f"style='stroke:{FAINT}' stroke-dasharray='2 3'/>"
        )
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        px, py = frame.px(x), frame.py(y)
        dots = "".join(
            f"<circle cx='{a:.1f}' cy='{b:.1f}' r='1.6'/>"
            for a, b in zip(px, py, strict=True)
            if math.isfinite(a) and math.isfinite(b)
        )
        out.append(f"<g style='fill:{colour(i)}' fill-opacity='0.55'>{dots}</g>")
    out += _legend([s.name for s in series], frame, markers=True)
    out.append("</svg>")
    return "".join(out)


def parallel_chart(
    title: str,
    names: list[str],
    axes: list[str],
    values: list[list[float | None]],
    lower_is_better: set[str] | frozenset[str] = frozenset(),
    *,
    height: int = 260,
) -> str:
    """Parallel coordinates: an axis per metric, a line per version (``values[version][axis]``).

    Each axis spans its own values, better up (a lower-is-better axis is turned over and says
    so), its best and worst values written at its ends. A missing value breaks the version's
    line there; a version's points are drawn too, so one value between two gaps still shows.
    """
    width = max(330, 110 * len(axes) + 60)
    frame = _Frame((0.0, max(len(axes) - 1, 1)), (0.0, 1.0), width, height)
    frame.left = frame.right = 40
    frame.top = 36  # room for the title, then the axes' best values
    frame.pw = width - frame.left - frame.right
    frame.ph = height - frame.top - frame.bottom
    total = height + _legend_height([Series(n, [], []) for n in names])
    out = _open("mmds-parallel", title, width, total)
    known = [[v if v is not None and math.isfinite(v) else None for v in row] for row in values]
    levels: list[list[float | None]] = [[None] * len(axes) for _ in names]
    for j, axis in enumerate(axes):
        column = [v for row in known if (v := row[j]) is not None]
        low, high = (min(column), max(column)) if column else (0.0, 1.0)
        flip = axis in lower_is_better
        best, worst = (low, high) if flip else (high, low)
        for i, row in enumerate(known):
            if (v := row[j]) is None:
                continue
            share = 0.5 if high == low else (v - low) / (high - low)
            levels[i][j] = 1 - share if flip else share
        x = float(frame.px(np.array([j]))[0])
        label = f"{axis} (lower is better)" if flip else axis
        out.append(
            f"<line x1='{x:.1f}' y1='{frame.top}' x2='{x:.1f}' y2='{frame.top + frame.ph}' "
            "stroke='currentColor' stroke-width='0.8'/>"
            f"<text x='{x:.1f}' y='{frame.top - 4}' text-anchor='middle'>"
            f"{_tick_text(best) if column else '—'}</text>"
            f"<text x='{x:.1f}' y='{frame.top + frame.ph + 13}' text-anchor='middle'>"
            f"{_tick_text(worst) if column else '—'}</text>"
            f"<text x='{x:.1f}' y='{frame.top + frame.ph + 28}' text-anchor='middle' "
            f"font-weight='bold'>{escape(label[:40])}</text>"
        )
    for i, row in enumerate(levels):
        style = f"style='stroke:{colour(i)}' stroke-dasharray='{DASHES[i % len(DASHES)]}'"
        run: list[str] = []
        dots = []
        for j, level in enumerate(row + [None]):
            if level is None:
                if len(run) > 1:
                    out.append(
                        f"<polyline class='mmds-version-line' points='{' '.join(run)}' "
                        f"fill='none' stroke-width='2' {style}/>"
                    )
                run = []
                continue
            x = float(frame.px(np.array([j]))[0])
            y = float(frame.py(np.array([level]))[0])
            run.append(f"{x:.1f},{y:.1f}")
            dots.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3'/>")
        out.append(f"<g style='fill:{colour(i)}'>{''.join(dots)}</g>")
    out += _legend(names, frame)
    out.append("</svg>")
    return "".join(out)


def bar_chart(
    title: str,
    labels: list[str],
    values: list[float | None],
    *,
    best: float | None = None,
    unit: str = "",
) -> str:
    """One horizontal bar per label, its value written beside it; the ``best`` value green."""
    label_w, bar_w, row_h = 170, 240, 24
    numbers = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    low, high = min([0.0, *numbers]), max([0.0, *numbers])
    span = (high - low) or 1.0
    height = 28 + row_h * len(labels)
    suffix = f" {unit}" if unit else ""
    out = [
        f"<svg class='mmds-chart mmds-bars' xmlns='http://www.w3.org/2000/svg' "
        f"width='{label_w + bar_w + 80}' height='{height}' "
        f"viewBox='0 0 {label_w + bar_w + 80} {height}' font-family='sans-serif' "
        "font-size='12' fill='currentColor' role='img'>",
        f"<title>{escape(title)}</title>",
        f"<text x='0' y='15' font-weight='bold'>{escape(title)}</text>",
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 24 + i * row_h
        out.append(f"<text x='0' y='{y + 14}'>{escape(label[:28])}</text>")
        if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
            out.append(f"<text x='{label_w}' y='{y + 14}'>— not recorded</text>")
            continue
        # Bars grow from zero, so a negative value (a permutation importance below chance,
        # say) points left of it.
        zero = label_w + (0.0 - low) / span * bar_w
        end = label_w + (value - low) / span * bar_w
        x, w = min(zero, end), max(1.0, abs(end - zero))
        fill = BEST_FILL if value == best else BAR_FILL
        kind = "mmds-bar mmds-bar-best" if value == best else "mmds-bar"
        out.append(
            f"<rect class='{kind}' x='{x:.1f}' y='{y + 3}' width='{w:.1f}' height='{row_h - 8}' "
            f"style='fill:{fill}'><title>{escape(label)}: {fmt(value)}{suffix}</title></rect>"
        )
        out.append(f"<text x='{max(zero, end) + 4:.1f}' y='{y + 14}'>{fmt(value)}{suffix}</text>")
    out.append("</svg>")
    return "".join(out)


# -- monitoring: metrics over windows, drift per feature and window, distributions ---------------

# Theme colours, translucent over the page, so the cells' text (the page's own colour) reads in
# light and dark alike.
LEVEL_FILL = {
    "ok": "color-mix(in srgb, var(--jp-success-color1,#2e7d32) 40%, transparent)",
    "warning": "color-mix(in srgb, var(--jp-warn-color1,#e65100) 40%, transparent)",
    "alert": "color-mix(in srgb, var(--jp-error-color1,#c62828) 40%, transparent)",
    None: "color-mix(in srgb, var(--jp-layout-color3,#9e9e9e) 40%, transparent)",
}
LEVEL_WORDS = {"ok": "ok", "warning": "warning", "alert": "alert", None: "not enough data"}


def window_tick(name: str) -> str:
    """A window's short name for an axis: a week (2026-01-05/2026-01-11) by its first day
    without the year (01-05), a day likewise, a month (2026-01) as it is."""
    first = name.split("/")[0]
    if len(first) == 10 and first[4] == "-" and first[7] == "-":
        return first[5:]
    return first[:10]


def window_chart(
    title: str,
    windows: list[str],
    series: list[tuple[str, list[float | None]]],
    y_label: str,
    *,
    x_label: str = "window",
    lines: Sequence[tuple[str, float, str]] = (),
    width: int = 420,
    height: int = 250,
) -> str:
    """Values per window (one line per series, a point on each window) with labelled
    horizontal lines such as the reference and the warning and alert thresholds (``level`` is
    ``reference``, ``warning`` or ``alert``); the windows' names are the x ticks."""
    n = len(windows)
    ys = [np.array([np.nan if v is None else v for v in s[1]], dtype="float64") for s in series]
    fixed = np.array([v for _, v, _ in lines], dtype="float64")
    frame = _Frame((-0.5, max(n - 0.5, 0.5)), _range([*ys, fixed], 0.08), width, height)
    frame.left = 62
    frame.pw = width - frame.left - frame.right
    legend = LEGEND_ROW * len(series) + 4 if len(series) > 1 else 0
    every = max(1, math.ceil(n / 8))
    ticks = [(float(i), window_tick(name)) for i, name in enumerate(windows) if i % every == 0]
    out = _open("mmds-windows", title, width, height + legend) + frame.axes(x_label, y_label, ticks)
    styles = {"reference": (FAINT, "2 3"), "warning": (SERIES[1], "6 3"), "alert": (SERIES[3], "")}
    # labels at the left, middle and right, so that lines close together stay readable
    anchors = [("start", frame.left + 2), ("middle", frame.left + frame.pw / 2),
               ("end", frame.left + frame.pw - 2)]  # fmt: skip
    for k, (name, value, level) in enumerate(lines):
        if not math.isfinite(value):
            continue
        y = float(frame.py(np.array([value]))[0])
        stroke, dash = styles.get(level, (FAINT, "2 3"))
        out.append(
            f"<line class='mmds-line-{escape(level)}' x1='{frame.left}' y1='{y:.1f}' "
            f"x2='{frame.left + frame.pw}' y2='{y:.1f}' style='stroke:{stroke}' "
            f"stroke-width='1.2' stroke-dasharray='{dash}'><title>{escape(name)}: "
            f"{fmt(value)}</title></line><text x='{anchors[k % 3][1]:.1f}' y='{y - 3:.1f}' "
            f"text-anchor='{anchors[k % 3][0]}' font-size='10'>{escape(name)}</text>"
        )
    for i, vals in enumerate(ys):
        xs = np.arange(n, dtype="float64")
        keep = np.isfinite(vals)
        px, py = frame.px(xs[keep]), frame.py(vals[keep])
        if px.size > 1:
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
            out.append(
                f"<polyline points='{points}' fill='none' stroke-width='1.8' "
                f"style='stroke:{colour(i)}' stroke-dasharray='{DASHES[i % len(DASHES)]}'/>"
            )
        for j, a, b in zip(np.flatnonzero(keep), px, py, strict=True):
            out.append(
                f"<circle cx='{a:.1f}' cy='{b:.1f}' r='2.5' style='fill:{colour(i)}'>"
                f"<title>{escape(series[i][0])}, {escape(windows[j])}: {fmt(vals[j])}</title>"
                "</circle>"
            )
    out += _legend([s[0] for s in series], frame)
    out.append("</svg>")
    return "".join(out)


def heat_map(
    title: str,
    rows: list[str],
    columns: list[str],
    values: list[list[float | None]],
    levels: list[list[str | None]],
) -> str:
    """A table of coloured cells, one row per feature and one column per window, each cell
    its value and coloured by its verdict (ok, warning, alert, not enough data), with a legend
    of the colours; the colour is never the only signal (the value is written in the cell)."""
    label_w, cell_w, cell_h, top = 150, 58, 20, 40
    shown = columns[-12:]  # the latest windows fit a panel's width
    skip = len(columns) - len(shown)
    width = label_w + cell_w * max(len(shown), 1) + 8
    height = top + cell_h * len(rows) + 34
    out = _open("mmds-heat", title, width, height)
    for j, name in enumerate(shown):
        x = label_w + j * cell_w + cell_w / 2
        out.append(
            f"<text x='{x:.1f}' y='{top - 6}' text-anchor='middle'>"
            f"{escape(window_tick(name))}</text>"
        )
    for i, name in enumerate(rows):
        y = top + i * cell_h
        out.append(f"<text x='0' y='{y + 14}'>{escape(name[:24])}</text>")
        for j in range(len(shown)):
            value, level = values[i][skip + j], levels[i][skip + j]
            x = label_w + j * cell_w
            text = "—" if value is None else fmt(value)
            out.append(
                f"<rect x='{x + 1}' y='{y + 1}' width='{cell_w - 2}' height='{cell_h - 2}' "
                f"style='fill:{LEVEL_FILL.get(level, LEVEL_FILL[None])}'><title>"
                f"{escape(name)}, {escape(shown[j])}: {text} ({LEVEL_WORDS.get(level, level)})"
                f"</title></rect><text x='{x + cell_w / 2:.1f}' y='{y + 14}' "
                f"text-anchor='middle'>{text}</text>"
            )
    y = top + cell_h * len(rows) + 14
    x = 0
    for level in ("ok", "warning", "alert", None):
        out.append(
            f"<rect x='{x}' y='{y - 9}' width='10' height='10' style='fill:{LEVEL_FILL[level]}'/>"
            f"<text x='{x + 14}' y='{y}'>{LEVEL_WORDS[level]}</text>"
        )
        x += 20 + 7 * len(LEVEL_WORDS[level])
    if skip:
        out.append(
            f"<text x='0' y='{y + 16}'>the latest {len(shown)} of {len(columns)} windows</text>"
        )
    out.append("</svg>")
    return "".join(out)


def paired_bars(
    title: str, labels: list[str], series: list[tuple[str, list[float]]], unit: str = "%"
) -> str:
    """For each label (a bin), one horizontal bar per series side by side (e.g. the baseline's
    share of rows and this window's), each with its value, and a legend."""
    label_w, bar_w, bar_h = 130, 220, 8
    group_h = bar_h * len(series) + 6
    top = 24
    values = [v for _, vs in series for v in vs if math.isfinite(v)]
    high = max(values or [1.0]) or 1.0
    height = top + group_h * len(labels) + LEGEND_ROW * len(series) + 8
    out = _open("mmds-paired", title, label_w + bar_w + 60, height)
    for i, label in enumerate(labels):
        y0 = top + i * group_h
        out.append(f"<text x='0' y='{y0 + group_h / 2 + 3:.1f}'>{escape(label[:22])}</text>")
        for k, (name, vs) in enumerate(series):
            v = vs[i]
            w = max(0.5, v / high * bar_w) if math.isfinite(v) else 0.0
            y = y0 + k * bar_h
            out.append(
                f"<rect x='{label_w}' y='{y}' width='{w:.1f}' height='{bar_h - 1}' "
                f"style='fill:{colour(k)}'><title>{escape(name)}, {escape(label)}: "
                f"{v:.1f}{unit}</title></rect>"
                f"<text x='{label_w + w + 3:.1f}' y='{y + bar_h - 1}' font-size='9'>"
                f"{v:.1f}{unit}</text>"
            )
    y = top + group_h * len(labels) + 4
    for k, (name, _) in enumerate(series):
        y += LEGEND_ROW
        out.append(
            f"<rect x='0' y='{y - 9}' width='14' height='8' style='fill:{colour(k)}'/>"
            f"<text x='20' y='{y}'>{escape(name[:60])}</text>"
        )
    out.append("</svg>")
    return "".join(out)
