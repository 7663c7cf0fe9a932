"""The Jobs tab of the MMDS panel in real JupyterLab: jobs, their runs, an executed notebook."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
import pytest

from .conftest import SCREENSHOTS, XSS, Lab

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _notebook(path: Path, outputs: list[Any] | None = None, more: list[Any] = ()) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region = "north"')
    params.metadata["tags"] = ["parameters"]
    work = nbformat.v4.new_code_cell("print(region)", execution_count=1)
    work.outputs = outputs or []
    nb.cells = [params, work, *more]
    nbformat.write(nb, path)


def _jobs(lab: Lab) -> None:
    """A scheduled job with a succeeded and a failed run, and a paused job never run."""
    from mmds_jupyter.registry import Registry
    from mmds_jupyter.scheduler import MMDSScheduler, Scheduler
    from mmds_jupyter.scheduler.outcomes import Outcome, finish_attempt

    _notebook(lab.root / "score.ipynb")
    home = Path(lab.env["MMDS_HOME"])
    reg = Registry(url=lab.env["MMDS_URL"], home=str(home), actor="maya")
    sched = Scheduler(reg, MMDSScheduler(root_dir=str(lab.root)))
    sched.create("nightly-score", "score.ipynb", cron="0 2 * * *")
    sched.create("weekly-report", "score.ipynb", every="604800s", paused=True)
    out = home / "runs" / "nightly-score" / "1.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    # An executed notebook as papermill leaves one: a markdown note, a stream, an HTML table.
    table = nbformat.v4.new_code_cell("scores.head(1)", execution_count=2)
    table.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            data={"text/html": f"<table><tr><td>0.42</td><td>{XSS}</td></tr></table>"},
            execution_count=2,
        )
    ]
    note = nbformat.v4.new_markdown_cell(f"# Scores for **north**\n\nChecked by maya {XSS}")
    _notebook(out, [nbformat.v4.new_output("stream", text=f"north {XSS}\n")], [note, table])
    error = {"ename": "ValueError", "evalue": "no rows to score", "cell_index": 1}
    for outcome in (
        Outcome("succeeded", output_path=str(out)),
        Outcome("failed", error, retry=False),
    ):
        run = sched.run("nightly-score")
        started = reg.run_store().start_run(run.id, "ui:1", "local", "maya")
        assert started is not None
        finish_attempt(reg.run_store(), run.id, started.attempt, outcome, "maya", home=home)
    reg.close()


def _scheduler_checks_in(lab: Lab) -> None:
    """One pass of a scheduler against the lab's registry (it then counts as running)."""
    from mmds_jupyter.registry import Registry
    from mmds_jupyter.scheduler import MMDSScheduler
    from mmds_jupyter.scheduler.dispatcher import Dispatcher

    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="maya")
    try:
        Dispatcher(reg, MMDSScheduler(root_dir=str(lab.root), poll_interval=30)).tick()
    finally:
        reg.close()


def _open_jobs_tab(page: Any) -> Any:
    """The MMDS sidebar, opened on its Jobs tab."""
    tab = page.locator("li.lm-TabBar-tab[data-id='mmds-panel']")
    tab.wait_for(timeout=60_000)
    panel = page.locator("#mmds-panel")
    if not panel.is_visible():
        tab.click()
    panel.locator("button.mmds-tab[data-tab='jobs']").click()
    # The panel's first load (projects, models, the page, then the jobs again) may still be
    # drawing: wait until it has, so that the buttons a test takes are the ones it presses.
    page.wait_for_load_state("networkidle")
    return panel


