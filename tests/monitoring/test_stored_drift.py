"""The baseline frozen with a version at capture, and the drift stored with production score
sets, driven through the Python API and the CLI as a user would."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from mmds_jupyter import cli
from mmds_jupyter.errors import InvalidInput, NotFound
from mmds_jupyter.monitoring import drift

NUM = ["mean_radius", "mean_texture", "mean_perimeter", "mean_area"]


@pytest.fixture
def churn(reg, cancer):
    cols = [*NUM, "zip_code"]
    model = RandomForestClassifier(20, random_state=0).fit(
        cancer["X_train"][cols], cancer["y_train"]
    )
    v = reg.track(
        model,
        name="churn",
        project="risk",
        X_train=cancer["X_train"][cols],
        y_train=cancer["y_train"],
        X_test=cancer["X_test"][cols],
        y_test=cancer["y_test"],
    )
    return reg, reg.set_stage(v.ref, "production"), cols


def _batch(cancer, cols, n=3000, shift=0.0, seed=0):
    """Production-sized rows resampled from the training data, ``mean_texture`` shifted."""
    rows = cancer["X_train"][cols].sample(n, replace=True, random_state=seed)
    rows = rows.reset_index(drop=True)
    rows["mean_texture"] = rows["mean_texture"] + shift
    rows.insert(0, "customer_id", np.arange(seed * 10**6, seed * 10**6 + n))
    return rows


def test_the_baseline_is_frozen_with_the_version_at_capture(churn, cancer):
    reg, v, cols = churn
    base = reg.baseline(v.ref)
    assert base["source"] == "train" and base["n_rows"] == len(cancer["X_train"])
    assert list(base["columns"]) == [*cols, "probability(1)"]
    radius = base["columns"]["mean_radius"]
    assert radius["role"] == "input" and len(radius["edges"]) == 11
    assert sum(radius["counts"]) == len(cancer["X_train"]) and radius["counts"][-2:] == [0, 0]
    assert radius["edges"][0] == cancer["X_train"]["mean_radius"].min()
    assert radius["edges"][-1] == cancer["X_train"]["mean_radius"].max()
    score = base["columns"]["probability(1)"]
    assert score["role"] == "score" and score["kind"] == "numeric"
    # a content-addressed file of the version, written with it
    files = reg.store.versions.version_files(v.id)
    assert [f["kind"] for f in files] == [
        "baseline",
        "predictions",
        "test_inputs",
    ]  # and its test predictions
    assert json.loads(reg.artifacts.get(files[0]["artifact_sha256"])) == base


def test_categorical_inputs_keep_their_top_twenty_other_and_missing(reg):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=600), "shop": rng.integers(0, 30, 600)})
    X["shop"] = "s" + X["shop"].astype(str)
    X.loc[:9, "shop"] = None
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    pre = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), ["shop"])], remainder="passthrough"
    )
    y = (X["x"] > 0).astype(int)
    model = Pipeline([("pre", pre), ("rf", RandomForestClassifier(5, random_state=0))])
    v = reg.track(model.fit(X.fillna("?"), y), name="shops", X_test=X.fillna("?"), y_test=y)
    shop = reg.baseline(v.ref)["columns"]["shop"]
    assert shop["kind"] == "categorical" and len(shop["categories"]) == 20
    assert len(shop["counts"]) == 22 and sum(shop["counts"]) == 600
    assert reg.baseline(v.ref)["source"] == "test"


def test_a_regressor_s_score_is_its_prediction(reg, diabetes):
    model = RandomForestRegressor(10, random_state=0).fit(diabetes["X_train"], diabetes["y_train"])
    v = reg.track(model, name="cost", X_train=diabetes["X_train"], y_train=diabetes["y_train"])
    col = reg.baseline(v.ref)["columns"]["prediction"]
    assert col["role"] == "score" and col["kind"] == "numeric"


def test_a_version_without_data_has_no_baseline(reg, cancer):
    model = RandomForestClassifier(5, random_state=0).fit(cancer["X_train"][NUM], cancer["y_train"])
    v = reg.track(model, name="bare")
    with pytest.raises(NotFound, match="no drift baseline.*X_train"):
        reg.baseline(v.ref)
    with pytest.raises(NotFound, match="no drift baseline"):
        reg.drift(v.ref, cancer["X_test"][NUM])


def test_storing_a_production_score_set_stores_its_drift(churn, cancer):
    reg, v, cols = churn
    steady = reg.score(v.ref, _batch(cancer, cols, seed=1), mode="production", key="customer_id")
    moved = reg.score(
        v.ref, _batch(cancer, cols, shift=8.0, seed=2), mode="production", key="customer_id"
    )
    assert steady.drift.drifting == [] and steady.drift.share_drifting == 0.0
    assert moved.drift.drifting[0] == "mean_texture"
    assert moved.drift.score_set_id == moved.score_set_id
    score_row = next(r for r in moved.drift.columns if r["role"] == "score")
    assert score_row["column"] == "probability(1)" and score_row["rows"] == 3000
    # read back later: the same report, from the score set's record
    again = reg.drift(v.ref, score_set=moved.score_set_id)
    assert again.to_dict() == moved.drift.to_dict()
    listed = reg.scores(v.ref).set_index("id")
    assert listed.loc[moved.score_set_id, "drift_sha256"]
    # a stricter minimum is recomputed from the stored counts and sample, not from rows
    strict = reg.drift("risk/churn", score_set=moved.score_set_id, min_rows=10_000)
    assert strict.verdict == drift.NOT_ENOUGH
    other = reg.track(
        RandomForestClassifier(2).fit([[0], [1]], [0, 1]), name="other", project="risk"
    )
    with pytest.raises(InvalidInput, match="stored by risk/churn:1"):
        reg.drift(other.ref, score_set=moved.score_set_id)


def test_on_demand_drift_of_any_frame_agrees_with_the_stored_one(churn, cancer):
    reg, v, cols = churn
    batch = _batch(cancer, cols, shift=8.0, seed=2)
    result = reg.score(v.ref, batch, mode="production", key="customer_id")
    on_demand = reg.drift(v.ref, batch)  # no score columns: the inputs only
    assert [r["column"] for r in on_demand.columns] == cols
    scored = batch.join(reg.load_scores(result.score_set_id)[["probability(1)"]])
    assert reg.drift(v.ref, scored).columns == result.drift.columns
    with pytest.raises(InvalidInput, match="not both and not neither"):
        reg.drift(v.ref)


def test_too_few_production_rows_store_not_enough_data(churn, cancer):
    reg, v, cols = churn
    small = reg.score(
        v.ref, _batch(cancer, cols, n=40, shift=8.0, seed=3), mode="production", key="customer_id"
    )
    assert small.drift.verdict == drift.NOT_ENOUGH and small.drift.drifting == []


def test_pmml_import_with_test_data_gets_a_baseline(churn, cancer, tmp_path):
    reg, v, cols = churn
    path = tmp_path / "partner.pmml"
    reg.export_pmml(v.ref, str(path))
    imported = reg.import_pmml(
        str(path), "partner", "risk", X_test=cancer["X_test"][cols], y_test=cancer["y_test"]
    )
    base = reg.baseline(imported.ref)
    assert base["source"] == "test" and base["n_rows"] == len(cancer["X_test"])
    assert list(base["columns"]) == [*cols, "probability(1)"]
    # the score's reference is the imported model's own score on the test data
    mine = reg.baseline(v.ref)["columns"]["probability(1)"]
    assert base["columns"]["probability(1)"]["edges"] != mine["edges"]
    report = reg.drift(imported.ref, cancer["X_test"][cols])
    assert report.drifting == []


def test_cli_drift_of_a_file_and_of_a_score_set(churn, cancer, tmp_path, capsys, monkeypatch):
    reg, v, cols = churn
    monkeypatch.setenv("MMDS_URL", reg.url)
    monkeypatch.setenv("MMDS_HOME", reg.home)
    data = tmp_path / "batch.parquet"
    _batch(cancer, cols, shift=8.0, seed=4).to_parquet(data)
    assert cli.main(["drift", "risk/churn:1", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "mean_texture" in out and "drift" in out
    stored = reg.score(v.ref, pd.read_parquet(data), mode="production", key="customer_id")
    assert cli.main(["drift", "risk/churn", "--score-set", str(stored.score_set_id), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["score_set_id"] == stored.score_set_id and "mean_texture" in [
        c["column"] for c in doc["columns"] if c["drift"]
    ]
    assert cli.main(["drift", "risk/churn:1"]) != 0
    assert "not both and not neither" in capsys.readouterr().err
