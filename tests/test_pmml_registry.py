"""PMML through the registry: export a tracked model, import other producers' files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from IPython.core.error import UsageError
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC

from mmds_jupyter.errors import InvalidInput
from mmds_jupyter.pmml import PMMLError, load_pmml

NUM = ["mean_radius", "mean_texture", "zip_code"]
COLS = [*NUM, "country"]


@pytest.fixture
def tracked(reg, cancer):
    pre = ColumnTransformer([("num", StandardScaler(), NUM), ("cat", OneHotEncoder(), ["country"])])
    pipe = Pipeline(
        [("pre", pre), ("clf", GradientBoostingClassifier(n_estimators=25, random_state=0))]
    )
    pipe.fit(cancer["X_train"][COLS], cancer["y_train"])
    v = reg.track(
        pipe,
        name="churn",
        project="risk",
        X_train=cancer["X_train"][COLS],
        y_train=cancer["y_train"],
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
        slices=["country"],
    )
    return reg, v, pipe


def test_export_records_the_file_and_an_event(tracked, tmp_path):
    reg, v, pipe = tracked
    out = tmp_path / "churn.pmml"
    data = reg.export_pmml(v.ref, str(out))
    assert out.read_bytes() == data
    doc = load_pmml(data)
    assert doc.version == "4.4"
    names = [f.get("name") for f in doc.data_dictionary.iter("DataField")]
    assert set(COLS) <= set(names)
    files = reg.store.versions.version_files(v.id)
    # the baseline and the test predictions came with it
    assert [f["kind"] for f in files] == ["baseline", "predictions", "test_inputs", "pmml"]
    assert reg.artifacts.get(files[3]["artifact_sha256"]) == data
    event = reg.events(action="version.export_pmml").iloc[0]
    assert event["object_ref"] == v.ref and event["after"]["path"] == str(out)


def test_import_scores_compares_and_tests_like_any_version(tracked, tmp_path, cancer):
    reg, v, pipe = tracked
    path = tmp_path / "partner.pmml"
    reg.export_pmml(v.ref, str(path))
    imported = reg.import_pmml(
        str(path),
        "partner",
        "risk",
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
        slices=["country"],
    )
    assert imported.framework == "pmml" and imported.estimator_class == "pmml.MiningModel"
    assert imported.task == "binary"
    assert imported.metric("roc_auc") == pytest.approx(v.metric("roc_auc"), abs=1e-12)
    assert imported.metric("accuracy", "country=US") == pytest.approx(
        v.metric("accuracy", "country=US")
    )
    contract = reg.contract(imported.ref)
    assert [i.name for i in contract.inputs] == COLS
    assert contract.input("country").categories == ["DE", "FR", "US"]
    batch = cancer["X_test"][COLS].reset_index(drop=True).assign(cid=range(len(cancer["X_test"])))
    ours = reg.score(v.ref, batch, key="cid").outputs
    reg.set_stage(imported.ref, "production")
    theirs = reg.score(imported.ref, batch, mode="production", key="cid").outputs
    np.testing.assert_allclose(theirs["probability(1)"], ours["probability(1)"], atol=1e-9)
    assert (theirs["prediction"] == ours["prediction"]).all()
    cmp = reg.compare(v.ref, imported.ref).to_frame()
    assert not cmp.loc[("metrics", "roc_auc"), "differs"]
    assert cmp.loc[("model", "estimator"), "differs"]
    reg.create_scoring_test(
        imported.ref, batch.iloc[:20], ours.iloc[:20], key="cid", tolerance=1e-9
    )
    assert [r["passed"] for r in reg.run_scoring_tests(imported.ref)] == [True]
    bad = batch.assign(country="XX")
    with pytest.raises(InvalidInput, match="unknown categories"):
        reg.score(imported.ref, bad, key="cid", policy="reject")
    assert (reg.score(imported.ref, bad, key="cid").outputs["mmds_flags"] == "country").all()


def test_import_refuses_bad_files_and_export_names_the_step(reg, cancer, tmp_path):
    xxe = tmp_path / "xxe.pmml"
    xxe.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">&e;</PMML>'
    )
    with pytest.raises(PMMLError):
        reg.import_pmml(str(xxe), "evil")
    with pytest.raises(InvalidInput, match="does not exist"):
        reg.import_pmml(str(tmp_path / "nope.pmml"), "x")
    assert reg.find().empty
    svc = SVC().fit(cancer["X_train"][NUM], cancer["y_train"])
    v = reg.track(svc, name="svc")
    with pytest.raises(InvalidInput, match="SVC"):
        reg.export_pmml(v.ref, str(tmp_path / "svc.pmml"))
    assert not (tmp_path / "svc.pmml").exists()
    assert reg.store.versions.version_files(v.id) == []


def test_cli_and_magics(tracked, tmp_path, cancer):
    reg, v, _ = tracked
    env = {**os.environ, "MMDS_URL": reg.url, "MMDS_HOME": reg.home}
    out = tmp_path / "cli.pmml"
    proc = subprocess.run(
        [sys.executable, "-m", "mmds_jupyter.cli", "pmml", "export", v.ref, "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mmds_jupyter.cli",
            "pmml",
            "import",
            str(out),
            "--name",
            "from_cli",
            "--project",
            "risk",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["framework"] == "pmml"

    from IPython.core.interactiveshell import InteractiveShell

    import mmds_jupyter

    mmds_jupyter.connect(url=reg.url, home=reg.home)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mmds_jupyter")
    ip.user_ns.update(X_test=cancer["X_test"], y_test=cancer["y_test"])
    path = tmp_path / "magic.pmml"
    ip.run_line_magic("mmds", f"export-pmml {v.ref} {path}")
    got = ip.run_line_magic(
        "mmds", f"import-pmml {path} --name from_magic --project risk --test X_test y_test"
    )
    assert got.ref == "risk/from_magic:1" and got.metric("roc_auc") is not None
    with pytest.raises(UsageError, match="does not exist"):
        ip.run_line_magic("mmds", f"import-pmml {tmp_path / 'missing.pmml'} --name m")
    ip.reset()
    mmds_jupyter.default_registry().close()


BROKEN = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">&e;</PMML>'
)


def test_pmml_refusals_are_mmds_errors_in_every_front_end(reg, tmp_path, capsys):
    """A refused PMML file is one clear message: an MMDSError in Python, a UsageError in the
    magic, one line on the CLI's stderr (400 over REST: tests/server/test_pmml_errors.py)."""
    from mmds_jupyter.cli import main
    from mmds_jupyter.errors import MMDSError

    bad = tmp_path / "xxe.pmml"
    bad.write_text(BROKEN)
    with pytest.raises(MMDSError, match="DTD or entities") as info:
        reg.import_pmml(str(bad), "evil")
    assert isinstance(info.value, PMMLError) and info.value.http_status == 400

    os.environ["MMDS_URL"], os.environ["MMDS_HOME"] = reg.url, reg.home
    try:
        code = main(["pmml", "import", str(bad), "--name", "evil"])
    finally:
        del os.environ["MMDS_URL"], os.environ["MMDS_HOME"]
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("mmds: error: The PMML document declares a DTD")
    assert err.count("\n") == 1 and "Traceback" not in err

    from IPython.core.interactiveshell import InteractiveShell

    import mmds_jupyter

    mmds_jupyter.connect(url=reg.url, home=reg.home)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mmds_jupyter")
    try:
        with pytest.raises(UsageError, match="DTD or entities"):
            ip.run_line_magic("mmds", f"import-pmml {bad} --name evil")
    finally:
        ip.reset()
        mmds_jupyter.default_registry().close()
    assert reg.find().empty