def test_jobs_tab_lists_jobs_and_opens_an_executed_notebook(page: Any, lab: Lab) -> None:
    _jobs(lab)
    panel = _open_jobs_tab(page)
    nightly = panel.locator(".mmds-job[data-job='nightly-score']")
    nightly.wait_for(timeout=30_000)
    assert panel.locator(".mmds-job").count() == 2
    text = nightly.inner_text()
    assert "active" in text and "0 2 * * *" in text and "next" in text
    assert "ValueError: no rows to score (cell 1)" in text
    assert nightly.locator(".mmds-run .mmds-badge").all_inner_texts() == ["failed", "succeeded"]
    weekly = panel.locator(".mmds-job[data-job='weekly-report']").inner_text()
    assert nightly.locator(".mmds-result-title .mmds-badge").all_inner_texts() == [
        "active",
        "failed",
    ]
    assert "paused" in weekly and "never run" in weekly
    # An interval reads as the job form writes it, not in seconds as the server stores it.
    assert json.loads(lab.api("/mmds/api/jobs/weekly-report"))["schedule"] == "every 604800s"
    assert "every 7d" in weekly and "604800" not in weekly
    SCREENSHOTS.mkdir(exist_ok=True)
    # Whether queued runs will start: no scheduler yet, then one checks in.
    heartbeat = panel.locator(".mmds-scheduler")
    assert "No scheduler is running" in heartbeat.inner_text()
    assert "mmds scheduler" in heartbeat.inner_text()
    _scheduler_checks_in(lab)
    panel.locator("button.mmds-jobs-refresh").click()
    page.wait_for_function(
        "() => document.querySelector('#mmds-panel .mmds-scheduler').dataset.alive === 'true'"
    )
    assert "Scheduler running on" in heartbeat.inner_text()

    nightly.locator("button.mmds-run-open").click()
    view = page.locator(".mmds-run-view")
    view.locator(".mmds-cell").first.wait_for(timeout=30_000)
    # Outputs and markdown render as in a notebook, untrusted: markup is sanitized, a stream
    # stays text, and no script runs (the page fixture fails the test on any dialog).
    assert f"north {XSS}" in view.locator(".mmds-output-text").first.inner_text()
    assert view.locator(".mmds-cell-markdown h1").inner_text() == "Scores for north"
    assert view.locator(".mmds-cell-markdown strong").inner_text() == "north"
    assert view.locator(".mmds-cell-output table td").first.inner_text() == "0.42"
    assert view.locator("[onerror]").count() == 0
    assert "succeeded" in view.locator(".mmds-version-header").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "09-jobs.png"))


@contextmanager
def _held(page: Any, path: str) -> Iterator[list[Any]]:
    """Hold the browser's requests to ``path`` (any query) in a list until continued."""
    held: list[Any] = []

    def matches(url: str) -> bool:
        return urlsplit(url).path == path

    page.route(matches, lambda route: held.append(route))
    try:
        yield held
    finally:
        page.unroute(matches)


