"""The panel as a workspace: pick versions, compare them, find the tab again after a reload,
drive it from the command palette, set it up in the settings; in JupyterLab Light and Dark.

Runs after test_panel.py (which counts the fixture's versions): it tracks one more model.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import pytest

from .conftest import SCREENSHOTS, Lab
from .test_panel import open_panel
from .test_theme import THEMES, set_theme

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PAIR = ["risk/churn:1", "risk/churn:2"]
SETTINGS = "/lab/api/settings/mmds-jupyter:plugin"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def api_json(lab: Lab, path: str, body: dict[str, Any] | None = None) -> Any:
    """GET (or PUT ``body``) a JupyterLab API path with the test token."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"{lab.url}{path}",
        data=data,
        method="PUT" if body is not None else "GET",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read()
    return json.loads(text) if text else None


def compare_api(lab: Lab, refs: list[str]) -> dict[str, Any]:
    query = urllib.parse.urlencode([("refs", r) for r in refs])
    return dict(json.loads(lab.api(f"/mmds/api/compare?{query}")))


def tick(panel: Any, refs: list[str]) -> None:
    for ref in refs:
        panel.locator(f".mmds-result[data-ref='{ref}'] input.mmds-check").check()


def tabs(page: Any, title: str) -> Any:
    return page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=title)


def compare_view(page: Any) -> Any:
    view = page.locator(".mmds-compare-view:visible")
    view.locator(".mmds-compare-table").wait_for(timeout=30_000)
    return view


