"""Re-evaluating a version on a new data set: ``mmds.evaluate(ref, X, y, name="q3-holdout")``.

The version stays as captured (versions are immutable); the evaluation is evidence added to
it: one more predictions file (:mod:`.predictions`) named ``name``, holding the data set's
fingerprint, the metrics on every row and the rows the report's curves are drawn from, and
a sample of its inputs for the report's permutation importance (:mod:`.importance`), recorded
with an ``version.evaluate`` event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..capture import datasets, metrics
from ..capture.pipeline import _predictions, predict
from ..errors import ConflictError, InvalidInput, NotFound
from ..refs import check_name
from . import importance
from . import predictions as stored

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry


def stored_files(registry: Registry, version: Version) -> list[dict[str, Any]]:
    return [
        f for f in registry.store.versions.version_files(version.id) if f["kind"] == stored.KIND
    ]


def load_all(registry: Registry, version: Version) -> list[stored.StoredPredictions]:
    """Every stored evaluation of a version, the capture's (``test``) first."""
    out = []
    for f in stored_files(registry, version):
        sha = f["artifact_sha256"]
        out.append(stored.from_bytes(registry.artifacts.get(sha), sha))
    return out


def test_inputs(registry: Registry, version: Version, name: str) -> tuple[str, bytes] | None:
    """The ``test_inputs`` file kept with evaluation ``name`` (None when none was): its
    sha256 and bytes."""
    for f in registry.store.versions.version_files(version.id):
        if f["kind"] == importance.KIND:
            blob = registry.artifacts.get(f["artifact_sha256"])
            if stored.schema_meta(blob).get("name") == name:
                return f["artifact_sha256"], blob
    return None


def load(registry: Registry, version: Version, name: str | None = None) -> stored.StoredPredictions:
    """One stored evaluation: ``name``'s, or the capture's test set when no name is given."""
    found = load_all(registry, version)
    if name is None:
        if not found:
            raise NotFound(
                f"{version.ref} has no stored test predictions: it was captured without test "
                "data (or before MMDS kept them). Evaluate it with "
                f"mmds.evaluate('{version.ref}', X, y, name='holdout')."
            )
        return found[0]
    for p in found:
        if p.name == name:
            return p
    names = ", ".join(p.name for p in found) or "none"
    raise NotFound(f"{version.ref} has no evaluation named {name!r} (it has: {names}).")


def _inputs(version: Version, X: Any) -> Any:
    if not isinstance(X, pd.DataFrame):
        return X
    names = [f.name for f in version.features]
    missing = [c for c in names if c not in X.columns]
    if missing and not all(n.startswith("x") and n[1:].isdigit() for n in names):
        raise InvalidInput(
            f"The data set lacks the column(s) {', '.join(map(repr, missing[:10]))} that "
            f"{version.ref} takes; pass a DataFrame with every input column."
        )
    return X if missing else X[names]


def evaluate(
    registry: Registry,
    ref: Any,
    X: Any,
    y: Any,
    name: str,
    slices: list[str] | None = None,
) -> dict[str, Any]:
    """Score the version on (X, y), store the predictions and metrics as evaluation ``name``."""
    check_name("Evaluation", name)
    version = registry.get(ref)
    if version.task not in ("binary", "multiclass", "regression"):
        raise InvalidInput(
            f"{version.ref} is a {version.task} model: it has no metrics to evaluate."
        )
    if any(p.name == name for p in load_all(registry, version)):
        raise ConflictError(
            f"{version.ref} already has an evaluation named {name!r}; choose another name."
        )
    if X is None or y is None or len(X) != len(y):
        raise InvalidInput(
            "Give the features and the target of one length: evaluate(ref, X, y, name=...)."
        )
    slices = list(slices or [])
    bad = [c for c in slices if not isinstance(X, pd.DataFrame) or c not in X.columns]
    if bad:
        raise InvalidInput(f"Slice column(s) {', '.join(map(repr, bad))} are not in the data set.")
    model = registry.scoring_model(version)
    inputs = _inputs(version, X)
    answers = predict(model, version.task, inputs, y, version.ref)
    slice_cols = {c: X[c] for c in slices}
    rows = metrics.measure(answers, version.task, slice_cols)
    names = [f.name for f in version.features]
    fingerprint = datasets.fingerprint(datasets.as_frame(X, y, names))
    blob = _predictions(
        answers, X, slice_cols, version.task, fingerprint, rows, registry.prediction_rows, name
    )
    sample = importance.inputs_file(inputs, y, version.task, names, name=name, dataset=fingerprint)
    sha = registry.artifacts.put(blob)
    registry.store.versions.add_version_file(
        version.id,
        stored.KIND,
        sha,
        registry.actor,
        {"name": name, "dataset": fingerprint["content_hash"]},
        action="version.evaluate",
    )
    registry.store.versions.add_version_file(
        version.id,
        importance.KIND,
        registry.artifacts.put(sample),
        registry.actor,
        {"name": name, "dataset": fingerprint["content_hash"]},
        action="version.evaluate",
    )
    return stored.from_bytes(blob, sha).summary()
