"""Champion/challenger: shadow scoring through @champion, and paired tests checked against
hand-computed and scipy values on small data."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics as m
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.monitoring import paired

from .conftest import label, population, store_batch


def test_delong_agrees_with_a_hand_computation():
    y = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    a = np.array([0.9, 0.8, 0.4, 0.3, 0.2, 0.6, 0.1, 0.7])
    b = np.array([0.6, 0.9, 0.3, 0.5, 0.2, 0.4, 0.1, 0.8])
    auc_a, auc_b, p = paired.delong(y == 1, a, b)
    assert auc_a == pytest.approx(m.roc_auc_score(y, a))
    assert auc_b == pytest.approx(m.roc_auc_score(y, b))
    # DeLong's structural components by their definition: psi(x, y) = 1 if x > y, 1/2 if equal
    pos, neg = y == 1, y == 0

    def components(s):
        psi = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
        return psi.mean(axis=1), psi.mean(axis=0)

    (v10a, v01a), (v10b, v01b) = components(a), components(b)
    s10, s01 = np.cov([v10a, v10b]), np.cov([v01a, v01b])
    cov = s10 / pos.sum() + s01 / neg.sum()
    z = (auc_b - auc_a) / np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert p == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert paired.delong(y == 1, a, a)[2] == 1.0


def test_mcnemar_is_the_exact_binomial_test_of_discordant_rows():
    ca = np.array([1, 1, 1, 1, 0, 0, 1, 1, 1, 0], bool)
    cb = np.array([1, 0, 0, 0, 1, 0, 0, 1, 0, 0], bool)
    only_a, only_b, p = paired.mcnemar(ca, cb)
    assert (only_a, only_b) == (5, 1)
    assert p == pytest.approx(stats.binomtest(1, 6, 0.5).pvalue)
    assert p == pytest.approx(2 * (1 + 6) / 64)  # 2 * P(X <= 1), X ~ Bin(6, 1/2)


def test_paired_bootstrap_resamples_the_same_rows_for_both():
    rng = np.random.default_rng(1)
    err_a, err_b = rng.normal(1.0, 0.1, 200), rng.normal(0.5, 0.1, 200)
    observed, low, high, p = paired.paired_bootstrap(
        lambda i: err_b[i].mean() - err_a[i].mean(), 200, n_boot=500, seed=3
    )
    assert observed == pytest.approx(err_b.mean() - err_a.mean())
    again = np.random.default_rng(3)
    diffs = [
        err_b[i].mean() - err_a[i].mean() for i in (again.integers(0, 200, 200) for _ in range(500))
    ]
    assert (low, high) == pytest.approx(tuple(np.percentile(diffs, [2.5, 97.5])))
    assert low < observed < high < 0 and p == 0.0


def test_challenger_scores_in_the_shadow_and_the_comparison_says_who_wins(monitored):
    reg = monitored
    X, y = population(2000, 7)
    weak = LogisticRegression().fit(X[["x2"]].assign(x1=0.0)[["x1", "x2"]], y)  # ignores x1
    c = reg.track(weak, name="churn", project="risk", X_train=X[["x1", "x2"]], y_train=y)
    reg.alias(reg.set_stage(c.ref, "validation").ref, "challenger")

    Xb, yb, sid = store_batch(reg, 0, 800)
    returned = reg.load_scores(sid)
    sets = reg.scores("risk/churn")
    assert sorted(sets["mode"]) == ["production", "shadow"]
    shadow = sets[sets["mode"] == "shadow"].iloc[0]
    assert shadow["ref"] == c.ref and shadow["n_rows"] == 800
    assert not np.allclose(reg.load_scores(int(shadow["id"]))["probability(1)"],
                           returned["probability(1)"])  # fmt: skip
    # production scoring of the challenger directly, or through a number, has no shadow
    reg.score("risk/churn:1", Xb.assign(customer_id=Xb["customer_id"] + 10**6),
              mode="production", key="customer_id")  # fmt: skip
    assert (reg.scores("risk/churn")["mode"] == "shadow").sum() == 1

    before = reg.champion_challenger("risk/churn")
    assert before["rows"] == 0 and "no labelled rows" in before["verdict"]
    label(reg, Xb, yb)
    result = reg.champion_challenger("risk/churn")
    assert result["rows"] == 800 and result["champion"] == "risk/churn:1"
    auc, acc = result["metrics"]
    assert (auc["metric"], auc["test"], acc["test"]) == ("roc_auc", "DeLong", "McNemar")
    assert auc["better"] == "champion" and auc["p_value"] < 1e-6
    assert auc["champion"] == pytest.approx(m.roc_auc_score(yb, returned["probability(1)"]))
    assert result["verdict"].startswith("the champion is better on roc_auc")
    # swapping the roles swaps the answer
    swapped = reg.champion_challenger("risk/churn", champion="challenger", challenger="champion")
    assert swapped["metrics"][0]["better"] == "challenger"


def test_regression_uses_the_paired_bootstrap(tmp_path):
    from sklearn.linear_model import LinearRegression

    from mmds_jupyter.registry import Registry

    reg = Registry(url=f"sqlite:///{tmp_path / 'r.db'}", home=str(tmp_path / "h"), actor="maya")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 2)), columns=["a", "b"])
    y = 3 * X["a"] + rng.normal(size=300)
    good = reg.track(LinearRegression().fit(X, y), name="price", X_train=X, y_train=y)
    Xbad = X.assign(a=0.0)
    bad = reg.track(LinearRegression().fit(Xbad, y), name="price", X_train=Xbad, y_train=y)
    reg.alias(reg.set_stage(good.ref, "production").ref, "champion")
    reg.alias(reg.set_stage(bad.ref, "validation").ref, "challenger")
    reg.score("price@champion", X.assign(id=range(300)), mode="production", key="id")
    reg.add_actuals("price", pd.DataFrame({"id": range(300), "y": y}), "id", "y")
    result = reg.champion_challenger("price")
    rmse = result["metrics"][0]
    assert rmse["test"] == "paired bootstrap" and rmse["better"] == "champion"
    assert rmse["ci_low"] <= rmse["difference"] <= rmse["ci_high"] and rmse["ci_low"] > 0
    reg.close()


def test_cli_compares_champion_and_challenger(monitored, capsys, monkeypatch):

    from mmds_jupyter import cli

    reg = monitored
    monkeypatch.setenv("MMDS_URL", reg.url)
    monkeypatch.setenv("MMDS_HOME", reg.home)
    assert cli.main(["champion-challenger", "risk/churn", "--json"]) != 0
    assert "challenger" in capsys.readouterr().err  # no challenger alias yet: one clear error
    assert cli.main(["champion-challenger", "risk/churn", "--challenger", "1"]) != 0
    assert "same version" in capsys.readouterr().err
