"""Sign-off in the panel: a validator finds the promotion request waiting for them in the
Approvals tab, reads its gates and approves it; the version is then in production.

Runs after test_panel.py (which counts the fixture's versions): it adds a project of its own.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from .conftest import SCREENSHOTS, Lab

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


GOV_REVIEW = """\
name: gov-review
stages: [development, validation, production, retired, archived]
transitions:
  - {from: development, to: validation}
  - from: validation
    to: production
    gates:
      checks: [comparison_report]
      approvals: {count: 1, role: approver}
  - {from: production, to: retired}
review:
  production: {every_months: 6, expires_after_months: 12}
"""
REPORT = "<html><body><h1>gov/churn:1 against the champion</h1></body></html>"


def _requested(lab: Lab) -> tuple[int, str]:
    """omar tracks gov/churn:1 under a template whose production move needs a comparison
    report and one approver, attaches the report and asks for production."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from mmds_jupyter.registry import Registry

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :4].copy()
    X.columns = [c.replace(" ", "_") for c in X.columns]
    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="omar")
    try:
        v = reg.track(LogisticRegression(max_iter=2000).fit(X, y), name="churn", project="gov")
        reg.save_template(GOV_REVIEW)
        reg.bind_template("gov", "gov-review")
        reg.set_stage(v.ref, "validation")
        reg.attach(v.ref, "comparison", REPORT, name="compare.html")
        req = reg.request(v.ref, "production", comment="beats the champion on US customers")
        return int(req.id), v.ref
    finally:
        reg.close()


def test_approve_a_request_waiting_for_me(page: Any, lab: Lab) -> None:
    request_id, ref = _requested(lab)
    tab = page.locator("li.lm-TabBar-tab[data-id='mmds-panel']")
    tab.wait_for(timeout=60_000)
    panel = page.locator("#mmds-panel")
    if not panel.is_visible():
        tab.click()
    # The version's page is open while the request is decided.
    panel.locator("button.mmds-tab[data-tab='approvals']").click()
    panel.locator(f".mmds-request[data-request='{request_id}'] button.mmds-ref").click()
    page_view = page.locator(".mmds-view:visible").last
    page_view.locator(".mmds-version-header", has_text="validation").wait_for(timeout=30_000)
    item = panel.locator(f".mmds-request[data-request='{request_id}']")
    item.wait_for(timeout=30_000)
    text = item.inner_text()
    assert ref in text and "validation → production, asked by omar" in text
    assert "beats the champion on US customers" in text
    gate = item.locator(".mmds-gate[data-gate='approvals']")
    assert gate.get_attribute("class") is not None and "mmds-gate-open" in str(
        gate.get_attribute("class")
    )
    # The comparison report the gate found is one click away (a download, never rendered
    # in the Lab's page).
    report = item.locator(".mmds-gate[data-gate='comparison_report'] button.mmds-evidence")
    assert report.inner_text().endswith("by omar")
    with page.expect_download(timeout=60_000) as got:
        report.click()
    assert Path(got.value.path()).read_text(encoding="utf-8") == REPORT
    assert got.value.suggested_filename.startswith("comparison-gov_churn_1-")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "30-approvals-inbox.png"))
    item.locator("input.mmds-decision-comment").fill("checked the US slice")
    item.locator("button.mmds-approve").click()
    panel.locator(".mmds-status", has_text=f"Approved: {ref} is now in production").wait_for(
        timeout=30_000
    )
    assert panel.locator(f".mmds-request[data-request='{request_id}']").count() == 0
    assert "Nothing waits for your approval." in panel.locator(".mmds-approvals").inner_text()
    # The open page follows: production, without a reload; making it champion there shows
    # in its alias history.
    page_view.locator(".mmds-version-header", has_text="production").wait_for(timeout=30_000)
    box = page_view.locator(".mmds-actions-box")
    box.locator("input.mmds-action-alias").fill("champion")
    box.locator("input.mmds-action-reason").fill("approved")
    box.locator("button.mmds-action-set-alias").click()
    history = page_view.locator("table.mmds-alias-history")
    history.filter(has_text="@champion").wait_for(timeout=30_000)
    assert "approved" in history.inner_text() and "maya" in history.inner_text()
    # The move names who approved the version's request: maya, who just did.
    row = history.locator("tr", has_text="@champion").first
    assert row.locator("td").last.inner_text() == "maya"
    page.screenshot(path=str(SCREENSHOTS / "30b-approved-and-champion.png"))
    # The API agrees: the version moved, and the decision carries maya's comment.
    version = json.loads(lab.api(f"/mmds/api/versions/{urllib.parse.quote(ref, safe='')}"))
    assert version["stage"] == "production"
    # Its review under the template: approved today, the next review due (as mmds show says).
    review = version["review"]
    assert review["stage"] == "production" and not review["overdue"]
    shown = page_view.locator(".mmds-review").inner_text()
    assert shown.startswith(f"production review: last {review['since'][:10]}")
    assert f"due {review['review_due'][:10]}" in shown
    assert f"expires {review['expires'][:10]}" in shown
    done = json.loads(lab.api(f"/mmds/api/requests?ref={urllib.parse.quote(ref)}&status=done"))
    (decision,) = done["items"][0]["decisions"]
    assert decision["actor"] == "maya" and decision["comment"] == "checked the US slice"


