"""Evaluations and reports, the same against a local Registry and a RemoteRegistry."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.errors import ConflictError, InvalidInput

from .conftest import fresh_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
NUM = ["mean_radius", "mean_texture", "mean_perimeter", "mean_area"]


def test_evaluate(registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest) -> None:
    project = fresh_project(request)
    Xtr = cancer["X_train"][NUM]
    lr = LogisticRegression(max_iter=1000).fit(Xtr, cancer["y_train"])
    v = registry.track(lr, name="holdout", project=project)
    X = cancer["X_test"][[*NUM, "country"]]
    out = registry.evaluate(v.ref, X, cancer["y_test"], name="q3-holdout", slices=["country"])
    assert out["name"] == "q3-holdout" and out["n_rows"] == len(X) and not out["sampled"]
    slices = {m["slice"] for m in out["metrics"]}
    assert {"country=US", "country=DE", "country=FR", None} == slices
    with pytest.raises(ConflictError, match="already has an evaluation"):
        registry.evaluate(v.ref, X, cancer["y_test"], name="q3-holdout")
    with pytest.raises(InvalidInput, match="not valid"):
        registry.evaluate(v.ref, X, cancer["y_test"], name="q3 holdout")


def test_report(registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest) -> None:
    project = fresh_project(request)
    Xtr = cancer["X_train"][NUM]
    test = {"X_test": cancer["X_test"][NUM], "y_test": cancer["y_test"]}
    a = registry.track(
        LogisticRegression(max_iter=1000).fit(Xtr, cancer["y_train"]), "r", project, **test
    )
    b = registry.track(
        LogisticRegression(C=0.1, max_iter=1000).fit(Xtr, cancer["y_train"]), "r", project, **test
    )
    made = registry.report(a.ref, b.ref)
    html = made.to_html()
    assert "<h2>Summary</h2>" in html and "<h2>Report fingerprint</h2>" in html
    assert "95% CI" in html and "Comparison report" in made._repr_html_()
    # Without a kind, one version is validated; a comparison of one is refused.
    assert "Validation report" in registry.report(a.ref)._repr_html_()
    with pytest.raises(InvalidInput, match="two or more versions"):
        registry.report(a.ref, kind="comparison")


def test_the_report_route_answers_a_file_to_download(
    api_server: dict[str, str], cancer: Any
) -> None:
    import urllib3

    from mmds_jupyter.remote import RemoteRegistry

    reg = RemoteRegistry(api_server["url"], token=api_server["token"], retries=0)
    try:
        Xtr = cancer["X_train"][NUM]
        lr = LogisticRegression(max_iter=1000).fit(Xtr, cancer["y_train"])
        v = reg.track(lr, "dl", "download", X_test=cancer["X_test"][NUM], y_test=cancer["y_test"])
    finally:
        reg.close()
    url = f"{api_server['url']}mmds/api/report"
    headers = {"Authorization": f"token {api_server['token']}"}
    fields = {"refs": v.ref, "kind": "validation", "format": "html"}
    r = urllib3.request("GET", url, fields=fields, headers=headers)
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Content-Disposition"] == ('attachment; filename="report-download_dl_1.html"')
    assert b"<h2>Contract</h2>" in r.data
    bad = urllib3.request("GET", url, fields={**fields, "format": "docx"}, headers=headers)
    assert bad.status == 400 and b"html or pdf" in bad.data
