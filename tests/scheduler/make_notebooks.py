"""Writes the notebooks the scheduler tests run (kept in git; rerun after editing this file)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent / "notebooks"

PARAMETERS = """\
model_ref = "default/churn@champion"
out_dir = "."
sleep_s = 0.0
marker = ""
fail = False
"""

LOAD = """\
import json
import os
import time
from pathlib import Path

import pandas as pd

import mmds_jupyter as mmds

version = mmds.get(model_ref)
"""

MAYBE_FAIL = """\
if fail:
    raise ValueError(f"the input data for {model_ref} is broken")
"""

WAIT = """\
# With a marker file only the first attempt waits (the tests kill a scheduler meanwhile).
first = not marker or not Path(marker).exists()
if marker:
    Path(marker).write_text(os.environ["MMDS_RUN_ID"])
if first:
    time.sleep(sleep_s)
"""

SCORE = """\
run_id = int(os.environ["MMDS_RUN_ID"])
# Each run scores its own batch (a version stores one score set per input).
ids = [run_id * 10 + i for i in (1, 2, 3)]
data = pd.DataFrame({"id": ids, "a": [0.1, 0.5, 0.9], "b": [1.0, 0.0, 1.0]})
# A production score set; the registry tags it with this run (MMDS_RUN_ID).
scored = mmds.score(model_ref, data, mode="production", key="id")
line = {"run_id": run_id, "model": version.ref, "param": model_ref}
with open(Path(out_dir) / "scored.jsonl", "a") as fh:
    fh.write(json.dumps(line) + "\\n")
"""


def main() -> None:
    HERE.mkdir(exist_ok=True)
    params = new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    cells = [new_markdown_cell("Scores a model from the registry."), params]
    cells += [new_code_cell(src) for src in (LOAD, MAYBE_FAIL, WAIT, SCORE)]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = new_notebook(cells=cells, metadata={"kernelspec": kernelspec})
    nbformat.write(nb, HERE / "score.ipynb")
    plain = new_notebook(cells=[new_code_cell("x = 1")], metadata={"kernelspec": kernelspec})
    nbformat.write(plain, HERE / "no_parameters.ipynb")


if __name__ == "__main__":
    main()