def test_export_the_comparison_report(page: Any, lab: Lab) -> None:
    from .test_panel import open_panel

    panel = open_panel(page)
    panel.locator("button.mmds-clear").click()
    for ref in ("risk/churn:1", "risk/churn:2"):
        panel.locator(f".mmds-result[data-ref='{ref}'] input.mmds-check").check()
    panel.locator("button.mmds-compare").click()
    view = page.locator(".mmds-compare-view:visible")
    view.locator(".mmds-compare-table").wait_for(timeout=30_000)
    with page.expect_download(timeout=120_000) as got:
        view.locator("button.mmds-export-report[data-format='html']").click()
    download = got.value
    assert download.suggested_filename.endswith(".html")
    html = Path(download.path()).read_text(encoding="utf-8")
    assert "risk/churn:1" in html and "risk/churn:2" in html and "<svg" in html
    assert "<script" not in html  # self-contained and inert
    with page.expect_download(timeout=120_000) as got:
        view.locator("button.mmds-export-report[data-format='pdf']").click()
    pdf = got.value
    assert pdf.suggested_filename.endswith(".pdf")
    assert Path(pdf.path()).read_bytes()[:5] == b"%PDF-"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "31-compare-export.png"))
    # Each export is kept with the versions, as evidence (an event says so).
    events = json.loads(lab.api("/mmds/api/versions/risk%2Fchurn%3A1/events"))
    assert any(e["action"] == "version.report" for e in events["items"]), events
    panel.locator("button.mmds-unselect").click()


def test_my_tasks_in_the_panel_and_on_the_version_page(page: Any, lab: Lab) -> None:
    from mmds_jupyter.registry import Registry

    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="omar")
    try:
        first = reg.add_task("risk/churn", "Check the US slice", assignee="maya", weight=2)
        second = reg.add_task(
            "risk/churn", "Sign the memo", assignee="maya", depends_on=[first["id"]]
        )
    finally:
        reg.close()
    tab = page.locator("li.lm-TabBar-tab[data-id='mmds-panel']")
    tab.wait_for(timeout=60_000)
    panel = page.locator("#mmds-panel")
    if not panel.is_visible():
        tab.click()
    panel.locator("button.mmds-tab[data-tab='approvals']").click()
    mine = panel.locator(".mmds-my-tasks")
    item = mine.locator(f".mmds-task[data-task='{first['id']}']")
    item.wait_for(timeout=30_000)
    assert "Check the US slice · maya" in item.inner_text()
    # The second waits for the first: completing it first is refused, with the reason.
    later = mine.locator(f".mmds-task[data-task='{second['id']}']")
    assert f"after #{first['id']}" in later.inner_text()
    later.locator("button.mmds-task-complete").click()
    later.locator(".mmds-job-error").filter(has_text="not done yet").wait_for()
    item.locator("input.mmds-task-comment").fill("US slice fine")
    item.locator("button.mmds-task-complete").click()
    panel.locator(".mmds-status", has_text="Completed task").wait_for(timeout=30_000)
    done = json.loads(lab.api("/mmds/api/tasks?ref=risk%2Fchurn&status=done"))["items"]
    assert [(t["id"], t["completed_by"], t["comment"]) for t in done] == [
        (first["id"], "maya", "US slice fine")
    ]
    # The version page lists the model's checklist, done and open.
    panel.locator("button.mmds-tab[data-tab='models']").click()
    panel.locator(".mmds-result[data-ref='risk/churn:2'] .mmds-ref").click()
    view = page.locator(".mmds-view:visible").last
    checklist = view.locator(".mmds-task-list")
    checklist.wait_for(timeout=30_000)
    assert "done by maya" in checklist.locator(f"[data-task='{first['id']}']").inner_text()
    assert checklist.locator(f"[data-task='{second['id']}'] button.mmds-task-complete").count()
    page.screenshot(path=str(SCREENSHOTS / "32-version-tasks.png"))


