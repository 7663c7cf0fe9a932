"""Rows per second scoring PMML with MMDS's numpy evaluator, pypmml and native scikit-learn.

Run: python bench/pmml.py [--rows N]   (default 1,000,000 rows)

A second table scores models from other tools (the PMML 4.4 examples of a RuleSetModel and a
Scorecard with reason codes, tests/pmml/files/spec/) against pypmml and JPMML-Evaluator
(jpmml_evaluator, in bench/requirements.txt), both timed on a subsample after a warm-up call.

pypmml (the JVM pmml4s engine) scores about 10^4 rows/s, so it is timed on a subsample and
its rows/s extrapolated; the output says how many rows it scored. As pypmml's JVM is started
outside its timing, MMDS's first call (which loads numba's compiled tree kernel, compiling it
if no cache exists yet) is made and reported before the timed calls.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mmds_jupyter.pmml import PMMLEvaluator, load_pmml, to_pmml

SPEC = Path(__file__).resolve().parent.parent / "tests" / "pmml" / "files" / "spec"
JVM_ROWS = 20_000

N_FEATURES = 20
TRAIN_ROWS = 5_000
PYPMML_ROWS = 20_000
WARM_ROWS = 200_000


def make_data(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A binary problem with 20 numeric columns and one informative categorical column."""
    X, y = make_classification(
        n_samples=rows, n_features=N_FEATURES, n_informative=8, random_state=seed, flip_y=0.05
    )
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(N_FEATURES)])
    df["region"] = np.array(["north", "south", "east", "west"], dtype=object)[
        np.digitize(X[:, 0], [-1.0, 0.0, 1.0])
    ]
    return df, y


def models() -> dict[str, Any]:
    """The three benchmark models."""
    numeric = [f"x{i}" for i in range(N_FEATURES)]
    lr = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [("num", StandardScaler(), numeric), ("cat", OneHotEncoder(), ["region"])]
                ),
            ),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    )
    forest = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [("num", "passthrough", numeric), ("cat", OneHotEncoder(), ["region"])]
                ),
            ),
            ("model", RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1)),
        ]
    )
    boosting = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [("num", "passthrough", numeric), ("cat", OneHotEncoder(), ["region"])]
                ),
            ),
            ("model", GradientBoostingClassifier(n_estimators=100, random_state=0)),
        ]
    )
    return {
        "logistic regression pipeline": lr,
        "random forest, 100 trees": forest,
        "gradient boosting, 100 stages": boosting,
    }