@pytest.fixture
def unscored(lab: Lab) -> str:
    """A version without metrics, for charts that must say which version lacks one."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from mmds_jupyter.registry import Registry

    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="maya")
    try:
        found = reg.find(project="misc")
        if len(found):
            return str(found["ref"].iloc[0])
        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        X = X.iloc[:, :6].copy()
        X.columns = [c.replace(" ", "_") for c in X.columns]
        v = reg.track(LogisticRegression(max_iter=2000).fit(X, y), name="bare", project="misc")
        return v.ref
    finally:
        reg.close()


def test_compare_the_top_two_and_find_the_tab_again(page: Any, lab: Lab, unscored: str) -> None:
    # A short window: the form and the list overflow, the selection bar stays in sight.
    page.set_viewport_size({"width": 1200, "height": 560})
    panel = open_panel(page)
    bar = panel.locator(".mmds-selection")
    assert "Tick two or more" in bar.inner_text()
    assert panel.locator("button.mmds-compare").is_disabled()
    tick(panel, PAIR)
    assert bar.inner_text().split("\n")[0].strip() == "2 selected"
    panel.evaluate("p => { p.scrollTop = 0; }")
    box = bar.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 560
    shot(page, "20-selection-bar")

    bar.locator("button.mmds-compare").click()
    view = compare_view(page)
    # The tab names the versions.
    assert tabs(page, "churn:1 vs churn:2").count() == 1
    truth = compare_api(lab, PAIR)
    # Only rows that differ, by default; metrics first; no row of two dashes.
    rows = view.locator(".mmds-compare-table tr[data-key]")
    assert rows.count() > 0 and view.locator("tr.mmds-same").count() == 0
    sections = view.locator("tr.mmds-section-row").all()
    assert sections[0].get_attribute("data-section") == "metrics"
    for tr in rows.all():
        cells = [c.inner_text() for c in tr.locator("td").all()][1:3]
        assert cells != ["—", "—"], tr.inner_text()
    # The delta column, against the first version, agrees with the REST answer.
    roc = next(r for r in truth["rows"] if r["key"] == "roc_auc")
    head = view.locator(".mmds-compare-table th.mmds-delta")
    assert head.inner_text() == "Δ vs risk/churn:1"
    delta = view.locator("tr[data-key='roc_auc'] td.mmds-delta").inner_text()
    assert float(delta) == pytest.approx(roc["deltas"][1], rel=1e-3)
    # Parameters every version leaves at its default are folded, and unfold on a click.
    defaults = [r["key"] for r in truth["rows"] if r["section"] == "default params"]
    assert "tol" in defaults
    fold = view.locator("button.mmds-fold[data-section='default params']")
    assert fold.get_attribute("aria-expanded") == "false"
    assert view.locator("tr[data-key='tol']").count() == 0
    assert view.locator("tr[data-key='n_estimators']").count() == 1
    fold.click()
    view.locator("tr[data-key='tol']").wait_for()
    shot(page, "21-compare-differing-rows")
    # Every row again, when asked.
    view.locator("input.mmds-only-diff").uncheck()
    assert view.locator("tr.mmds-same").count() > 0

    # Compare again: the same tab comes forward, no duplicate.
    panel.locator("button.mmds-compare").click()
    page.wait_for_timeout(300)
    assert tabs(page, "churn:1 vs churn:2").count() == 1

    # A chart keeps the versions that have the metric and names the one that does not.
    panel.locator("button.mmds-unselect").click()
    assert panel.locator("input.mmds-check:checked").count() == 0
    assert "Tick two or more" in bar.inner_text()
    panel.locator("button.mmds-clear").click()  # the search form: show every project
    panel.locator(f".mmds-result[data-ref='{unscored}']").wait_for(timeout=30_000)
    tick(panel, ["risk/churn:2", unscored])
    bar.locator("button.mmds-compare").click()
    title = f"risk/churn:2 vs {unscored}"
    tabs(page, title).wait_for(timeout=30_000)
    view = compare_view(page)
    chart = view.locator("figure.mmds-chart[data-metric='roc_auc']")
    assert f"no roc_auc for {unscored}" in chart.inner_text()
    assert chart.locator("rect.mmds-bar").count() == 1
    assert compare_api(lab, ["risk/churn:2", unscored])["charts"][0]["missing"] == [unscored]
    shot(page, "22-compare-missing-metric")

    # Room in the tab bar for every tab (a crowded bar hides the last ones).
    page.set_viewport_size({"width": 1800, "height": 900})

    # The comparisons survive a reload: JupyterLab's workspace records them and its main-area
    # layout (both read through its API), and the restorer opens them again. JupyterLab saves
    # the workspace with a PUT per change, and two PUTs in flight can land out of order (an
    # older layout last): so the test reads the saved workspace only when no request is in
    # flight, and moves between the tabs (a layout change, saved again) until it holds both.
    def saved_both() -> bool:
        data = api_json(lab, "/lab/api/workspaces/default")["data"]
        keys = [k for k in data if k.startswith("mmds-compare:")]
        layout = json.dumps(data.get("layout-restorer:data") or {})
        return len(keys) == 2 and all(json.dumps(k)[1:-1] in layout for k in keys)

    for _ in range(20):
        page.wait_for_timeout(1000)
        page.wait_for_load_state("networkidle")
        if saved_both():
            break
        tabs(page, "churn:1 vs churn:2").click()
        tabs(page, title).click()
    else:
        pytest.fail("JupyterLab never saved both comparisons in its workspace")
    page.reload()
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    tabs(page, "churn:1 vs churn:2").wait_for(timeout=60_000)
    tabs(page, "churn:1 vs churn:2").click()
    view = compare_view(page)
    assert view.locator("tr[data-key='roc_auc']").count() == 1
    assert tabs(page, "churn:1 vs churn:2").count() == 1
    tabs(page, title).wait_for(timeout=60_000)
    shot(page, "23-compare-after-reload")


def test_three_versions_compare_on_every_metric_at_once(page: Any, lab: Lab) -> None:
    refs = [*PAIR, "risk/odd:1"]
    truth = compare_api(lab, refs)
    assert truth["overview"]
    panel = open_panel(page)
    panel.locator("button.mmds-clear").click()
    panel.locator(".mmds-result[data-ref='risk/odd:1']").wait_for(timeout=30_000)
    tick(panel, refs)
    panel.locator(".mmds-selection button.mmds-compare").click()
    view = compare_view(page)
    chart = view.locator("figure.mmds-overview svg")
    # a line per version, an axis per overall metric, as the REST answer draws it
    assert chart.locator("polyline").count() == 3
    metrics = sorted({c["metric"] for c in truth["charts"]})
    bold = chart.locator("text[font-weight='bold']").all_text_contents()  # the title, then axes
    axis_names = [t.split(" (")[0] for t in bold[1:]]
    assert axis_names == metrics
    for theme, name in THEMES.items():
        set_theme(page, name)
        chart.scroll_into_view_if_needed()
        shot(page, f"24-compare-three-{theme}")
    set_theme(page, THEMES["light"])


def test_palette_entries_drive_the_panel(page: Any, lab: Lab) -> None:
    panel = open_panel(page)
    tick(panel, PAIR)

    def palette(text: str) -> None:
        page.keyboard.press("Control+Shift+C")
        search = page.locator(".lm-CommandPalette-input")
        search.wait_for()
        search.fill(text)
        page.locator(".lm-CommandPalette-item", has_text=text).first.wait_for()
        page.keyboard.press("Enter")

    palette("Compare the 2 selected versions")
    view = compare_view(page)
    assert tabs(page, "churn:1 vs churn:2").count() == 1
    # The magic line of the same comparison, copied for a notebook.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    view.locator("button.mmds-copy-compare").click()
    line = f"%mmds compare {' '.join(PAIR)}"
    view.locator(".mmds-status", has_text=f"Copied: {line}").wait_for(timeout=10_000)
    assert page.evaluate("() => navigator.clipboard.readText()") == line
    palette("Refresh the model registry")
    panel.locator(".mmds-result").first.wait_for()
    page.locator(".lm-TabBar-tab[data-id='filebrowser']").click()
    assert not panel.is_visible()
    palette("Show the model registry")
    panel.wait_for(state="visible")
    panel.locator("button.mmds-unselect").click()
    # "New job" opens the Jobs tab and the new job's form; Cancel leaves no job behind.
    jobs_before = json.loads(lab.api("/mmds/api/jobs"))["items"]
    palette("New job: schedule a notebook")
    form = page.locator(".jp-Dialog .mmds-job-form")
    form.wait_for(timeout=30_000)
    assert panel.locator(".mmds-tab[data-tab='jobs']").get_attribute("aria-selected") == "true"
    page.locator(".jp-Dialog button", has_text="Cancel").click()
    form.wait_for(state="detached")
    assert json.loads(lab.api("/mmds/api/jobs"))["items"] == jobs_before
    panel.locator(".mmds-tab[data-tab='models']").click()


def test_settings_choose_headline_page_size_and_polling(page: Any, lab: Lab) -> None:
    panel = open_panel(page)
    try:
        api_json(
            lab,
            SETTINGS,
            {
                "raw": json.dumps(
                    {
                        "headlineMetric": "f1",
                        "pageSize": 5,
                        "refreshInterval": 1,
                        "defaultProject": "risk",
                    }
                )
            },
        )
        stored = api_json(lab, SETTINGS)
        assert stored["settings"]["headlineMetric"] == "f1"
        page.reload()
        panel = open_panel(page)
        # The panel opens on the default project (other tests add projects of their own).
        assert panel.locator("select.mmds-project").input_value() == "risk"
        row = panel.locator(".mmds-result[data-ref='risk/churn:2'] .mmds-result-meta")
        assert " f1 " in row.inner_text()
        requests: list[str] = []
        page.on(
            "request", lambda r: requests.append(r.url) if "/mmds/api/versions" in r.url else None
        )
        panel.locator("button.mmds-search").click()
        panel.locator(".mmds-result").first.wait_for()
        assert any("limit=5" in u for u in requests), requests

        # Polling follows the refresh interval while the panel shows, and stands by when not.
        with page.expect_request(lambda r: r.url.split("?")[0].endswith("/mmds/api/changes")):
            pass
        page.locator(".lm-TabBar-tab[data-id='filebrowser']").click()
        page.wait_for_timeout(1500)  # a poll already under way may still land
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url) if "/mmds/api/changes" in r.url else None)
        page.wait_for_timeout(4000)
        assert seen == [], "the panel kept polling while hidden"
        page.locator(".lm-TabBar-tab[data-id='mmds-panel']").click()
        with page.expect_request(lambda r: "/mmds/api/changes" in r.url, timeout=10_000):
            pass
    finally:
        api_json(lab, SETTINGS, {"raw": "{}"})


def test_compare_screenshots_in_light_and_dark(page: Any, lab: Lab) -> None:
    try:
        for label, theme in THEMES.items():
            set_theme(page, theme)
            panel = open_panel(page)
            tick(panel, PAIR)
            panel.locator(".mmds-selection button.mmds-compare").click()
            view = compare_view(page)
            view.locator("svg.mmds-bars").first.wait_for()
            shot(page, f"24-compare-{label}")
            panel.locator("button.mmds-unselect").click()
    finally:
        set_theme(page, THEMES["light"])


def test_notebook_comparison_is_compact(browser: Any, lab: Lab) -> None:
    """The notebook's (and ``--html`` report's) comparison of two versions fits about a screen:
    one table, folded sections, no section column (it was 4,135 px tall)."""
    from mmds_jupyter.registry import Registry

    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="maya")
    try:
        html = reg.compare(*PAIR).to_html()
    finally:
        reg.close()
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        pg = context.new_page()
        pg.set_content(html)
        height = pg.evaluate("() => document.body.scrollHeight")
        assert height < 1100, height
        assert pg.locator("details.mmds-section").count() >= 4
        assert (
            pg.locator("details.mmds-section[open]").count()
            < pg.locator("details.mmds-section").count()
        )
        pg.screenshot(path=str(SCREENSHOTS / "25-notebook-compare-html.png"), full_page=True)
        # Unfolding the defaults shows them.
        pg.locator("summary", has_text="default params").click()
        assert pg.locator("details.mmds-section[open] td", has_text="min_samples_leaf").count() == 1
    finally:
        context.close()