def _monitored(lab: Lab) -> None:
    """watch/churn in production under a monitor: three ordinary weeks with their labels, then
    a week where x1 drifted and no label has come yet."""
    from monitoring.conftest import label, population, store_batch  # tests/ is on sys.path
    from sklearn.linear_model import LogisticRegression

    from mmds_jupyter.registry import Registry

    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="maya")
    try:
        X, y = population(2000, 0)
        Xt, yt = population(1000, 1)
        cols = ["x1", "x2"]
        v = reg.track(
            LogisticRegression().fit(X[cols], y),
            name="churn",
            project="watch",
            X_train=X[cols],
            y_train=y,
            X_test=Xt[cols],
            y_test=yt,
        )
        reg.alias(reg.set_stage(v.ref, "production").ref, "champion")
        reg.set_monitor("watch/churn")
        for week in range(3):
            Xw, yw, _ = store_batch(reg, week, 1000, ref="watch/churn@champion")
            label(reg, Xw, yw, model="watch/churn")
        store_batch(reg, 3, 1000, shift=1.5, ref="watch/churn@champion")
    finally:
        reg.close()


def test_monitoring_on_the_version_page(page: Any, lab: Lab) -> None:
    from .test_panel import open_panel

    _monitored(lab)
    open_alerts = json.loads(lab.api("/mmds/api/alerts?ref=watch%2Fchurn"))["items"]
    assert open_alerts, "the drifted week opened no alert"
    panel = open_panel(page)
    panel.locator("button.mmds-clear").click()
    panel.locator(".mmds-result[data-ref='watch/churn:1'] .mmds-ref").click()
    view = page.locator(".mmds-view:visible").last
    box = view.locator(".mmds-monitoring")
    box.wait_for(timeout=30_000)
    # Every open alert, with its window, measure, value and threshold.
    shown = box.locator(".mmds-alert")
    assert shown.count() == len(open_alerts)
    text = box.inner_text()
    assert "psi(x1)" in text and "2026-01-26/2026-02-01" in text
    # Four weeks of production; the last has no label yet, so its accuracy is an estimate.
    rows = box.locator("table.mmds-performance tr").all()[1:]
    assert len(rows) == 4
    assert "100%" in rows[0].inner_text() and "0%" in rows[3].inner_text()
    assert "(est.)" in rows[3].inner_text() and "(est.)" not in rows[0].inner_text()
    # The charts: AUC by week with its warning and alert lines, PSI per input and week (x1
    # alerts in the drifted week), the score now against its baseline.
    charts = box.locator("figure.mmds-monitor-chart")
    ids = [charts.nth(i).get_attribute("data-chart") for i in range(charts.count())]
    assert ids == ["metric:roc_auc", "drift:share", "drift:psi", "scores"]
    auc = box.locator("figure[data-chart='metric:roc_auc'] svg")
    assert auc.locator("line.mmds-line-warning").count() == 1
    assert auc.locator("line.mmds-line-alert").count() == 1
    cell = box.locator("figure[data-chart='drift:psi'] rect title", has_text="x1, 2026-01-26")
    assert (cell.text_content() or "").endswith("(alert)")
    box.locator("figure[data-chart='drift:psi']").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "33-monitoring.png"))
    from .test_theme import THEMES, set_theme

    try:
        set_theme(page, THEMES["dark"])
        box.locator("figure[data-chart='drift:psi']").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "33-monitoring-dark.png"))
    finally:
        set_theme(page, THEMES["light"])
    first = open_alerts[0]["id"]
    box.locator(f".mmds-alert[data-alert='{first}'] button.mmds-alert-acknowledge").click()
    view.locator(".mmds-action-status", has_text=f"Alert #{first} is acknowledged").wait_for(
        timeout=30_000
    )
    after = json.loads(lab.api("/mmds/api/alerts?ref=watch%2Fchurn"))["items"]
    (acked,) = [a for a in after if a["id"] == first]
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "maya"


