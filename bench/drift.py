"""Benchmark: drift of one score set against its baseline, MMDS vs Evidently, and the cost of
storing a production score set's drift.

The data: a reference ("training") frame and a production batch of ``--rows`` rows x 30
features (26 numeric, 4 categorical), drawn from the same generator except for a few
features where drift is injected at graded strengths (mean shifts of 0.05 to 1 standard
deviation, a scale change, a shifted category mix). A version is tracked once with the
reference as training data, which freezes its baseline.

1. Drift, timed, interleaved, alternating which tool goes first:

   * MMDS:      ``Registry.drift(ref, batch)``: reads the version's baseline, counts the batch
                in its bins, samples it, and computes PSI, Jensen-Shannon, normalised
                Wasserstein and KS (numeric) or chi-square (categorical) for every column,
                with Benjamini-Hochberg correction and verdicts.
   * Evidently: ``Report([DataDriftPreset()]).run(batch, reference)``, its data drift report
                with its defaults (Wasserstein / Jensen-Shannon above 1,000 rows).

   Then, untimed, Evidently's report with ``method="psi"`` and with ``method="ks"`` and
   scipy's ``ks_2samp`` on the full columns, to check that the values agree: PSI within
   0.02 or 15% (the bins differ: MMDS uses the reference's deciles, Evidently equal-width
   Sturges bins of both frames) with the same verdict at 0.1, and the KS statistic of MMDS
   (from a 5,000-value sample of each side) within 0.03 of scipy's on all rows, with the
   same verdict as Evidently's KS p-value for the drifted columns.

2. Storing: ``Registry.score(ref, batch, mode="production", replace=True)`` with the
   version's baseline (the score set's counts, sample and drift are stored) and without it
   (the same call, the baseline hidden), interleaved.

Evidently is installed in the benchmark environment only (bench/requirements.txt). Its 0.7
line imports a private pandas helper that pandas 3 removed, from a data-integrity test that
this benchmark does not use; a stub that raises stands in for it.

    python bench/drift.py                     # 1,000,000 rows, 3 repetitions
    python bench/drift.py --rows 100000 --reps 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_SPEEDUP = 10.0
TARGET_STORE_OVERHEAD = 0.20
N_NUMERIC, N_CATEGORICAL = 26, 4
SHIFTS = {"x3": 0.05, "x7": 0.1, "x11": 0.25, "x15": 0.5, "x19": 1.0}  # in standard deviations
SCALED = {"x23": 1.5}
CATEGORIES = ["a", "b", "c", "d", "e", "f"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="rows of the batch (1,000,000)")
    p.add_argument(
        "--ref-rows", type=int, default=None, help="rows of the reference (as many as --rows)"
    )
    p.add_argument("--reps", type=int, default=3, help="timed repetitions per tool (3)")
    p.add_argument(
        "--storing-only",
        action="store_true",
        help="only part 2, storing a score set with and without its drift (no Evidently)",
    )
    return p.parse_args(argv)


def frame(n: int, seed: int, drift: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for i in range(N_NUMERIC):
        name = f"x{i}"
        values = rng.normal(10.0 * (i % 5), 1.0 + i % 3, n)
        if drift and name in SHIFTS:
            values = values + SHIFTS[name] * (1.0 + i % 3)
        if drift and name in SCALED:
            values = 10.0 * (i % 5) + (values - 10.0 * (i % 5)) * SCALED[name]
        cols[name] = values
    for j in range(N_CATEGORICAL):
        p = np.array([0.3, 0.25, 0.2, 0.12, 0.08, 0.05])
        if drift and j == 0:
            p = np.array([0.15, 0.2, 0.2, 0.15, 0.15, 0.15])
        cols[f"c{j}"] = pd.array(rng.choice(CATEGORIES, n, p=p), dtype="string")
    return pd.DataFrame(cols)


def evidently_report(**methods: str) -> Any:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    return Report([DataDriftPreset(**methods)])


def _shim_pandas() -> None:
    import pandas.core.dtypes.common as common

    if not hasattr(common, "infer_dtype_from_object"):

        def removed(*args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError("infer_dtype_from_object was removed in pandas 3")

        common.infer_dtype_from_object = removed  # type: ignore[attr-defined]


def run_evidently(batch: pd.DataFrame, reference: pd.DataFrame, **methods: str) -> Any:
    _shim_pandas()
    from evidently import DataDefinition, Dataset

    definition = DataDefinition(
        numerical_columns=[f"x{i}" for i in range(N_NUMERIC)],
        categorical_columns=[f"c{j}" for j in range(N_CATEGORICAL)],
    )
    snap = evidently_report(**methods).run(
        Dataset.from_pandas(batch, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )
    values = {}
    for m in snap.dict()["metrics"]:
        col = m["config"].get("column")
        if col is not None:
            values[col] = float(m["value"])
    return values


def _empty_share(shares: np.ndarray) -> float:
    smallest = float(shares[shares > 0].min())
    return smallest / 1e6 if smallest <= 0.0001 else 0.0001


def psi_on_sturges(reference: pd.Series, current: pd.Series) -> float:
    """MMDS's PSI formula on Evidently's bins of a numeric column: equal-width Sturges bins of
    both frames, and an empty bin counted as Evidently counts it (0.0001, or a millionth of the
    smallest share when that is smaller), where MMDS counts 0.0001."""
    bins = np.histogram_bin_edges(np.concatenate([reference, current]), bins="sturges")
    p, q = (np.histogram(x, bins)[0] / len(x) for x in (reference, current))
    p, q = (np.where(x == 0, _empty_share(x), x) for x in (p, q))
    return float(np.sum((q - p) * np.log(q / p)))


def compare_with_evidently(
    args: argparse.Namespace,
    reg: Any,
    v: Any,
    batch: pd.DataFrame,
    reference: pd.DataFrame,
    cats: list[str],
) -> tuple[float, bool]:
    """Part 1: ``Registry.drift`` vs Evidently's report, timed and interleaved, then the
    values checked against Evidently's and scipy's; returns (speed-up, values agree)."""
    from scipy.stats import ks_2samp

    ours: list[float] = []
    theirs: list[float] = []
    report = None
    reg.drift(v.ref, batch.head(10_000))  # warm-up of both (imports), untimed
    run_evidently(batch.head(10_000), reference.head(10_000))
    for rep in range(args.reps):
        order = ("mmds", "evidently") if rep % 2 == 0 else ("evidently", "mmds")
        for tool in order:
            t0 = time.perf_counter()
            if tool == "mmds":
                report = reg.drift(v.ref, batch)
                ours.append(time.perf_counter() - t0)
            else:
                run_evidently(batch, reference)
                theirs.append(time.perf_counter() - t0)
    m, e = statistics.median(ours), statistics.median(theirs)
    speedup = e / m
    print(f"{'tool':<34}{'median s':>10}{'rows/s':>14}")
    print(f"{'MMDS Registry.drift':<34}{m:>10.2f}{args.rows / m:>14,.0f}")
    print(f"{'Evidently DataDriftPreset':<34}{e:>10.2f}{args.rows / e:>14,.0f}")
    print(f"speed-up (Evidently / MMDS): {speedup:.1f}x\n")

    assert report is not None
    rows = {r["column"]: r for r in report.columns}
    psi_e = run_evidently(batch, reference, method="psi")
    agree = True
    print(
        "PSI: MMDS on the reference's deciles; Evidently on equal-width Sturges bins of both\n"
        "frames; 'same bins' is MMDS's PSI formula on Evidently's bins. KS: the statistic of\n"
        "MMDS (5,000-value samples) and of scipy's ks_2samp on every row (Evidently's KS\n"
        "test calls the same function and reports only its p-value).\n"
    )
    print(
        f"{'column':<8}{'PSI mmds':>10}{'PSI evid':>10}{'same bins':>10}{'KS mmds':>9}"
        f"{'KS all':>9}{'mmds':>10}"
    )
    for col in [*[f"x{i}" for i in range(N_NUMERIC)], *cats]:
        r = rows[col]
        p_ours, p_theirs = r["psi"], psi_e[col]
        same_bins = psi_on_sturges(reference[col], batch[col]) if r["kind"] == "numeric" else p_ours
        # the verdicts agree at 0.1, and the formula gives Evidently's value on its bins
        psi_ok = (p_ours >= 0.1) == (p_theirs >= 0.1) and abs(
            same_bins - p_theirs
        ) <= 1e-6 + 1e-3 * p_theirs
        line = f"{col:<8}{p_ours:>10.4f}{p_theirs:>10.4f}{same_bins:>10.4f}"
        if r["kind"] == "numeric":
            full = float(ks_2samp(reference[col], batch[col]).statistic)
            ks_ok = abs(r["ks"] - full) <= 0.03
            line += f"{r['ks']:>9.4f}{full:>9.4f}"
        else:
            ks_ok = True
            line += f"{'':>9}{'':>9}"
        ok = psi_ok and ks_ok
        agree = agree and ok
        print(line + f"{r['verdict']:>10}" + ("" if ok else "  <- differs"))
    print(f"\nMMDS flags: {', '.join(report.drifting)} ({report.verdict})")
    return speedup, agree


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from mmds_jupyter.registry import Registry

    n_ref = args.ref_rows or args.rows
    reference = frame(n_ref, seed=0, drift=False)
    batch = frame(args.rows, seed=1, drift=True)
    y = reference["x0"] + reference["x1"] > reference["x0"].mean() + reference["x1"].mean()
    cats = [f"c{j}" for j in range(N_CATEGORICAL)]
    model = Pipeline(
        [
            (
                "pre",
                ColumnTransformer([("cat", OneHotEncoder(), cats)], remainder=StandardScaler()),
            ),
            ("lr", LogisticRegression(max_iter=200)),
        ]
    )
    fit_rows = min(n_ref, 50_000)
    model.fit(reference.head(fit_rows), y.head(fit_rows).astype(int))
    print(
        f"Drift of {args.rows:,} rows x {batch.shape[1]} features against a baseline of "
        f"{n_ref:,} rows; median of {args.reps} runs each, interleaved.\n"
    )
    with tempfile.TemporaryDirectory(prefix="mmds-bench-drift-") as tmp:
        reg = Registry(url=f"sqlite:///{tmp}/mmds.db", home=tmp, actor="bench")
        v = reg.track(model, name="churn", X_train=reference, y_train=y.astype(int))
        reg.set_stage(v.ref, "production")
        speedup, agree = float("nan"), True
        if not args.storing_only:
            speedup, agree = compare_with_evidently(args, reg, v, batch, reference, cats)

        # 2. storing a production score set with and without its drift
        batch_keyed = batch.copy()
        batch_keyed.insert(0, "customer_id", np.arange(args.rows))
        hidden = Registry(url=f"sqlite:///{tmp}/mmds.db", home=tmp, actor="bench")
        hidden.stored_baseline = lambda version: None  # type: ignore[method-assign]
        with_drift: list[float] = []
        without: list[float] = []
        cpu: dict[bool, list[float]] = {True: [], False: []}
        for rep in range(args.reps + 1):
            order = (reg, hidden) if rep % 2 == 0 else (hidden, reg)
            for r_ in order:
                t0, c0 = time.perf_counter(), time.process_time()
                res = r_.score(
                    v.ref, batch_keyed, mode="production", key="customer_id", replace=True
                )
                dt, dc = time.perf_counter() - t0, time.process_time() - c0
                assert (res.drift is not None) == (r_ is reg)
                if rep:  # the first round warms caches for both
                    (with_drift if r_ is reg else without).append(dt)
                    cpu[r_ is reg].append(dc)
        w, wo = statistics.median(with_drift), statistics.median(without)
        overhead = w / wo - 1
        print(f"\nStoring a production score set of {args.rows:,} rows (median of {args.reps}):")
        print(f"  without drift {wo:.2f} s, with drift {w:.2f} s: ratio {w / wo:.2f}")
        # the process's CPU time (all threads): steadier than elapsed time on a busy machine
        cw, cwo = statistics.median(cpu[True]), statistics.median(cpu[False])
        print(f"  CPU time: without {cwo:.2f} s, with drift {cw:.2f} s: ratio {cw / cwo:.2f}")
        print("  each run, in order (elapsed; CPU):")
        for rep, (a, b, ca, cb) in enumerate(
            zip(with_drift, without, cpu[True], cpu[False], strict=True), 1
        ):
            print(f"    {rep}: with drift {a:.2f} s; {ca:.2f} s, without {b:.2f} s; {cb:.2f} s")
        hidden.close()
        reg.close()
    if not args.storing_only:
        print(
            f"\nTarget: MMDS at least {TARGET_SPEEDUP:g}x faster than Evidently: {speedup:.1f}x — "
            + ("met" if speedup >= TARGET_SPEEDUP else "MISSED")
        )
        print("Target: PSI and KS values agree — " + ("met" if agree else "MISSED"))
    print(
        f"Target: storing with drift at most {TARGET_STORE_OVERHEAD:.0%} over without: "
        f"{overhead:.0%} — " + ("met" if overhead <= TARGET_STORE_OVERHEAD else "MISSED")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