def _wait_until(page: Any, condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(50)


def _job_state(lab: Lab, name: str) -> str:
    return str(json.loads(lab.api(f"/mmds/api/jobs/{name}"))["state"])


def test_jobs_tab_pauses_resumes_and_cancels(page: Any, lab: Lab) -> None:
    """A person pauses and resumes a job and cancels its runs from the panel."""
    from mmds_jupyter.registry import Registry
    from mmds_jupyter.scheduler import MMDSScheduler, Scheduler

    _notebook(lab.root / "hourly.ipynb")
    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="maya")
    sched = Scheduler(reg, MMDSScheduler(root_dir=str(lab.root)))
    sched.create("hourly-north", "hourly.ipynb", cron="0 * * * *", max_concurrent=2)
    running = sched.run("hourly-north")
    assert reg.run_store().start_run(running.id, "ui:2", "local", "maya") is not None
    queued = sched.run("hourly-north")
    late = sched.run("hourly-north")

    panel = _open_jobs_tab(page)
    job = panel.locator(".mmds-job[data-job='hourly-north']")
    job.wait_for(timeout=30_000)
    state = job.locator(".mmds-result-title .mmds-badge").first
    toggle = job.locator("button.mmds-job-toggle")
    assert (state.inner_text(), toggle.inner_text()) == ("active", "Pause")

    # The buttons wait for the server: the request is held here until the test lets it go.
    clicked, run_now = toggle.element_handle(), job.locator("button.mmds-run-now").element_handle()
    with _held(page, "/mmds/api/jobs/hourly-north/pause") as held:
        toggle.click()
        _wait_until(page, lambda: bool(held))
        # (A reload of the list meanwhile draws new buttons; the ones pressed stay disabled.)
        assert clicked.evaluate("b => b.disabled") and run_now.evaluate("b => b.disabled")
        held[0].continue_()
    job.locator("button.mmds-job-toggle[data-verb='resume']").wait_for(timeout=15_000)
    assert job.locator(".mmds-result-title .mmds-badge").first.inner_text() == "paused"
    assert "paused: no new runs" in job.inner_text()
    assert _job_state(lab, "hourly-north") == "paused"

    # A queued run is cancelled at once; a running one waits for its scheduler to stop it.
    job.locator(f".mmds-run[data-run='{queued.id}'] button.mmds-run-cancel").click()
    job.locator(f".mmds-run[data-run='{queued.id}'] .mmds-run-cancelled").wait_for()
    assert job.locator(f".mmds-run[data-run='{queued.id}'] button").count() == 0
    job.locator(f".mmds-run[data-run='{running.id}'] button.mmds-run-cancel").click()
    stopping = job.locator(f".mmds-run[data-run='{running.id}'] button.mmds-run-cancel")
    stopping.filter(has_text="Stopping…").wait_for()
    assert stopping.is_disabled()
    assert sched.get_run(running.id).cancel_requested

    # The run is cancelled elsewhere while this Cancel is on its way: the server refuses, and
    # the refusal stays on screen through the reload that the change sets off.
    with _held(page, f"/mmds/api/runs/{late.id}/cancel") as held:
        job.locator(f".mmds-run[data-run='{late.id}'] button.mmds-run-cancel").click()
        _wait_until(page, lambda: bool(held))
        sched.cancel_run(late.id)
        held[0].continue_()
    late_run = job.locator(f".mmds-run[data-run='{late.id}']")
    late_run.locator(".mmds-run-error[role='alert']").filter(
        has_text="already cancelled"
    ).wait_for()
    late_run.locator(".mmds-run-cancelled").wait_for(timeout=15_000)
    assert "already cancelled" in late_run.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "10-job-paused.png"))

    job.locator("button.mmds-job-toggle").click()
    job.locator("button.mmds-job-toggle[data-verb='pause']").wait_for(timeout=15_000)
    assert job.locator(".mmds-result-title .mmds-badge").first.inner_text() == "active"
    assert "next" in job.locator(".mmds-result-meta").first.inner_text()
    assert _job_state(lab, "hourly-north") == "active"
    reg.close()


def _job_names(lab: Lab) -> list[str]:
    return [j["name"] for j in json.loads(lab.api("/mmds/api/jobs"))["items"]]


