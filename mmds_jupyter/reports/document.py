"""A generated report: titled sections of HTML, one self-contained page, and its PDF.

The HTML holds everything (styles, inline SVG charts): it opens with no network and prints one
section after another, a chart never split across pages. The PDF is that same HTML laid out by
WeasyPrint, with the theme variables resolved to their light fallbacks (paper is white).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from ..render import STYLE

FORMATS = ("html", "pdf")

PAGE_STYLE = """
<style>
.mmds-report{font-family:var(--jp-ui-font-family,sans-serif);font-size:12px;
color:var(--jp-content-font-color1,#000);max-width:1100px}
.mmds-report h1{font-size:20px;margin:0 0 4px}
.mmds-report h2{font-size:16px;margin:18px 0 6px;
border-bottom:1px solid var(--jp-border-color2,#ddd);break-after:avoid}
.mmds-report h3{font-size:13px;margin:10px 0 4px;break-after:avoid}
.mmds-report .mmds-charts{display:flow-root}
.mmds-report .mmds-charts>*{float:left;margin:0 10px 10px 0;break-inside:avoid}
.mmds-report svg{break-inside:avoid;max-width:100%;height:auto}
.mmds-report table{break-inside:auto;margin:4px 0}
.mmds-report tr{break-inside:avoid}
.mmds-report .mmds-note{color:var(--jp-content-font-color2,#555);font-size:11px}
.mmds-report td.mmds-worst{font-weight:bold;
background:color-mix(in srgb,var(--jp-error-color1,#e53935) 22%,transparent)}
.mmds-report code{font-size:11px;overflow-wrap:anywhere}
@page{size:A4 landscape;margin:12mm}
@media print{.mmds-report{max-width:none}.mmds-report section+section{break-before:page}}
</style>
"""


@dataclass
class Report:
    """A comparison or validation report (``mmds.report``): its sections in order, what it was
    computed from and its fingerprint (the sha256 of that)."""

    kind: str
    refs: list[str]
    sections: list[tuple[str, str]]
    fingerprint: str
    inputs: dict[str, Any] = field(default_factory=dict)
    generated_at: str = ""
    warnings: list[str] = field(default_factory=list)
    stored_sha256: str | None = None

    @property
    def title(self) -> str:
        what = "Comparison" if self.kind == "comparison" else "Validation"
        return f"{what} report: {', '.join(self.refs)}"

    def section_titles(self) -> list[str]:
        return [t for t, _ in self.sections]

    def body_html(self) -> str:
        parts = [
            "<div class='mmds-report'>",
            f"<h1>{escape(self.title)}</h1>",
            f"<p class='mmds-note'>Generated {escape(self.generated_at)} · fingerprint "
            f"<code>{self.fingerprint[:16]}</code></p>",
        ]
        for title, html in self.sections:
            parts.append(f"<section><h2>{escape(title)}</h2>{html}</section>")
        parts.append("</div>")
        return "".join(parts)

    def to_html(self, path: str | None = None) -> str:
        """The report as one self-contained HTML document (written to ``path`` when given)."""
        doc = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{escape(self.title)}</title>{STYLE}{PAGE_STYLE}</head>"
            f"<body>{self.body_html()}</body></html>"
        )
        if path is not None:
            from ..files import atomic_write

            atomic_write(Path(path).expanduser(), doc.encode("utf-8"))
        return doc

    def to_pdf(self, path: str | None = None) -> bytes:
        """The report as PDF, laid out from the same HTML (needs WeasyPrint)."""
        data = html_to_pdf(self.to_html())
        if path is not None:
            from ..files import atomic_write

            atomic_write(Path(path).expanduser(), data)
        return data

    def render(self, fmt: str) -> bytes:
        if fmt not in FORMATS:
            raise InvalidInput(f"A report is written as html or pdf, not {fmt!r}.")
        return self.to_pdf() if fmt == "pdf" else self.to_html().encode("utf-8")

    def _repr_html_(self) -> str:
        return STYLE + PAGE_STYLE + self.body_html()

    def __repr__(self) -> str:
        return f"<{self.title} ({len(self.sections)} sections, {self.fingerprint[:12]})>"


class FetchedReport:
    """A report made by an MMDS server: its HTML, and its PDF asked for when wanted."""

    def __init__(self, html: str, pdf: Callable[[], bytes]) -> None:
        self._html, self._pdf = html, pdf

    def to_html(self, path: str | None = None) -> str:
        if path is not None:
            from ..files import atomic_write

            atomic_write(Path(path).expanduser(), self._html.encode("utf-8"))
        return self._html

    def to_pdf(self, path: str | None = None) -> bytes:
        data = self._pdf()
        if path is not None:
            from ..files import atomic_write

            atomic_write(Path(path).expanduser(), data)
        return data

    def _repr_html_(self) -> str:
        body = re.search(r"<body>(.*)</body>", self._html, re.S)
        return STYLE + PAGE_STYLE + (body.group(1) if body else self._html)


_VAR = re.compile(r"var\(--[\w-]+,\s*([^()]*(?:\([^()]*\))?[^()]*)\)")


def resolve_theme(html: str) -> str:
    """Theme variables replaced by their fallbacks (printing has no theme); ``color-mix`` over
    transparency, which print engines do not all know, becomes the plain colour, lighter."""
    previous = None
    while previous != html:
        previous, html = html, _VAR.sub(lambda m: m.group(1).strip(), html)
    html = re.sub(
        r"color-mix\(in srgb,\s*(#[0-9a-fA-F]{3,6})\s+\d+%,\s*transparent\)",
        lambda m: m.group(1) + "40" if len(m.group(1)) == 7 else m.group(1),
        html,
    )
    return html


def html_to_pdf(html: str) -> bytes:
    try:
        import weasyprint
    except ImportError:
        raise InvalidInput(
            "Writing PDF needs WeasyPrint: pip install 'mmds-jupyter[pdf]' (and the Pango "
            "libraries of your system), or write the report as HTML and print it."
        ) from None
    data: bytes = weasyprint.HTML(string=resolve_theme(html)).write_pdf()
    return data
