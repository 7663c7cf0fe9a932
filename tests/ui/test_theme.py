"""The panel, its views and the notebook outputs are readable in JupyterLab Light and Dark.

For the main texts, the test reads the computed text colour and the background actually under it
(translucent highlights composed over the first opaque ancestor) and asks for WCAG AA contrast.
"""

from __future__ import annotations

from typing import Any

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import SCREENSHOTS, Lab
from .test_panel import open_panel

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
AA = 4.5

# For every visible element that matches the selector: its text, the contrast of its text colour
# (``fill`` for SVG text) against the background under it, and both colours.
CONTRAST_JS = """
(selector) => {
  const parse = (s) => {
    let m = s.match(/^rgba?\\(([^)]*)\\)/);
    if (m) {
      const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    m = s.match(/^color\\(srgb ([^)]*)\\)/);
    if (m) {
      const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    if (s === 'transparent' || s === 'none' || s === '') return [0, 0, 0, 0];
    throw new Error('unparsed colour ' + s);
  };
  const over = (top, below) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.getClientRects().length || !el.textContent.trim()) continue;
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (const layer of layers.reverse()) bg = over(layer, bg);
    const style = getComputedStyle(el);
    const fg = over(parse(el instanceof SVGElement ? style.fill : style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    out.push({
      text: el.textContent.trim().slice(0, 40),
      ratio: (hi + 0.05) / (lo + 0.05),
      fg: fg.slice(0, 3).map(Math.round).join(','),
      bg: bg.slice(0, 3).map(Math.round).join(',')
    });
    if (out.length >= 8) break;
  }
  return out;
}
"""


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def set_theme(page: Any, theme: str) -> None:
    """Settings > Theme > ``theme``, as a person switches it."""
    if page.evaluate("() => document.body.dataset.jpThemeName") == theme:
        return
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    page.locator(".lm-Menu-itemLabel", has_text=theme).first.click()
    page.wait_for_function(
        "(t) => document.body.dataset.jpThemeName === t && !document.querySelector('.lm-Menu')",
        arg=theme,
        timeout=30_000,
    )
    page.wait_for_timeout(500)  # the theme's stylesheet applies on the next frame


def check(page: Any, where: str, selectors: list[str], bad: list[str]) -> None:
    """Every selector matches visible text, and all of it has AA contrast."""
    for selector in selectors:
        found = page.evaluate(CONTRAST_JS, selector)
        if not found:
            bad.append(f"{where}: nothing visible matches {selector}")
        for item in found:
            if item["ratio"] < AA:
                bad.append(
                    f"{where}: {selector} {item['text']!r} contrast {item['ratio']:.2f} "
                    f"(text {item['fg']} on {item['bg']})"
                )


def write_notebook(lab: Lab) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import mmds_jupyter as mmds\n"
            "from mmds_jupyter.widgets import compare_widget\n"
            "compare_widget(mmds.compare('risk/churn:1', 'risk/churn:2'))"
        ),
        nbformat.v4.new_code_cell("%load_ext mmds_jupyter\n%mmds show risk/churn:2"),
        nbformat.v4.new_code_cell(
            "from mmds_jupyter.widgets import lineage_widget\n"
            "lineage_widget(mmds.lineage('risk/churn:2'))"
        ),
    ]
    nbformat.write(nb, lab.root / "themes.ipynb")
    return "themes.ipynb"