def rate(rows: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """Rows per second of one call (best of two for short runs) and its result."""
    best, result = float("inf"), None
    for _ in range(2):
        start = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        if elapsed > 5:
            break
    return rows / best, result


def main() -> None:
    """Train, export and time the three models."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    train, y = make_data(TRAIN_ROWS, seed=0)
    data, _ = make_data(args.rows, seed=1)
    sample = data.iloc[: min(PYPMML_ROWS, args.rows)]
    from pypmml import Model

    lines = []
    for name, model in models().items():
        model.fit(train, y)
        xml = to_pmml(model, feature_names=list(train.columns), feature_dtypes=dict(train.dtypes))
        evaluator = PMMLEvaluator(load_pmml(xml))
        assert evaluator.engine == "mmds"
        start = time.perf_counter()
        evaluator.predict(data.iloc[:WARM_ROWS])
        first_call = time.perf_counter() - start
        mmds_rate, ours = rate(len(data), lambda e=evaluator: e.predict(data))
        sklearn_rate, proba = rate(len(data), lambda m=model: m.predict_proba(data))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = Model.fromString(xml.decode())
            reference.predict(sample.iloc[:100])  # start the JVM outside the timing
            pypmml_rate, theirs = rate(len(sample), lambda r=reference: r.predict(sample))
        columns = [f"probability({c})" for c in model.classes_]
        err_sklearn = float(np.abs(ours[columns].to_numpy() - proba).max())
        # pypmml's own predict(df) sends inputs as 10-digit JSON, so it differs at ~1e-8.
        err_pypmml = float(
            np.abs(ours[columns].to_numpy()[: len(sample)] - theirs[columns].to_numpy()).max()
        )
        lines.append((name, mmds_rate, pypmml_rate, sklearn_rate, err_sklearn, err_pypmml))
        print(
            f"done: {name} ({len(xml) / 1e6:.1f} MB of PMML; MMDS's first call, "
            f"{min(WARM_ROWS, len(data)):,} rows: {first_call:.2f} s)",
            flush=True,
        )
    print()
    print(f"rows scored: {args.rows:,} (pypmml: the first {len(sample):,}, rows/s extrapolated)")
    header = (
        f"{'model':<32}{'MMDS rows/s':>14}{'pypmml rows/s':>15}{'sklearn rows/s':>16}"
        f"{'MMDS/pypmml':>13}{'MMDS/sklearn':>14}{'max|d| sklearn':>16}{'max|d| pypmml':>15}"
    )
    print(header)
    print("-" * len(header))
    for name, mmds, pypmml, sklearn, e1, e2 in lines:
        print(
            f"{name:<32}{mmds:>14,.0f}{pypmml:>15,.0f}{sklearn:>16,.0f}"
            f"{mmds / pypmml:>12.1f}x{mmds / sklearn:>13.2f}x{e1:>16.1e}{e2:>15.1e}"
        )
    print("MMDS/pypmml above 1 means MMDS is faster; MMDS/sklearn below 1 means sklearn is faster.")
    other_tools(args.rows)


def other_tools_inputs(rows: int, seed: int) -> dict[str, tuple[str, pd.DataFrame]]:
    """The imported documents of the second table and inputs for them."""
    rng = np.random.default_rng(seed)

    def pick(values: list[str]) -> np.ndarray:
        return np.array(values, dtype=object)[rng.integers(0, len(values), rows)]

    drugs = pd.DataFrame(
        {
            "BP": pick(["HIGH", "LOW", "NORMAL"]),
            "K": rng.uniform(0.02, 0.08, rows),
            "Age": rng.uniform(15, 75, rows).round(),
            "Na": rng.uniform(0.5, 0.9, rows),
            "Cholesterol": pick(["NORMAL", "HIGH"]),
        }
    )
    people = pd.DataFrame(
        {
            "department": pick(["engineering", "marketing", "business"]),
            "age": rng.integers(10, 60, rows).astype(float),
            "income": rng.uniform(0, 4000, rows),
        }
    )
    ruleset = (SPEC / "ruleset.pmml").read_text().replace("{criterion}", "firstHit")
    scorecard = (SPEC / "scorecard.pmml").read_text()
    return {
        "RuleSetModel (firstHit, 5 rules)": (ruleset, drugs),
        "Scorecard, 3 reason codes": (scorecard, people),
    }


def other_tools(rows: int) -> None:
    """Rows/s of MMDS, pypmml and JPMML-Evaluator on documents other tools write."""
    from jpmml_evaluator import make_evaluator
    from pypmml import Model

    lines = []
    for name, (text, data) in other_tools_inputs(rows, seed=2).items():
        evaluator = PMMLEvaluator(load_pmml(text))
        assert evaluator.engine == "mmds"
        evaluator.predict(data.iloc[:1000])
        mmds_rate, ours = rate(len(data), lambda e=evaluator, d=data: e.predict(d))
        sample = data.iloc[: min(JVM_ROWS, rows)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = Model.fromString(text)
            reference.predict(sample.iloc[:100])
            pypmml_rate, _ = rate(len(sample), lambda r=reference, d=sample: r.predict(d))
            jpmml = make_evaluator(text.encode()).verify()
            jpmml.evaluateAll(sample.iloc[:100])
            jpmml_rate, theirs = rate(len(sample), lambda j=jpmml, d=sample: j.evaluateAll(d))
        agree = all(
            np.allclose(ours[c].iloc[: len(sample)], theirs[c], equal_nan=True, atol=1e-6)
            if pd.api.types.is_numeric_dtype(ours[c])
            else (
                ours[c].iloc[: len(sample)].fillna("").astype(str).to_numpy()
                == theirs[c].fillna("").astype(str).to_numpy()
            ).all()
            for c in ours.columns
        )
        lines.append((name, mmds_rate, pypmml_rate, jpmml_rate, agree))
    print()
    print(f"models from other tools: {rows:,} rows (pypmml and JPMML: the first {JVM_ROWS:,})")
    header = (
        f"{'model':<34}{'MMDS rows/s':>14}{'pypmml rows/s':>15}{'JPMML rows/s':>14}"
        f"{'MMDS/pypmml':>13}{'MMDS/JPMML':>12}{'outputs = JPMML':>17}"
    )
    print(header)
    print("-" * len(header))
    for name, mmds, pypmml, jpmml_rate, agree in lines:
        print(
            f"{name:<34}{mmds:>14,.0f}{pypmml:>15,.0f}{jpmml_rate:>14,.0f}"
            f"{mmds / pypmml:>12.1f}x{mmds / jpmml_rate:>11.1f}x{str(agree):>17}"
        )


if __name__ == "__main__":
    main()
