"""A person's walk through the MMDS panel in real JupyterLab, with screenshots."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import SCREENSHOTS, XSS, Lab, which_jupyter_execute

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_panel(page: Any) -> Any:
    tab = page.locator("li.lm-TabBar-tab[data-id='mmds-panel']")
    tab.wait_for(timeout=60_000)
    panel = page.locator("#mmds-panel")
    # JupyterLab may still be laying out the sidebar (a click then toggles it shut again):
    # click until the panel shows.
    for _ in range(5):
        if not panel.is_visible():
            tab.click()
        try:
            panel.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    panel.locator(".mmds-result").first.wait_for(timeout=30_000)
    return panel


def orders_offered(lab: Lab, metrics: list[str]) -> list[str]:
    """The metric orderings the panel should offer: headline metrics first, best first, counts
    (rows) as most first."""
    info = json.loads(lab.api("/mmds/api/"))
    lower, head = set(info["lower_is_better"]), info["headline_metrics"]
    counts = set(info["unranked"])
    ranked = [m for m in head if m in metrics] + [m for m in metrics if m not in head]
    return [
        f"Lowest {m}" if m in lower else f"Most {m}" if m in counts else f"Best {m}" for m in ranked
    ]


def test_browse_search_open_compare(page: Any, lab: Lab) -> None:
    panel = open_panel(page)
    rows = panel.locator(".mmds-result")
    assert rows.count() == 3
    # Newest first: the odd model, then churn 2 and churn 1.
    refs = [r.get_attribute("data-ref") for r in rows.all()]
    assert refs == ["risk/odd:1", "risk/churn:2", "risk/churn:1"]
    first = panel.locator(".mmds-result[data-ref='risk/churn:2']")
    assert "validation" in first.inner_text()
    assert "roc_auc" in first.inner_text()
    # The stage and order choices come from the server (GET /mmds/api/), not from TypeScript.
    from mmds_jupyter.entities import STAGES

    stages = panel.locator("select[aria-label='Stage'] option")
    assert [o.get_attribute("value") for o in stages.all()] == ["", *STAGES]
    order = panel.locator("select[aria-label='Order'] option")
    page.wait_for_function(
        "() => document.querySelectorAll('#mmds-panel select[aria-label=\"Order\"] option')"
        ".length > 3"
    )
    texts = [o.inner_text() for o in order.all()]
    assert {"Best roc_auc", "Best f1", "Lowest log_loss"} <= set(texts), texts
    shot(page, "01-panel")

    panel.locator("input[name='feature']").fill("mean_perimeter")
    panel.locator("input[name='where']").fill("roc_auc>0.5")
    panel.locator("button.mmds-search").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#mmds-panel .mmds-result').length === 2"
    )
    assert "1–2 of 2" in panel.locator(".mmds-page-label").inner_text()
    shot(page, "02-search-by-feature")

    bad = panel.locator("input[name='where']")
    bad.fill("roc_auc>>1")
    panel.locator("button.mmds-search").click()
    panel.locator(".mmds-error").filter(has_text="roc_auc>>1").wait_for()
    bad.fill("roc_auc>0.5")
    panel.locator("button.mmds-search").click()
    page.wait_for_function(
        "() => document.querySelector('#mmds-panel .mmds-error').textContent === ''"
    )

    # Part of a name, in any case, alone.
    panel.locator("input[name='feature']").fill("")
    panel.locator("input[name='where']").fill("")
    panel.locator("input[name='name_contains']").fill("ODD")
    panel.locator("button.mmds-search").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#mmds-panel .mmds-result')]"
        ".map(r => r.dataset.ref).join() === 'risk/odd:1'"
    )
    shot(page, "02b-search-by-name")
    panel.locator("input[name='name_contains']").fill("")
    panel.locator("button.mmds-search").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#mmds-panel .mmds-result').length === 3"
    )

    # Open a version: details, lineage graph; a click on the parent node opens it.
    panel.locator(".mmds-result[data-ref='risk/churn:2'] .mmds-ref").click()
    view = page.locator(".mmds-view:visible").last
    view.locator("svg.mmds-lineage").wait_for(timeout=30_000)
    text = view.inner_text()
    for expected in (
        "RandomForestClassifier",
        "n_estimators",
        "country=US",
        "trained_on",
        "Provenance",
        "scikit-learn",
        "version.stage",
    ):
        assert expected in text, expected
    # The metrics table: a line per slice with the rows it was measured on, then the headline
    # metrics in the server's order; the counts are the ones the API answers.
    table = view.locator("table.mmds-metrics")
    first = view.locator(".mmds-version-body > section").first
    assert (
        first.locator("h3").inner_text() == "Metrics"
        and first.locator("table.mmds-metrics").count()
    )
    head = [t.strip() for t in table.locator("th").all_inner_texts()]
    assert head[:4] == ["slice", "rows", "roc_auc", "accuracy"], head
    served = json.loads(lab.api("/mmds/api/versions/risk%2Fchurn%3A2"))["metrics"]
    rows_of = {m["slice"] or "overall": m["value"] for m in served if m["name"] == "rows"}
    assert len(rows_of) >= 3 and rows_of["overall"] == sum(rows_of.values()) - rows_of["overall"]
    for line in table.locator("tr").all()[1:]:
        cells = [c.strip() for c in line.locator("td").all_inner_texts()]
        assert int(cells[1]) == rows_of[cells[0]], cells
    # The markup in the description and tag is shown as text, not parsed.
    assert XSS in text
    assert view.locator("img").count() == 0
    nodes = view.locator("svg.mmds-lineage g.mmds-node")
    assert nodes.count() >= 3
    # The graph sits in its own pan-and-zoom box: shown whole when it fits (this one), else
    # centred on this version's node; "Centre" centres it.
    box = view.locator(".mmds-lineage-box")
    root = view.locator("svg.mmds-lineage g.mmds-node-root rect")

    def centre_offset() -> float:
        b, r = box.bounding_box(), root.bounding_box()
        assert b is not None and r is not None
        return (r["x"] + r["width"] / 2) - (b["x"] + b["width"] / 2)

    page.wait_for_function(
        "() => document.querySelector('.mmds-view:not(.lm-mod-hidden) .mmds-lineage-box')"
        "?.dataset.placed === 'true'"
    )
    b = box.bounding_box()
    for node in nodes.all():
        n = node.bounding_box()
        assert b["x"] <= n["x"] and n["x"] + n["width"] <= b["x"] + b["width"] + 1
    view.locator("button.mmds-zoom-centre").click()
    assert abs(centre_offset()) < 2
    width = root.bounding_box()["width"]
    view.locator("button.mmds-zoom-in").click()
    assert root.bounding_box()["width"] == pytest.approx(width * 1.25, rel=0.02)
    assert float(box.get_attribute("data-scale")) == pytest.approx(1.25, rel=0.01)
    # A drag moves the graph with the pointer; Centre brings the version back.
    b = box.bounding_box()
    page.mouse.move(b["x"] + 20, b["y"] + 20)
    page.mouse.down()
    page.mouse.move(b["x"] + 120, b["y"] + 30, steps=5)
    page.mouse.up()
    assert centre_offset() == pytest.approx(100, abs=3)
    view.locator("button.mmds-zoom-centre").click()
    assert abs(centre_offset()) < 2
    shot(page, "03-version-with-lineage")
    # Export PMML downloads the version's PMML file, as GET versions/REF/pmml answers it.
    with page.expect_download(timeout=60_000) as got:
        view.locator("button.mmds-export-pmml").click()
    pmml = Path(got.value.path()).read_bytes()
    assert got.value.suggested_filename.endswith(".pmml")
    # The header's export time is the only part allowed to differ between two exports.
    stamp = re.compile(rb"<Timestamp>[^<]*</Timestamp>")
    served = lab.api("/mmds/api/versions/risk%2Fchurn%3A2/pmml")
    assert stamp.sub(b"", pmml) == stamp.sub(b"", served)
    assert stamp.search(pmml)
    assert b"<PMML" in pmml
    view.locator("g.mmds-node[data-key^='version']").filter(has_text="risk/churn:1").click()
    page.locator(".lm-TabBar-tab.lm-mod-current").filter(has_text="risk/churn:1").wait_for()
    shot(page, "04-lineage-click-opened-parent")

    # Tick two versions and compare them.
    panel.locator("button.mmds-clear").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#mmds-panel .mmds-result').length === 3"
    )
    for ref in ("risk/churn:1", "risk/churn:2"):
        panel.locator(f".mmds-result[data-ref='{ref}'] input.mmds-check").check()
    compare = panel.locator("button.mmds-compare")
    assert panel.locator(".mmds-selection").inner_text().startswith("2 selected")
    compare.click()
    table = page.locator(".mmds-compare-table:visible")
    table.wait_for(timeout=30_000)
    assert table.locator("tr.mmds-diff").count() > 0
    assert table.locator("td.mmds-best").count() > 0
    charts = page.locator(".mmds-charts:visible svg.mmds-bars")
    assert charts.count() >= 3
    shot(page, "05-compare")


def test_markup_in_a_feature_name_stays_text(page: Any, lab: Lab) -> None:
    panel = open_panel(page)
    panel.locator(".mmds-result[data-ref='risk/odd:1'] .mmds-ref").click()
    view = page.locator(".mmds-view:visible").last
    view.locator(".mmds-section").first.wait_for(timeout=30_000)
    assert XSS in view.inner_text()
    assert page.locator("img[src='x']").count() == 0
    shot(page, "06-markup-as-text")


def test_a_newly_tracked_version_appears_without_reload(page: Any, lab: Lab) -> None:
    panel = open_panel(page)
    before = panel.locator(".mmds-result").count()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from sklearn.datasets import load_iris\n"
            "from sklearn.tree import DecisionTreeClassifier\n"
            "import mmds_jupyter as mmds\n"
            "X, y = load_iris(return_X_y=True, as_frame=True)"
        ),
        nbformat.v4.new_code_cell(
            "clf = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)\n"
            "v = mmds.track(clf, name='iris_tree', project='flowers', X_test=X, y_test=y)"
        ),
        nbformat.v4.new_code_cell("print(v.ref)"),
    ]
    path = lab.root / "train_iris.ipynb"
    nbformat.write(nb, path)
    env = {**lab.env, "MMDS_NOTEBOOK": str(path)}
    done = subprocess.run(
        [which_jupyter_execute(), "--inplace", str(path)],
        env=env,
        cwd=lab.root,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(lab.api("/mmds/api/changes"))["latest_event_id"] > 0
    row = panel.locator(".mmds-result[data-ref='flowers/iris_tree:1']")
    row.wait_for(timeout=20_000)  # the panel polls every few seconds, no reload
    assert panel.locator(".mmds-result").count() == before + 1
    shot(page, "07-live-refresh")
    # Its provenance links back to the notebook, which opens in JupyterLab.
    row.locator(".mmds-ref").click()
    view = page.locator(".mmds-view:visible").last
    link = view.locator("button.mmds-notebook")
    link.wait_for(timeout=30_000)
    assert link.inner_text() == "train_iris.ipynb"
    # The parameters set in the notebook come first; those at the class's defaults are folded.
    detail = json.loads(lab.api("/mmds/api/versions/flowers/iris_tree:1"))
    assert "criterion" in detail["default_params"] and "max_depth" not in detail["default_params"]
    shown = view.locator("table.mmds-params-set td:first-child").all_inner_texts()
    assert shown == sorted(k for k in detail["params"] if k not in detail["default_params"])
    assert {"max_depth", "random_state"} <= set(shown)
    fold = view.locator("details.mmds-params-defaults")
    assert not fold.evaluate("d => d.open")
    n = len(detail["default_params"])
    assert fold.locator("summary").inner_text() == f"{n} parameters at their defaults"
    fold.locator("summary").click()
    fold.locator("table.mmds-params-default").scroll_into_view_if_needed()
    shot(page, "07b-version-parameters")
    link.click()
    page.locator(".lm-TabBar-tab.lm-mod-current").filter(has_text="train_iris.ipynb").wait_for(
        timeout=30_000
    )
    # The notebook opens at the cell that tracked the version, not at its top.
    active = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell.jp-mod-active")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-Notebook .jp-Cell.jp-mod-active')]"
        ".some(c => c.textContent.includes('mmds.track('))",
        timeout=30_000,
    )
    assert "mmds.track(" in active.inner_text()
    shot(page, "08-notebook-opened-from-provenance")


def test_search_teaches_the_names_in_use(page: Any, lab: Lab) -> None:
    panel = open_panel(page)
    # Every field has a visible label, and its example fits the field.
    for label in ("Feature", "Metric condition", "Slice", "Tag", "Order"):
        assert panel.locator(".mmds-field-label", has_text=label).first.is_visible(), label
    for box in panel.locator("input.mmds-input").all():
        fits = box.evaluate(
            "e => { const c = document.createElement('canvas').getContext('2d');"
            " c.font = getComputedStyle(e).font;"
            " const st = getComputedStyle(e);"
            " const room = e.clientWidth - parseFloat(st.paddingLeft)"
            " - parseFloat(st.paddingRight);"
            " return c.measureText(e.placeholder).width <= room; }"
        )
        assert fits, box.get_attribute("placeholder")
    # Completions are the names the registry holds (the same answer as GET vocabulary).
    names = json.loads(lab.api("/mmds/api/vocabulary"))
    assert "country=US" in names["slices"] and "roc_auc" in names["metrics"]

    def options(kind: str) -> list[str]:
        found = panel.locator(f"datalist#mmds-names-{kind} option")
        return [o.get_attribute("value") or "" for o in found.all()]

    page.wait_for_function(
        "() => document.querySelectorAll('#mmds-names-slices option').length > 0"
    )
    for kind in ("metrics", "features", "tags", "slices"):
        assert options(kind) == names[kind], kind
    assert panel.locator("input[name='slice']").get_attribute("list") == "mmds-names-slices"
    # Any recorded metric orders the list; "best on US customers" is a slice and an order.
    order = panel.locator("select[aria-label='Order']")
    texts = [o.inner_text() for o in order.locator("option").all()]
    assert texts[3:] == orders_offered(lab, names["metrics"]), texts
    panel.locator("input[name='slice']").fill("country=US")
    order.select_option("-roc_auc")
    page.wait_for_function(
        "() => document.querySelectorAll('#mmds-panel .mmds-result').length === 2"
    )
    shown = [r.get_attribute("data-ref") for r in panel.locator(".mmds-result").all()]
    truth = json.loads(
        lab.api("/mmds/api/versions?slice=country%3DUS&order_by=-roc_auc&project=risk")
    )
    assert shown == [v["ref"] for v in truth["items"]]
    shot(page, "02c-best-on-a-slice")
    # A typo in a metric name is answered with the name meant.
    panel.locator("input[name='slice']").fill("")
    panel.locator("input[name='where']").fill("rocauc>0.5")
    panel.locator("button.mmds-search").click()
    panel.locator(".mmds-error").filter(has_text="Did you mean roc_auc").wait_for()
    panel.locator("button.mmds-clear").click()


def test_version_page_reads_as_sentences_and_follows_changes(page: Any, lab: Lab) -> None:
    from mmds_jupyter.registry import Registry

    panel = open_panel(page)
    panel.locator(".mmds-result[data-ref='risk/churn:2'] .mmds-ref").click()
    view = page.locator(".mmds-view:visible").last
    events = view.locator("table.mmds-events")
    events.wait_for(timeout=30_000)
    # Events say what changed, with the reason given (not raw JSON).
    assert "stage: development → validation — 'better roc_auc'" in events.inner_text()
    assert "tracked: RandomForestClassifier in development, from risk/churn:1" in (
        events.inner_text()
    )
    assert "{" not in events.inner_text()
    # Who uses it and its score sets have their own sections (none yet: said so).
    assert "No application is recorded as using this version." in view.inner_text()
    assert "Not scored in production yet." in view.inner_text()
    # A change made elsewhere shows on the open page, without a reload.
    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="omar")
    try:
        reg.tag("risk/churn:2", {"reviewed": "yes"})
        events.filter(has_text="tag reviewed=yes").wait_for(timeout=30_000)
        assert "reviewed=yes" in view.locator(".mmds-kv").first.inner_text()
        shot(page, "03b-version-events-in-words")
    finally:
        reg.untag("risk/churn:2", "reviewed")
        reg.close()


def test_act_on_a_version_from_its_page(page: Any, lab: Lab) -> None:
    ref = "risk/odd:1"
    panel = open_panel(page)
    panel.locator(f".mmds-result[data-ref='{ref}'] .mmds-ref").click()
    view = page.locator(".mmds-view:visible").last
    box = view.locator(".mmds-actions-box")
    box.wait_for(timeout=30_000)
    status = view.locator(".mmds-action-status")

    def did(text: str) -> None:
        view.locator(".mmds-action-status", has_text=text).wait_for(timeout=30_000)

    def truth() -> dict[str, Any]:
        return dict(json.loads(lab.api("/mmds/api/versions/risk%2Fodd%3A1")))

    box.locator("input.mmds-action-tag").fill("owner=omar")
    box.locator("button.mmds-action-add-tag").click()
    did("Tagged owner=omar")
    assert truth()["tags"]["owner"] == "omar"
    box = view.locator(".mmds-actions-box")
    box.locator("button.mmds-action-untag[data-key='owner']").click()
    did("Removed the tag owner")
    assert "owner" not in truth()["tags"]
    # A bad tag is one clear message, and nothing is sent.
    box = view.locator(".mmds-actions-box")
    box.locator("input.mmds-action-tag").fill("owner")
    box.locator("button.mmds-action-add-tag").click()
    box.locator(".mmds-job-error", has_text="A tag is written key=value").wait_for()

    box.locator("select.mmds-action-stage").select_option("validation")
    box.locator("input.mmds-action-reason").fill("ready for review")
    box.locator("button.mmds-action-move").click()
    did(f"{ref} is now in validation")
    assert truth()["stage"] == "validation"
    events = view.locator("table.mmds-events").inner_text()
    assert "stage: development → validation — 'ready for review'" in events
    box = view.locator(".mmds-actions-box")
    box.locator("input.mmds-action-alias").fill("candidate")
    box.locator("button.mmds-action-set-alias").click()
    did(f"@candidate now points at {ref}")
    assert "candidate" in truth()["aliases"]
    assert "@candidate" in view.locator(".mmds-version-header").inner_text()
    box = view.locator(".mmds-actions-box")
    box.locator("button.mmds-action-run-tests").click()
    # None to run: the server's message, beside the buttons.
    box.locator(".mmds-job-error", has_text=f"{ref} has no scoring test").wait_for()
    shot(page, "03c-version-actions")
    # Back to where the other tests expect it.
    box.locator("select.mmds-action-stage").select_option("development")
    box.locator("button.mmds-action-move").click()
    did(f"{ref} is now in development")
    assert status.count() == 1
