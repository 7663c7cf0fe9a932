"""Hand-written files after the PMML 4.4 specification's examples: every declared output
agrees with JPMML-Evaluator (and with pypmml where pypmml is right).

Where the two references disagree, the test says which one MMDS follows and why.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jpmml_reference import assert_declared_outputs_agree, score_jpmml
from pmml_helpers import score_pypmml

from mmds_jupyter.pmml import PMMLEvaluator, PMMLFallbackWarning, describe, load_pmml

SPEC = Path(__file__).parent / "files" / "spec"
N = 600


def _pick(rng: np.random.Generator, values: list[str | None], n: int) -> pd.Series:
    return pd.Series(rng.choice(np.array(values, dtype=object), n), dtype=object)


def _with_missing(rng: np.random.Generator, df: pd.DataFrame, share: float) -> pd.DataFrame:
    for column in df.columns:
        df.loc[rng.random(len(df)) < share, column] = None if df[column].dtype == object else np.nan
    return df


def drugs(rng: np.random.Generator, n: int) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "BP": _pick(rng, ["HIGH", "LOW", "NORMAL"], n),
            "K": rng.uniform(0.02, 0.08, n),
            "Age": rng.uniform(15, 75, n).round(),
            "Na": rng.uniform(0.5, 0.9, n),
            "Cholesterol": _pick(rng, ["NORMAL", "HIGH"], n),
        }
    )
    return _with_missing(rng, df, 0.05)


def xor(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({"x1": rng.uniform(-0.5, 1.5, n), "x2": rng.uniform(-0.5, 1.5, n)})


def insurance(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gender": _pick(rng, ["female", "male"], n),
            "no of claims": _pick(rng, ["0", "1", "2", "3", "> 3"], n),
            "domicile": _pick(rng, ["suburban", "urban", "rural"], n),
            "age of car": rng.uniform(0, 12, n),
        }
    )


def claims(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age of individual": rng.uniform(28, 37, n),
            "gender": _pick(rng, ["female", "male"], n),
            "domicile": _pick(rng, ["suburban", "urban", "rural"], n),
        }
    )


def jobs(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "minority": _pick(rng, ["0", "1"], n),
            "sex": _pick(rng, ["0", "1"], n),
            "age": rng.uniform(20, 60, n),
            "work": rng.uniform(0, 10, n),
        }
    )


def survival(rng: np.random.Generator, n: int) -> pd.DataFrame:
    time = rng.uniform(0, 60, n)
    time[:6] = [0, 5, 12, 4.999, 36, 60]  # before the first baseline time, and on them
    return pd.DataFrame(
        {"time": time, "age": rng.uniform(30, 80, n), "treatment": _pick(rng, ["A", "B"], n)}
    )


def scores(rng: np.random.Generator, n: int) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "department": _pick(rng, ["engineering", "marketing", "business"], n),
            "age": rng.integers(10, 60, n).astype(float),
            "income": rng.uniform(0, 4000, n),
        }
    )
    df.loc[:3, "age"] = [18, 29, 39, 40]  # on the bounds
    return _with_missing(rng, df, 0.05)


def people(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "marital status": _pick(rng, ["s", "d", "m"], n),
            "age": rng.uniform(40, 100, n),
            "salary": rng.uniform(38000, 42000, n),
        }
    )


def votes(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x1": rng.uniform(-1, 3, n),
            "x2": rng.uniform(-1, 1, n),
            "c": _pick(rng, ["a", "b", "c"], n),
        }
    )


Data = Callable[[np.random.Generator, int], pd.DataFrame]
# case: (file, placeholders, data, engine that scores it)
CASES: dict[str, tuple[str, dict[str, str], Data, str]] = {
    "ruleset-firstHit": ("ruleset.pmml", {"criterion": "firstHit"}, drugs, "mmds"),
    "ruleset-weightedSum": ("ruleset.pmml", {"criterion": "weightedSum"}, drugs, "mmds"),
    "scorecard": ("scorecard.pmml", {}, scores, "mmds"),
    "svm-rbf": ("svm.pmml", {"kernel": 'RadialBasisKernelType gamma="1.0"'}, xor, "pypmml"),
    "svm-polynomial": (
        "svm.pmml",
        {"kernel": 'PolynomialKernelType gamma="1" coef0="1" degree="2"'},
        xor,
        "pypmml",
    ),
    "svm-linear": ("svm.pmml", {"kernel": "LinearKernelType"}, xor, "pypmml"),
    "neural-network": ("neural_network.pmml", {}, insurance, "mmds"),
    "naive-bayes": ("naive_bayes.pmml", {}, claims, "pypmml"),
    "general-regression": ("general_regression.pmml", {}, jobs, "pypmml"),
    "cox-regression": ("cox_regression.pmml", {}, survival, "mmds"),
    "clustering-kmeans": ("clustering.pmml", {"measure": "squaredEuclidean"}, people, "pypmml"),
    "clustering-hierarchical": ("clustering.pmml", {"measure": "euclidean"}, people, "pypmml"),
    "majority-vote-weighted": (
        "majority_vote.pmml",
        {"method": "weightedMajorityVote"},
        votes,
        "mmds",
    ),
}


def document(case: str) -> str:
    file, placeholders, _, _ = CASES[case]
    text = (SPEC / file).read_text()
    for key, value in placeholders.items():
        text = text.replace("{" + key + "}", value)
    return text


def evaluator(text: str) -> PMMLEvaluator:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PMMLFallbackWarning)
        return PMMLEvaluator(load_pmml(text))


def declared(text: str) -> list[str]:
    return [o["name"] for o in describe(load_pmml(text))["outputs"]]


@pytest.fixture(scope="module")
def scored() -> dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """Each case's inputs, MMDS's outputs and JPMML-Evaluator's, computed once per module
    (JPMML-Evaluator's JVM starts once)."""
    results = {}
    for i, (case, (_, _, data, _)) in enumerate(CASES.items()):
        df = data(np.random.default_rng(i), N)
        text = document(case)
        results[case] = (df, evaluator(text).predict(df), score_jpmml(text, df))
    return results


@pytest.mark.parametrize("case", list(CASES))
def test_every_declared_output_agrees_with_jpmml(case: str, scored: dict) -> None:
    df, ours, reference = scored[case]
    names = declared(document(case))
    assert "errors" not in reference.columns or reference["errors"].isna().all()
    assert_declared_outputs_agree(ours, reference, names)
    assert evaluator(document(case)).engine == CASES[case][3]


# Declared outputs pypmml leaves empty, against the specification; JPMML-Evaluator and MMDS
# give them (the rule's id is the entityId of a rule set, PMML 4.4 "Output").
PYPMML_LACKS = {"ruleset.pmml": {"Rule_Id"}}
# Where pypmml answers wrongly (the test of the case says how), only JPMML-Evaluator is compared.
PYPMML_WRONG = {"scorecard", "neural-network", "cox-regression"}


@pytest.mark.parametrize("case", [c for c in CASES if c not in PYPMML_WRONG])
def test_pypmml_agrees_too(case: str, scored: dict, pypmml_available: None) -> None:
    df, ours, _ = scored[case]
    text = document(case)
    names = [n for n in declared(text) if n not in PYPMML_LACKS.get(CASES[case][0], set())]
    assert_declared_outputs_agree(ours, score_pypmml(text, df), names, who="pypmml")


def test_scorecard_reason_codes_follow_the_specification(pypmml_available: None) -> None:
    """pointsBelow: a code's points are its characteristic's baseline minus the row's partial
    score, codes ranked by points (PMML 4.4, Scorecard). pypmml repeats one code in every rank
    and drops the ranks where points are zero; MMDS follows the specification, as
    JPMML-Evaluator does (ties in the order of the Characteristics)."""
    text = document("scorecard")
    df = pd.DataFrame(
        {
            "department": ["business", "marketing", None],
            "age": [50.0, 55.0, 18.0],
            "income": [3740.0, 10.0, 2174.0],
        }
    )
    ours = evaluator(text).predict(df)
    # business: 19-6=13 (RC1); age 50: 18-18=0 (RC2); income 3740: 10-(-3)=13 (RC3).
    assert ours.iloc[0, 1:].tolist() == ["RC1", "RC3", "RC2"]
    # marketing 0 (RC1), age 55: 0 (RC2), income 10: 10-26 < 0 (dropped).
    assert ours.iloc[1, 1:3].tolist() == ["RC1", "RC2"] and pd.isna(ours.iloc[1, 3])
    assert ours["Final Score"].tolist() == [21.0, 63.0, -7.0]
    pmml4s = score_pypmml(text, df)
    assert pmml4s.iloc[0, 1:].tolist() != ours.iloc[0, 1:].tolist()
    assert_declared_outputs_agree(ours, score_jpmml(text, df), declared(text))


def test_neural_network_output_bands_take_the_default_value(
    scored: dict, pypmml_available: None
) -> None:
    """A Discretize whose bins miss a value answers its defaultValue (PMML 4.4,
    Transformations). pypmml answers missing there; MMDS follows the specification, as
    JPMML-Evaluator does. The predicted amounts themselves agree with pypmml too."""
    df, ours, jpmml = scored["neural-network"]
    pmml4s = score_pypmml(document("neural-network"), df)
    assert_declared_outputs_agree(ours, pmml4s, ["claims"], who="pypmml")
    high = (ours["claims"] > 3000).to_numpy()
    assert high.any()
    assert (ours["claims_band"][high] == "high").all()
    assert pmml4s["claims_band"][high].isna().all()


def test_cox_regression_is_the_cumulative_hazard_at_the_end_time(
    scored: dict, pypmml_available: None
) -> None:
    """CoxRegression predicts the cumulative hazard at the row's end time: the baseline's
    value of the last BaselineCell at or before it (none before the first: 0) times exp of
    the linear predictor around the reference points (PMML 4.4, GeneralRegressionModel).
    pypmml answers values near 1 even before the first baseline time; MMDS follows the
    specification, as JPMML-Evaluator does."""
    df, ours, _ = scored["cox-regression"]
    before = (df["time"] < 5).to_numpy()
    assert before.any() and (ours["cumulative_hazard"][before] == 0).all()
    assert (ours["survival"][before] == 1).all()
    row = df.iloc[4]  # time 36: baseline 0.42
    linear = 0.035 * (row["age"] - 55) + (-0.45) * ((row["treatment"] == "A") - 0.5)
    assert ours["cumulative_hazard"].iloc[4] == pytest.approx(0.42 * np.exp(linear), rel=1e-12)
    pmml4s = score_pypmml(document("cox-regression"), df)
    assert (pmml4s["cumulative_hazard"][before] > 0.5).all()


def test_rule_set_weighted_max_takes_the_heaviest_rule(pypmml_available: None) -> None:
    """weightedMax: "select the firing rule with the highest weight; its confidence is the
    result's" (PMML 4.4, RuleSetModel). MMDS and pypmml do so. JPMML-Evaluator takes the
    heaviest rule of each score and then the score of highest confidence, which differs where
    a lighter rule is more confident (RULE1, weight 0.6, confidence 0.9, against RULE5, 0.9
    and 0.6): there it answers drugB where the specification says drugX."""
    text = document("ruleset-firstHit").replace('"firstHit"', '"weightedMax"')
    df = drugs(np.random.default_rng(7), N)
    ours = evaluator(text).predict(df)
    assert evaluator(text).engine == "mmds"
    names = ["Predicted_Drug", "Rule_Confidence"]
    assert_declared_outputs_agree(ours, score_pypmml(text, df), names, who="pypmml")
    jpmml = score_jpmml(text, df)
    differ = (ours["Predicted_Drug"] != jpmml["Predicted_Drug"]).to_numpy()
    assert differ.any() and (~differ).any()
    assert_declared_outputs_agree(ours, jpmml, [*names, "Rule_Id"], rows=~differ)
    assert (ours["Rule_Id"][differ] == "RULE5").all()
    assert (jpmml["Rule_Confidence"][differ] > ours["Rule_Confidence"][differ]).all()


def test_majority_vote_ties_go_to_the_first_declared_class(scored: dict) -> None:
    """The specification says the class with most votes wins and leaves ties open. MMDS (like
    pypmml) gives a tie to the class declared first in the target's DataField, an order every
    producer writes; JPMML-Evaluator gives it to the first segment's vote. Without ties
    (weighted votes of distinct weights above) all three agree; with ties, the rows where
    JPMML-Evaluator differs are the tied ones and there MMDS agrees with pypmml."""
    text = document("majority-vote-weighted").replace('"weightedMajorityVote"', '"majorityVote"')
    df = votes(np.random.default_rng(99), N)
    ours = evaluator(text).predict(df)
    jpmml = score_jpmml(text, df)
    pmml4s = score_pypmml(text, df)
    segment_votes = np.column_stack(
        [_segment(text, i).predict(df)["Predicted_label"].to_numpy() for i in range(3)]
    )
    tied = np.array([len(set(row)) == 3 for row in segment_votes])
    assert tied.any() and (~tied).any()
    assert_declared_outputs_agree(ours, jpmml, ["Predicted_label"], rows=~tied)
    assert_declared_outputs_agree(ours, pmml4s, ["Predicted_label"], who="pypmml")
    assert (ours["Predicted_label"].to_numpy()[tied] == "a").all()


def _segment(text: str, index: int) -> PMMLEvaluator:
    """The vote's segment ``index`` alone (selectFirst of that one segment)."""
    head, rest = text.split("<Segmentation", 1)
    segments = rest.split("<Segment ")[1:]
    alone = "<Segment " + segments[index].split("</Segment>")[0] + "</Segment>"
    return evaluator(
        f'{head}<Segmentation multipleModelMethod="selectFirst">{alone}'
        "</Segmentation></MiningModel></PMML>"
    )


ITEMS = ["Cracker", "Coke", "Water", "Bread", "Milk"]  # Milk is in no rule


def baskets(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Transactional data as in the specification's example: one row per item bought."""
    rows = [
        (f"T{t}", str(item))  # plain str: JPMML-Evaluator refuses numpy's
        for t in range(n)
        for item in rng.choice(ITEMS, rng.integers(1, 5), replace=False)
    ]
    rows += [("T-empty", None), (None, "Coke")]  # a basket of nothing; an item of no basket
    return pd.DataFrame(rows, columns=["transaction", "item"], dtype=object)


def _jpmml_per_row(text: str, df: pd.DataFrame) -> pd.DataFrame:
    """JPMML-Evaluator takes a transaction as one row whose item field is the list of its
    items; its answers go back to every row of the transaction, itemsets and multi-valued
    fields as MMDS writes them (items joined by ",", values by "; "). JPMML-Evaluator answers
    an itemset as a list; the fields declare dataType="string", so MMDS writes the text of it,
    items joined as in JPMML-Evaluator's own ``rule`` text ``{Cracker,Coke}->{Water}``."""
    known = df.dropna(subset=["transaction"])
    groups = known.groupby("transaction", sort=False)["item"].agg(
        lambda s: [v for v in s if v is not None]
    )
    answers = score_jpmml(text, pd.DataFrame({"item": pd.Series(list(groups), dtype=object)}))
    multi = {"Top_2_Ids"}
    for column in answers.columns:
        sep = "; " if column in multi else ","
        answers[column] = [
            (sep.join(map(str, v)) or None) if isinstance(v, list) else v for v in answers[column]
        ]
    answers.index = groups.index
    rows = answers.reindex(df["transaction"].fillna("<none>"))
    return rows.reset_index(drop=True).set_axis(df.index)


def test_association_rules_agree_with_jpmml() -> None:
    """Every ruleValue the document declares (consequent, antecedent, rule, ruleId,
    confidence, support, lift; recommendation, exclusiveRecommendation, ruleAssociation;
    ranks, rankBasis, isMultiValued) equals JPMML-Evaluator's for every transaction, and
    every row of a transaction carries its transaction's answers. pypmml cannot be compared:
    it has no AssociationModel (next test)."""
    text = (SPEC / "association_rules.pmml").read_text()
    df = baskets(np.random.default_rng(18), N)
    scorer = evaluator(text)
    assert scorer.engine == "mmds"
    ours = scorer.predict(df)
    reference = _jpmml_per_row(text, df)
    assert "errors" not in reference.columns or reference["errors"].isna().all()
    known = df["transaction"].notna().to_numpy()
    assert_declared_outputs_agree(ours, reference, declared(text), rows=known)
    assert ours.loc[~known, declared(text)].isna().all().all()  # no basket, no answer
    # Transactions of every kind are in the sample: each algorithm selects and misses rules.
    for name in ("Recommendation", "Exclusive", "Association", "Top_2_Ids"):
        assert ours[name][known].notna().any() and ours[name][known].isna().any()
    assert set(ours["Rule_Id"].dropna()) == {"R1", "R2", "R3", "R5", "R6"}


def test_pypmml_has_no_association_model(pypmml_available: None) -> None:
    """pypmml (pmml4s) loads an AssociationModel but cannot score it ("an implementation is
    missing"), whatever the input's shape: MMDS scores association rules itself."""
    text = (SPEC / "association_rules.pmml").read_text()
    with pytest.raises(Exception, match="implementation is missing"):
        score_pypmml(text, baskets(np.random.default_rng(0), 3))
