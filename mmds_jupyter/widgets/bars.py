"""A horizontal bar chart as inline SVG (escaped text, no scripts)."""

from __future__ import annotations

import math
from html import escape

from ..render import LOWER_IS_BETTER, fmt

# Theme colours with light fallbacks for HTML read outside JupyterLab; the text is drawn in
# the surrounding text colour (``currentColor``), so it follows the theme too.
BAR_FILL = "var(--jp-brand-color2,#8fb3e0)"
BEST_FILL = "var(--jp-success-color1,#2e8b57)"


def bar_chart_svg(metric: str, labels: list[str], values: list[float | None]) -> str:
    """One bar per version; the best value (by the metric's direction) is drawn green."""
    label_w, bar_w, row_h = 170, 240, 24
    numbers = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    low, high = min([0.0, *numbers]), max([0.0, *numbers])
    span = (high - low) or 1.0
    best = None
    if numbers:
        best = min(numbers) if metric.rsplit(" ", 1)[-1] in LOWER_IS_BETTER else max(numbers)
    height = 28 + row_h * len(labels)
    out = [
        f"<svg class='mmds-bars' xmlns='http://www.w3.org/2000/svg' width='{label_w + bar_w + 80}' "
        f"height='{height}' font-family='sans-serif' font-size='12' fill='currentColor' "
        "role='img'>",
        f"<title>{escape(metric)} by version</title>",
        f"<text x='0' y='15' font-weight='bold'>{escape(metric)}</text>",
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 24 + i * row_h
        out.append(f"<text x='0' y='{y + 14}'>{escape(label[:28])}</text>")
        if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
            out.append(f"<text x='{label_w}' y='{y + 14}'>— not recorded</text>")
            continue
        w = max(1.0, (value - low) / span * bar_w)
        fill = BEST_FILL if value == best else BAR_FILL
        out.append(
            f"<rect x='{label_w}' y='{y + 3}' width='{w:.1f}' height='{row_h - 8}' "
            f"style='fill:{fill}'><title>{escape(label)}: {fmt(value)}</title></rect>"
        )
        out.append(f"<text x='{label_w + w + 4:.1f}' y='{y + 14}'>{fmt(value)}</text>")
    out.append("</svg>")
    return "".join(out)
