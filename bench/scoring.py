"""Benchmark: production scoring with MMDS vs bare scikit-learn + Parquet, same data, same run.

MMDS: ``Registry.score(ref, frame, mode="production", key="customer_id")`` — the contract
check (types, nulls, ranges, categories), ``predict_proba``, the input fingerprint and
statistics, the Parquet file in the artifact store and the score-set record.
Peer: ``model.predict_proba(X)`` plus ``DataFrame.to_parquet`` of the same outputs.
Then each model exported to PMML and imported again: MMDS's ``Registry.score`` of the imported
version vs the bare PMML evaluator (``PMMLEvaluator.predict``) on the same rows.

    python bench/scoring.py                 # 1,000,000 rows
    python bench/scoring.py --rows 50000    # smoke test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "example_notebooks"))
from churn_data import make_customers  # noqa: E402

from mmds_jupyter.registry import Registry  # noqa: E402

TARGET_OVERHEAD = 0.30
TARGET_PMML_RATIO = 1.5
NUMERIC = ["tenure", "monthly_charges", "support_calls", "age"]


def models() -> dict[str, Pipeline]:
    def pipe(model: object) -> Pipeline:
        pre = ColumnTransformer(
            [
                ("num", StandardScaler(), NUMERIC),
                ("cat", OneHotEncoder(handle_unknown="ignore"), ["contract", "country"]),
            ]
        )
        return Pipeline([("pre", pre), ("model", model)])

    return {
        "logistic-regression pipeline": pipe(LogisticRegression(max_iter=2000)),
        "random forest (100 trees, depth 10)": pipe(
            RandomForestClassifier(n_estimators=100, max_depth=10, random_state=0, n_jobs=1)
        ),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args(argv)
    train = make_customers(20_000, seed=0)
    y = train.pop("churned")
    features = [*NUMERIC, "contract", "country"]
    batch = make_customers(args.rows, seed=1)[features]
    batch.insert(0, "customer_id", np.arange(args.rows))
    print(f"Scoring {args.rows:,} rows, median of {args.reps} runs each, interleaved.\n")
    print(f"{'model':<38}{'peer rows/s':>14}{'MMDS rows/s':>14}{'ratio':>8}{'overhead':>10}")
    worst = 0.0
    worst_pmml = 0.0
    fitted = []
    with tempfile.TemporaryDirectory(prefix="mmds-bench-scoring-") as tmp:
        reg = Registry(url=f"sqlite:///{tmp}/mmds.db", home=tmp, actor="bench")
        for label, model in models().items():
            model.fit(train[features], y)
            # The contract's observed domain covers the batch, so nothing is rejected.
            v = reg.track(
                model,
                name=label.split()[0].replace("-", "_"),
                X_train=batch[features],
                y_train=np.zeros(len(batch), dtype=int),
            )
            reg.set_stage(v.ref, "production")  # production scoring takes production versions
            peer, ours = [], []
            for rep in range(args.reps + 1):
                t0 = time.perf_counter()
                proba = model.predict_proba(batch[features])
                out = pd.DataFrame(
                    {
                        "customer_id": batch["customer_id"],
                        "prediction": model.classes_.take(proba.argmax(axis=1)),
                        "probability(0)": proba[:, 0],
                        "probability(1)": proba[:, 1],
                    }
                )
                out.to_parquet(Path(tmp) / "peer.parquet", index=False)
                t1 = time.perf_counter()
                # The same batch each round: each round's score set replaces the last.
                reg.score(v.ref, batch, mode="production", key="customer_id", replace=True)
                t2 = time.perf_counter()
                if rep:  # the first round warms caches for both
                    peer.append(t1 - t0)
                    ours.append(t2 - t1)
            p50, m50 = statistics.median(peer), statistics.median(ours)
            overhead = m50 / p50 - 1
            worst = max(worst, overhead)
            print(
                f"{label:<38}{args.rows / p50:>14,.0f}{args.rows / m50:>14,.0f}"
                f"{m50 / p50:>8.2f}{overhead:>9.0%}"
            )
            fitted.append((label, v))
        print(f"\n{'imported PMML':<38}{'evaluator/s':>14}{'MMDS rows/s':>14}{'ratio':>8}")
        for label, v in fitted:
            imported = reg.import_pmml(reg.export_pmml(v.ref), f"{v.name}_pmml")
            reg.set_stage(imported.ref, "production")
            evaluator = reg.scoring_model(imported).evaluator
            peer, ours = [], []
            for rep in range(args.reps + 1):
                t0 = time.perf_counter()
                evaluator.predict(batch[features])
                t1 = time.perf_counter()
                reg.score(imported.ref, batch, mode="production", key="customer_id", replace=True)
                t2 = time.perf_counter()
                if rep:
                    peer.append(t1 - t0)
                    ours.append(t2 - t1)
            p50, m50 = statistics.median(peer), statistics.median(ours)
            worst_pmml = max(worst_pmml, m50 / p50)
            print(f"{label:<38}{args.rows / p50:>14,.0f}{args.rows / m50:>14,.0f}{m50 / p50:>8.2f}")
        reg.close()
    verdict = "met" if worst <= TARGET_OVERHEAD else "MISSED"
    print(f"\nTarget: MMDS overhead at most {TARGET_OVERHEAD:.0%} — {verdict} (worst {worst:.0%}).")
    verdict = "met" if worst_pmml <= TARGET_PMML_RATIO else "MISSED"
    print(
        f"Target: imported PMML within {TARGET_PMML_RATIO}x of the bare evaluator — {verdict} "
        f"(worst {worst_pmml:.2f}x)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
