"""The Jobs tab of the MMDS panel in real JupyterLab: jobs, their runs, an executed notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from .conftest import SCREENSHOTS, XSS, Lab

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _notebook(path: Path, outputs: list[Any] | None = None) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region = "north"')
    params.metadata["tags"] = ["parameters"]
    work = nbformat.v4.new_code_cell("print(region)", execution_count=1)
    work.outputs = outputs or []
    nb.cells = [params, work]
    nbformat.write(nb, path)


def _jobs(lab: Lab) -> None:
    """A scheduled job with a succeeded and a failed run, and a paused job never run."""
    from mmds_jupyter.registry import Registry
    from mmds_jupyter.scheduler import MMDSScheduler, Scheduler, claims
    from mmds_jupyter.scheduler.outcomes import Outcome, finish_attempt

    _notebook(lab.root / "score.ipynb")
    home = Path(lab.env["MMDS_HOME"])
    reg = Registry(url=lab.env["MMDS_URL"], home=str(home), actor="maya")
    sched = Scheduler(reg, MMDSScheduler(root_dir=str(lab.root)))
    sched.create("nightly-score", "score.ipynb", cron="0 2 * * *")
    sched.create("weekly-report", "score.ipynb", every="7d", paused=True)
    out = home / "runs" / "nightly-score" / "1.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    _notebook(out, [nbformat.v4.new_output("stream", text=f"north {XSS}\n")])
    error = {"ename": "ValueError", "evalue": "no rows to score", "cell_index": 1}
    for outcome in (
        Outcome("succeeded", output_path=str(out)),
        Outcome("failed", error, retry=False),
    ):
        run = sched.run_now("nightly-score")
        started = claims.start_run(reg.db, run.id, "ui:1", "local", "maya")
        assert started is not None
        finish_attempt(reg.db, run.id, started.attempt, outcome, "maya", home=home)
    reg.close()


def test_jobs_tab_lists_jobs_and_opens_an_executed_notebook(page: Any, lab: Lab) -> None:
    _jobs(lab)
    tab = page.locator("li.lm-TabBar-tab[data-id='mmds-panel']")
    tab.wait_for(timeout=60_000)
    panel = page.locator("#mmds-panel")
    if not panel.is_visible():
        tab.click()
    panel.locator("button.mmds-tab[data-tab='jobs']").click()
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
    SCREENSHOTS.mkdir(exist_ok=True)

    nightly.locator("button.mmds-run-open").click()
    view = page.locator(".mmds-run-view")
    view.locator(".mmds-cell").first.wait_for(timeout=30_000)
    assert f"north {XSS}" in view.locator(".mmds-output-text").inner_text()
    assert view.locator("img").count() == 0
    assert "succeeded" in view.locator(".mmds-version-header").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "09-jobs.png"))
