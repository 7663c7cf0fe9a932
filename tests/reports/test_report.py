"""Items 2-4 of issue 16: comparison and validation reports, as HTML, PDF, CLI and magic."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

import mmds_jupyter
from mmds_jupyter.errors import InvalidInput
from mmds_jupyter.registry import Registry

NUM = ["mean_radius", "mean_texture", "mean_perimeter", "mean_area"]
COMPARISON = [
    "Summary",
    "Classification: curves and matrices",
    "Slices",
    "Features and parameters",
    "Data sets",
    "Lineage",
    "Provenance and environment",
    "Report fingerprint",
]


@pytest.fixture(scope="module")
def reg(tmp_path_factory, cancer, diabetes):
    """Two classifiers on one test set, one on another, and two regressors."""
    base = tmp_path_factory.mktemp("reports")
    r = Registry(url=f"sqlite:///{base / 'm.db'}", home=str(base), actor="maya")
    Xtr, ytr = cancer["X_train"][NUM], cancer["y_train"]
    test = {"X_test": cancer["X_test"], "y_test": cancer["y_test"], "slices": ["country"]}
    lr = LogisticRegression(max_iter=3000).fit(Xtr, ytr)
    r.track(lr, "churn", X_train=Xtr, y_train=ytr, **test)
    rf = RandomForestClassifier(n_estimators=20, random_state=0).fit(Xtr, ytr)
    r.track(rf, "churn", X_train=Xtr, y_train=ytr, **test)
    half = cancer["X_test"].iloc[:80]
    r.track(lr, "churn", X_test=half, y_test=cancer["y_test"].iloc[:80])
    dtest = {"X_test": diabetes["X_test"], "y_test": diabetes["y_test"]}
    r.track(LinearRegression().fit(diabetes["X_train"], diabetes["y_train"]), "dia", **dtest)
    forest = RandomForestRegressor(n_estimators=10, random_state=0)
    r.track(forest.fit(diabetes["X_train"], diabetes["y_train"]), "dia", **dtest)
    yield r
    r.close()


def test_a_comparison_has_every_section_paired_intervals_and_is_kept_as_evidence(reg):
    report = reg.report("churn:1", "churn:2")
    assert report.section_titles() == COMPARISON and report.warnings == []
    html = report.to_html()
    assert "differences are paired, with 95% bootstrap intervals" in html
    assert "default/churn:2 − default/churn:1 (95% CI)" in html
    summary = dict(report.sections)["Summary"]
    assert summary.count(" [") >= 2  # roc_auc and accuracy have an interval
    curves = dict(report.sections)["Classification: curves and matrices"]
    for title in ("ROC", "Precision-recall", "Cumulative gains", "Cumulative lift"):
        assert f"<title>{title}</title>" in curves
    assert "Calibration (reliability)" in curves and "Score distribution: default/churn:1" in curves
    assert "score ≥ 0.5" in curves and "KS at score" in curves and "Gini" in curves
    assert "mmds-worst" in dict(report.sections)["Slices"]
    # rows (the test rows of each line) is shown overall but is no one's "best", on any slice
    assert "<td>rows</td>" in summary
    best_per_slice = summary[summary.index("Best per slice") :]
    assert "<td>roc_auc</td>" in best_per_slice and "<td>rows</td>" not in best_per_slice
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    # kept: one artifact of every version it covers, with an event naming its fingerprint
    for ref in ("churn:1", "churn:2"):
        files = reg.store.versions.version_files(reg.get(ref).id)
        assert files[-1]["kind"] == "report"
        assert files[-1]["artifact_sha256"] == report.stored_sha256
    event = reg.events(action="version.report").iloc[0]
    assert event["after"]["fingerprint"] == report.fingerprint
    # the same inputs give the same fingerprint; another threshold another one
    assert reg.report("churn:1", "churn:2").fingerprint == report.fingerprint
    assert reg.report("churn:1", "churn:2", threshold=0.3).fingerprint != report.fingerprint


def test_versions_on_different_test_sets_get_a_warning_and_no_paired_interval(reg):
    report = reg.report("churn:1", "churn:3")
    assert len(report.warnings) == 1 and "not evaluated on the same test set" in report.warnings[0]
    summary = dict(report.sections)["Summary"]
    assert "no paired interval" in summary and " [" not in summary


def test_a_regression_report_draws_predicted_vs_actual_residuals_and_deciles(reg):
    report = reg.report("dia:1", "dia:2")
    section = dict(report.sections)["Regression: errors"]
    for title in ("Predicted vs actual", "Residuals", "Error by decile of the prediction"):
        assert f"<title>{title}</title>" in section
    assert "rmse" in dict(report.sections)["Summary"]


def test_a_validation_report_adds_contract_tests_and_stage_history(reg):
    reg.set_stage("churn:2", "validation")
    report = reg.report("churn:2", kind="validation")
    titles = report.section_titles()
    assert titles[-4:] == ["Contract", "Scoring tests", "Stage history and approvals", titles[-1]]
    assert "validation" in dict(report.sections)["Stage history and approvals"]
    assert "<table" in report._repr_html_()
    assert reg.report("churn:2").section_titles() == titles  # one version: validation
    with pytest.raises(InvalidInput, match="two or more versions"):
        reg.report("churn:1", kind="comparison")
    with pytest.raises(InvalidInput, match="of one version"):
        reg.report("churn:1", "churn:2", kind="validation")
    with pytest.raises(InvalidInput, match="not 'summary'"):
        reg.report("churn:1", "churn:2", kind="summary")


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    return text.stdout.split("\f")[:-1]


def test_the_pdf_starts_each_section_on_a_page_and_holds_every_title(reg, tmp_path):
    pytest.importorskip("weasyprint")
    report = reg.report("churn:1", "churn:2")
    path = tmp_path / "r.pdf"
    report.to_pdf(str(path))
    pages = _pages(path)
    # each section starts a page; long ones (curves, features) take more
    assert len(report.sections) <= len(pages) <= len(report.sections) + 4
    starts = [p.strip().splitlines()[0].strip() for p in pages if p.strip()]
    assert starts[0].startswith("Comparison report: default/churn:1")
    for title in COMPARISON[1:]:
        assert title in starts, (title, starts)
    assert all(title in "".join(pages) for title in COMPARISON)
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "2", "-l", "2", path, png], check=True)
    assert list(tmp_path.glob("page*.png"))


def test_the_cli_writes_html_and_pdf(reg, tmp_path, monkeypatch, capsys):
    pytest.importorskip("weasyprint")
    from mmds_jupyter import cli

    monkeypatch.setenv("MMDS_URL", reg.url)
    monkeypatch.setenv("MMDS_HOME", reg.home)
    out_html, out_pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    assert (
        cli.main(["report", "dia:1", "dia:2", "--html", str(out_html), "--pdf", str(out_pdf)]) == 0
    )
    assert "Regression: errors" in out_html.read_text()
    assert out_pdf.read_bytes().startswith(b"%PDF")
    assert cli.main(["report", "dia:1", "dia:2"]) == 1
    assert "--html FILE and/or --pdf FILE" in capsys.readouterr().err


def test_the_magic_returns_the_report_as_rich_output(reg, tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    mmds_jupyter.connect(url=reg.url, home=reg.home, actor="maya")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    try:
        made = shell.run_line_magic("mmds", f"report churn:1 churn:2 --html {tmp_path / 'm.html'}")
        assert made.section_titles() == COMPARISON
        assert "Comparison report" in made._repr_html_() and (tmp_path / "m.html").exists()
        one = shell.run_line_magic("mmds", "report churn:2")
        assert one.kind == "validation"
    finally:
        shell.reset()
        mmds_jupyter.default_registry().close()