def test_scoring_an_imported_classifier_evaluates_the_document_once(tracked, cancer, monkeypatch):
    from mmds_jupyter.pmml import PMMLEvaluator

    reg, v, pipe = tracked
    imported = reg.import_pmml(reg.export_pmml(v.ref), "churn_pmml", "risk")
    calls = []
    evaluate = PMMLEvaluator.predict

    def counted(self, df):
        calls.append(len(df))
        return evaluate(self, df)

    monkeypatch.setattr(PMMLEvaluator, "predict", counted)
    X = cancer["X_test"][COLS]
    result = reg.score(imported.ref, X)
    assert calls == [len(X)]
    np.testing.assert_array_equal(result.outputs["prediction"].to_numpy(), pipe.predict(X))
    np.testing.assert_allclose(
        result.outputs[["probability(0)", "probability(1)"]].to_numpy(),
        pipe.predict_proba(X),
        atol=1e-9,
    )


def test_scoring_an_imported_model_hands_the_checked_text_codes_to_the_evaluator(
    tracked, cancer, monkeypatch
):
    """The contract check factorizes text inputs; the evaluator reuses those codes instead of
    converting and factorizing the text again, with the same outputs, flagged rows included."""
    from mmds_jupyter.pmml.evaluate import evaluator, frame

    reg, v, _ = tracked
    imported = reg.import_pmml(reg.export_pmml(v.ref), "churn_pmml", "risk")
    X = cancer["X_test"][COLS].reset_index(drop=True)
    X.loc[0, "country"] = None  # missing
    X.loc[1, "country"] = "XX"  # unknown category: flagged, still scored
    expected = reg.scoring_model(imported).evaluator.predict(X)
    reg.set_stage(imported.ref, "production")
    converted = []
    monkeypatch.setattr(
        evaluator,
        "to_string_column",
        lambda s: converted.append(s.name) or frame.to_string_column(s),
    )
    result = reg.score(imported.ref, X, mode="production")
    assert converted == []
    assert result.outputs["mmds_flags"].tolist()[1:3] == ["country", ""]
    np.testing.assert_array_equal(
        result.outputs[["probability(0)", "probability(1)"]].to_numpy(),
        expected[["probability(0)", "probability(1)"]].to_numpy(),
    )
    np.testing.assert_array_equal(
        result.outputs["prediction"].to_numpy(dtype=float),
        expected.iloc[:, 0].to_numpy(dtype=float),
    )