def test_jobs_tab_creates_edits_and_deletes_a_job(page: Any, lab: Lab) -> None:
    """A person creates a job in the form (a refusal shown in it first), edits its schedule,
    then deletes it; each step is checked through the REST API. The form in both themes."""
    from .test_theme import THEMES, set_theme

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region = "north"\nrows = 10')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params]
    nbformat.write(nb, lab.root / "form-score.ipynb")

    panel = _open_jobs_tab(page)
    panel.locator("button.mmds-job-new").click()
    dialog = page.locator(".jp-Dialog")
    form = dialog.locator(".mmds-job-form")
    form.wait_for(timeout=15_000)
    form.locator(".mmds-job-form-name").fill("form-job")
    form.locator("select.mmds-job-form-notebook").select_option("form-score.ipynb")
    rows = form.locator(".mmds-job-form-param[data-param='rows']")
    # The notebook's declared parameters, their defaults shown.
    assert rows.get_attribute("placeholder") == "10"
    assert (
        form.locator(".mmds-job-form-param[data-param='region']").get_attribute("placeholder")
        == "north"
    )
    rows.fill("25")
    form.locator(".mmds-job-form-when").fill("61 * * * *")
    form.locator(".mmds-job-form-description").fill("Scores churn from the form")
    dialog.locator("button.jp-mod-accept").click()
    # The server's refusal is shown in the form, what was typed kept; nothing was stored.
    refusal = page.locator(".jp-Dialog .mmds-job-form-error")
    refusal.filter(has_text="not a valid cron").wait_for(timeout=15_000)
    form = page.locator(".jp-Dialog .mmds-job-form")
    assert form.locator(".mmds-job-form-param[data-param='rows']").input_value() == "25"
    assert "form-job" not in _job_names(lab)
    form.locator(".mmds-job-form-when").fill("30 1 * * *")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / "11-job-form-light.png"))
    page.locator(".jp-Dialog button.jp-mod-accept").click()
    job = panel.locator(".mmds-job[data-job='form-job']")
    job.wait_for(timeout=15_000)
    stored = json.loads(lab.api("/mmds/api/jobs/form-job"))
    assert (stored["schedule"], stored["parameters"]) == ("30 1 * * *", {"rows": 25})
    assert stored["description"] == "Scores churn from the form" and stored["state"] == "active"

    # Fields the form does not show, set elsewhere (here from Python): an edit in the panel
    # must leave them as they are.
    from mmds_jupyter.registry import Registry
    from mmds_jupyter.scheduler import MMDSScheduler, Scheduler

    reg = Registry(url=lab.env["MMDS_URL"], home=lab.env["MMDS_HOME"], actor="maya")
    try:
        Scheduler(reg, MMDSScheduler(root_dir=str(lab.root))).update(
            "form-job", retries=3, timeout=900, keep_outputs=2, timezone="Europe/Paris"
        )
    finally:
        reg.close()

    # Edit: the same form, prefilled; the cron changes, the rest stays.
    writes: list[Any] = []
    page.on(
        "request",
        lambda r: writes.append(r) if r.method != "GET" and "/jobs/form-job" in r.url else None,
    )
    set_theme(page, THEMES["dark"])
    try:
        job.locator("button.mmds-job-edit").click()
        form = page.locator(".jp-Dialog .mmds-job-form")
        form.wait_for(timeout=15_000)
        name = form.locator(".mmds-job-form-name")
        assert name.input_value() == "form-job" and name.get_attribute("readonly") is not None
        assert form.locator("select.mmds-job-form-notebook").input_value() == "form-score.ipynb"
        assert form.locator(".mmds-job-form-param[data-param='rows']").input_value() == "25"
        when = form.locator(".mmds-job-form-when")
        assert when.input_value() == "30 1 * * *"
        when.fill("45 2 * * *")
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / "11-job-form-dark.png"))
        page.locator(".jp-Dialog button.jp-mod-accept").click()
        job.filter(has_text="45 2 * * *").wait_for(timeout=15_000)
    finally:
        if page.locator(".jp-Dialog").count():
            page.locator(".jp-Dialog button.jp-mod-reject").click()
        set_theme(page, THEMES["light"])
    stored = json.loads(lab.api("/mmds/api/jobs/form-job"))
    assert (stored["schedule"], stored["parameters"]) == ("45 2 * * *", {"rows": 25})
    assert stored["description"] == "Scores churn from the form"
    assert (stored["max_retries"], stored["timeout_s"], stored["keep_outputs"]) == (3, 900, 2)
    assert stored["timezone"] == "Europe/Paris"
    # The panel sent only what its form shows (the server kept the rest), not a definition anew.
    assert [r.method for r in writes] == ["PATCH"]
    assert set(json.loads(writes[0].post_data)) == {
        "name", "notebook", "cron", "every", "parameters", "description", "paused"
    }  # fmt: skip

    # Delete asks first; the job leaves the list and the registry.
    job.locator("button.mmds-job-delete").click()
    confirm = page.locator(".jp-Dialog")
    confirm.filter(has_text="Delete job form-job?").wait_for(timeout=15_000)
    confirm.locator("button.jp-mod-accept").click()
    job.wait_for(state="detached", timeout=15_000)
    assert "form-job" not in _job_names(lab)