def _scored_and_tested(lab: Lab) -> str:
    """scored/churn:1: scored once in production, one scoring test that passes, one that fails."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from mmds_jupyter.registry import Registry

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :3].copy()
    X.columns = ["radius", "texture", "perimeter"]
    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="omar")
    try:
        model = LogisticRegression(max_iter=2000).fit(X, y)
        v = reg.track(model, name="churn", project="scored", X_test=X, y_test=y)
        rows = X.head(12).assign(cid=range(12))
        reg.set_stage(v.ref, "production", reason="for the scoring page")
        reg.score(v.ref, rows, mode="production", key="cid")
        expected = reg.score(v.ref, rows, key="cid").outputs
        reg.create_scoring_test(v.ref, rows, expected, name="golden", key="cid")
        wrong = expected.copy()
        wrong.loc[3, "probability(1)"] += 0.5
        reg.create_scoring_test(v.ref, rows, wrong, tolerance=1e-3, name="skewed", key="cid")
        reg.run_scoring_tests(v.ref)
        return v.ref
    finally:
        reg.close()


def test_contract_score_sets_and_scoring_tests_on_the_version_page(page: Any, lab: Lab) -> None:
    from .test_panel import open_panel
    from .test_theme import THEMES, set_theme

    ref = _scored_and_tested(lab)
    quoted = urllib.parse.quote(ref, safe="")
    contract = json.loads(lab.api(f"/mmds/api/versions/{quoted}/contract"))
    sets = json.loads(lab.api(f"/mmds/api/score-sets?ref={quoted}"))["items"]
    results = json.loads(lab.api(f"/mmds/api/versions/{quoted}/scoring-tests"))["items"]
    assert len(sets) == 1 and {r["test"]: r["passed"] for r in results} == {
        "golden": True,
        "skewed": False,
    }
    panel = open_panel(page)
    panel.locator("button.mmds-clear").click()
    panel.locator(f".mmds-result[data-ref='{ref}'] .mmds-ref").click()
    view = page.locator(".mmds-view:visible").last
    inputs = view.locator("table.mmds-contract-inputs")
    inputs.wait_for(timeout=30_000)
    # The contract: one row per input with its type, then its outputs and policy.
    rows = [r.locator("td").all_inner_texts() for r in inputs.locator("tr").all()[1:]]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (i["name"], i["type"], "yes" if i["required"] else "no (unused by the model)")
        for i in contract["inputs"]
    ]
    box = view.locator(".mmds-contract").inner_text()
    for output in contract["outputs"]:
        assert output["name"] in box
    assert "out-of-domain policy" in box and contract["policy"] in box
    # The score set: its id, mode and rows.
    section = view.locator("section.mmds-section", has=page.locator("h3", has_text="Score sets"))
    score_row = section.locator("tr").nth(1).locator("td").all_inner_texts()
    assert score_row[:3] == [f"#{sets[0]['id']}", "production", str(sets[0]["n_rows"])]
    # The scoring tests: the newest result of each, passed or failed.
    tests = view.locator("table.mmds-scoring-tests")
    shown = {
        r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text()
        for r in tests.locator("tr").all()[1:]
    }
    assert shown == {"golden": "passed", "skewed": "failed"}
    skewed = next(r for r in results if r["test"] == "skewed")
    assert f"{skewed['n_mismatched']} of {skewed['n_rows']}" in tests.inner_text()
    assert tests.locator(".mmds-test-failed").count() == 1
    view.locator(".mmds-contract").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "34-version-contract.png"))
    tests.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "34-version-scoring-tests.png"))
    try:
        set_theme(page, THEMES["dark"])
        view.locator(".mmds-contract").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "34-version-contract-dark.png"))
        tests.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "34-version-scoring-tests-dark.png"))
    finally:
        set_theme(page, THEMES["light"])