def test_panel_views_and_notebook_outputs_are_readable_in_light_and_dark(
    page: Any, lab: Lab
) -> None:
    name = write_notebook(lab)
    bad: list[str] = []
    try:
        for label, theme in THEMES.items():
            set_theme(page, theme)
            assert (
                page.evaluate("() => document.body.dataset.jpThemeLight")
                == str(label == "light").lower()
            )

            # A notebook with the compare widget and `%mmds show`, run in a live kernel.
            nb_tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=name)
            if nb_tab.count() == 0:
                page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}")
                page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
                select = page.locator(".jp-Dialog button", has_text="Select")
                try:
                    select.wait_for(timeout=10_000)
                    select.click()
                except PlaywrightTimeout:
                    pass  # the kernel started without asking
                # The indicator may sit in a toolbar too narrow to show it: idle is what counts.
                page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
                    state="attached", timeout=60_000
                )
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
                page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            else:
                nb_tab.first.click()
            nb = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
            nb.locator(".widget-vbox svg.mmds-bars").wait_for(timeout=90_000)
            nb.locator(".mmds-version .mmds-table").first.wait_for(timeout=60_000)
            shot(page, f"04-notebook-{label}")
            nb.locator(".mmds-version h4").scroll_into_view_if_needed()
            shot(page, f"05-mmds-show-{label}")
            nb.locator(".widget-vbox svg.mmds-lineage").wait_for(timeout=60_000)
            nb.locator(".widget-vbox svg.mmds-lineage").scroll_into_view_if_needed()
            shot(page, f"06-lineage-widget-{label}")
            check(
                page,
                f"notebook ({label})",
                [
                    ".jp-Notebook .mmds-compare th",
                    ".jp-Notebook .mmds-compare tr.mmds-diff td",
                    ".jp-Notebook .mmds-compare td.mmds-best",
                    ".jp-Notebook .mmds-compare summary",
                    ".jp-Notebook svg.mmds-bars text",
                    ".jp-Notebook .mmds-version h4",
                    ".jp-Notebook .mmds-version th",
                    ".jp-Notebook .mmds-version td",
                    # The node texts sit on tints of the theme's background; an ancestor is the
                    # background they are measured against, as close as the tint is to it.
                    ".jp-Notebook svg.mmds-lineage text",
                    ".jp-Notebook .widget-html .mmds-table th",
                ],
                bad,
            )

            # The panel, with its stage chips.
            panel = open_panel(page)
            shot(page, f"01-panel-{label}")
            check(
                page,
                f"panel ({label})",
                [
                    "#mmds-panel .mmds-header h2",
                    "#mmds-panel .mmds-ref",
                    "#mmds-panel .mmds-stage",
                    "#mmds-panel .mmds-result-meta",
                ],
                bad,
            )

            # A version page with its lineage graph.
            panel.locator(".mmds-result[data-ref='risk/churn:2'] .mmds-ref").click()
            view = page.locator(".mmds-view:visible").last
            view.locator("svg.mmds-lineage").wait_for(timeout=30_000)
            shot(page, f"02-version-{label}")
            check(
                page,
                f"version page ({label})",
                [
                    ".mmds-view .mmds-section h3",
                    ".mmds-view .mmds-kv th",
                    ".mmds-view .mmds-kv td",
                    ".mmds-view svg.mmds-lineage .mmds-node-label",
                ],
                bad,
            )

            # A compare view of two versions.
            for ref in ("risk/churn:1", "risk/churn:2"):
                panel.locator(f".mmds-result[data-ref='{ref}'] input.mmds-check").check()
            panel.locator("button.mmds-compare").click()
            table = page.locator(".mmds-compare-table:visible")
            table.wait_for(timeout=30_000)
            assert table.locator("tr.mmds-diff").count() > 0
            shot(page, f"03-compare-{label}")
            check(
                page,
                f"compare view ({label})",
                [
                    ".mmds-view .mmds-compare-table th",
                    ".mmds-view .mmds-compare-table tr.mmds-diff td",
                    ".mmds-view .mmds-compare-table td.mmds-best",
                    ".mmds-view svg.mmds-bars text",
                ],
                bad,
            )
            # The extension served is the theme-true one (not an older build elsewhere on the
            # path): its compare highlight is a brand colour mixed into transparency.
            served = page.evaluate(
                "() => [...document.styleSheets].flatMap(s => [...s.cssRules])"
                ".map(r => r.cssText).find(t => t.startsWith("
                "'.mmds-compare-table tr.mmds-diff td')) || ''"
            )
            if "color-mix" not in served:
                bad.append(f"the served panel CSS is not the theme-true one: {served}")
            panel.locator("button.mmds-clear").click()
    finally:
        # The theme is a user setting: leave the session's other tests in the light theme.
        set_theme(page, THEMES["light"])
    assert not bad, "\n".join(bad)
