"""Time of a comparison report next to the same figures drawn by a plain matplotlib script.

Two 100-tree random forests are tracked with a 100,000-row test set (their predictions are kept
whole: ``c.MMDS.prediction_rows`` is 100,000). Measured:

- MMDS: ``mmds.report(a, b).to_html()`` — reading both predictions files, every curve, the paired
  bootstrap intervals, the permutation importance (loading both model files through the safe
  loader and scoring their kept test inputs shuffled), every other section, the HTML with inline
  SVG, storing it with its event;
- matplotlib: a plain script (``--matplotlib-python``, default .venv-bench where matplotlib
  lives) that reads the same predictions and draws the same binary figures (ROC, precision-recall,
  cumulative gains, cumulative lift, calibration, two score distributions) with scikit-learn's
  curves, saved as SVG. It computes no bootstrap, no importance and writes no tables.

    .venv/bin/python bench/report.py            # 100,000 test rows
    .venv/bin/python bench/report.py --smoke    # 5,000 rows

Target: the HTML report under 5 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MATPLOTLIB_SCRIPT = r"""
import sys, time
import numpy as np, pandas as pd
import matplotlib
matplotlib.use("svg")
import matplotlib.pyplot as plt
from sklearn.metrics import roc_curve, precision_recall_curve, roc_auc_score
from sklearn.calibration import calibration_curve

start = time.perf_counter()
frames = [pd.read_parquet(p) for p in sys.argv[2:]]
out = sys.argv[1]
fig, axes = plt.subplots(2, 4, figsize=(16, 8))
ax = axes.ravel()
for i, f in enumerate(frames):
    y, s = f["y_true"].to_numpy() == 1, f["probability(1)"].to_numpy()
    fpr, tpr, _ = roc_curve(y, s)
    ax[0].plot(fpr, tpr, label=f"v{i} AUC {roc_auc_score(y, s):.3f}")
    p, r, _ = precision_recall_curve(y, s)
    ax[1].plot(r, p, label=f"v{i}")
    order = np.argsort(-s)
    gains = np.cumsum(y[order]) / y.sum()
    pop = np.arange(1, y.size + 1) / y.size
    ax[2].plot(pop * 100, gains * 100, label=f"v{i}")
    ax[3].plot(pop[y.size // 10:] * 100, (gains / pop)[y.size // 10:], label=f"v{i}")
    t, pr = calibration_curve(y, s, n_bins=10)
    ax[4].plot(pr, t, marker="o", label=f"v{i}")
    ax[5 + i].hist([s[y], s[~y]], bins=20, range=(0, 1), density=True, label=["pos", "neg"])
titles = ["ROC", "Precision-recall", "Cumulative gains", "Cumulative lift", "Calibration",
          "Scores v0", "Scores v1", ""]
for a, t in zip(ax, titles):
    a.set_title(t)
    a.legend()
fig.savefig(out, format="svg")
print(time.perf_counter() - start)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--matplotlib-python", default=str(Path(".venv-bench/bin/python")))
    a = ap.parse_args()
    rows = 5_000 if a.smoke else a.rows

    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    from mmds_jupyter.registry import Registry

    X, y = make_classification(n_samples=rows + 20_000, n_features=20, random_state=0)
    cols = [f"x{i}" for i in range(X.shape[1])]
    import pandas as pd

    frame = pd.DataFrame(X, columns=cols)
    frame["region"] = np.random.default_rng(0).choice(["north", "south", "east", "west"], len(X))
    Xtr, ytr = frame.iloc[:20_000], y[:20_000]
    Xte, yte = frame.iloc[20_000:], pd.Series(y[20_000:], name="target")
    with tempfile.TemporaryDirectory() as home:
        reg = Registry(url=f"sqlite:///{home}/m.db", home=home, actor="bench")
        versions = []
        for seed, depth in ((0, None), (1, 8)):
            rf = RandomForestClassifier(100, max_depth=depth, random_state=seed, n_jobs=2)
            rf.fit(Xtr[cols], ytr)
            versions.append(reg.track(rf, "forest", X_test=Xte, y_test=yte, slices=["region"]))
        start = time.perf_counter()
        report = reg.report(*[v.ref for v in versions])
        html = report.to_html(f"{home}/report.html")
        mmds_s = time.perf_counter() - start
        paths = [reg.artifacts.path_for(reg.predictions(v).sha256) for v in versions]
        mpl_s = None
        if Path(a.matplotlib_python).exists():
            start = time.perf_counter()
            done = subprocess.run(
                [a.matplotlib_python, "-c", MATPLOTLIB_SCRIPT, f"{home}/mpl.svg", *map(str, paths)],
                capture_output=True,
                text=True,
                check=True,
            )
            mpl_total = time.perf_counter() - start
            mpl_s = float(done.stdout.strip().splitlines()[-1])
        reg.close()
    print(f"test rows: {rows:,} (two 100-tree forests)")
    print(
        f"MMDS comparison report, HTML ({len(html) / 1e6:.1f} MB, "
        f"{len(report.sections)} sections): {mmds_s:.2f} s"
    )
    if mpl_s is not None:
        print(
            f"matplotlib, the same 7 figures as SVG: {mpl_s:.2f} s in the script "
            f"({mpl_total:.2f} s with starting Python and importing matplotlib)"
        )
    else:
        print(f"matplotlib: no interpreter at {a.matplotlib_python} (pass --matplotlib-python)")
    if mmds_s >= 5:
        sys.exit(f"the report took {mmds_s:.2f} s, over the 5 s target")


if __name__ == "__main__":
    main()
