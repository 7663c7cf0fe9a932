"""The one capture pipeline: every kind of model becomes a version through :func:`capture`.

A :class:`~.adapters.ModelAdapter` says what the model is; this module checks what the caller
gave (names, tags, texts, the parent, the test and training data), computes the metrics overall
and per slice, fingerprints the data sets, records provenance and stores the file and the
version. ``Registry.track`` (scikit-learn) and ``Registry.import_pmml`` are thin calls into it,
so the same mistake gets the same error whatever the model's kind and whichever front end
(Python, magic, CLI, REST) passed it on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InvalidInput, MMDSError
from ..refs import Ref, check_name, check_tags, check_text, parse_ref
from ..reports import importance
from ..reports import predictions as stored_predictions
from . import datasets, metrics, provenance

if TYPE_CHECKING:
    from ..entities import NewVersion, Version
    from ..scoring.contract import Contract
    from .adapters import ModelAdapter


@dataclass(frozen=True)
class CaptureSink:
    """What the pipeline needs from a registry, passed in rather than reached for.

    ``resolve`` fails (``NotFound``) for a reference that names nothing; ``put_file`` stores
    bytes and returns their sha256; ``create_version`` writes the version in one transaction.
    """

    actor: str
    resolve: Callable[[Ref], Any]
    put_file: Callable[[bytes], str]
    create_version: Callable[[NewVersion], Version]
    # Test-set rows kept whole in a version's predictions file; beyond, a stratified sample.
    prediction_rows: int = 100_000


@dataclass(frozen=True)
class CaptureRequest:
    """What the caller asked to capture, with its names, tags and texts already checked."""

    name: str
    project: str
    X_test: Any = None
    y_test: Any = None
    slices: list[str] = field(default_factory=list)
    X_train: Any = None
    y_train: Any = None
    parent: Ref | None = None
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    cell_source: str | None = None
    notebook: str | None = None

    @classmethod
    def check(
        cls,
        name: str | None,
        project: str = "default",
        *,
        X_test: Any = None,
        y_test: Any = None,
        slices: Iterable[str] | None = None,
        X_train: Any = None,
        y_train: Any = None,
        parent: str | None = None,
        tags: dict[str, Any] | None = None,
        description: str | None = None,
        cell_source: str | None = None,
        notebook: str | None = None,
    ) -> CaptureRequest:
        """The request, or the first thing wrong with its names, tags, texts or slices (the
        model and the data are checked by :func:`capture`, which knows the model)."""
        if name is None:
            raise InvalidInput("Give the model a name, e.g. mmds.track(clf, name='churn').")
        check_name("Model", name)
        check_name("Project", project)
        clean_tags = check_tags(tags)
        check_text("The description", description)
        if isinstance(slices, str):
            slices = [slices]
        slice_list = list(slices or [])
        for column in slice_list:
            if not isinstance(column, str):
                raise InvalidInput(f"A slice is a column name, not {column!r}.")
        return cls(
            name=name,
            project=project,
            X_test=X_test,
            y_test=y_test,
            slices=slice_list,
            X_train=X_train,
            y_train=y_train,
            parent=parse_ref(parent) if parent else None,
            tags=clean_tags,
            description=description,
            cell_source=cell_source,
            notebook=notebook,
        )


def capture(sink: CaptureSink, adapter: ModelAdapter, request: CaptureRequest) -> Version:
    """Check the data against the model, measure it and store it as a new version.

    Everything is checked before anything is written: a refused capture leaves the registry
    as it was.
    """
    from ..entities import NewVersion
    from ..scoring.contract import inheritor

    r = request
    if r.parent is not None:
        sink.resolve(r.parent)  # a wrong parent fails before anything is written
    task = adapter.task
    outputs = adapter.outputs()
    # A model that measures its own data (spark.ml, on Spark DataFrames) says so; otherwise
    # the data are pandas, numpy or lists, measured here.
    measured = adapter.measure(r, outputs) or _measure(adapter, r, outputs, sink.prediction_rows)
    features = measured.features
    prov = provenance.provenance(sink.actor, cell_source=r.cell_source, notebook=r.notebook)
    prov.update(measured.provenance)
    files: list[tuple[str, str]] = []
    if measured.baseline is not None:
        files.append(("baseline", sink.put_file(measured.baseline)))
    if measured.predictions is not None:
        files.append((stored_predictions.KIND, sink.put_file(measured.predictions)))
    if measured.test_inputs is not None:
        files.append((importance.KIND, sink.put_file(measured.test_inputs)))
    blob, fmt = adapter.serialize()
    # The file is written (and fsynced) before the version row commits: a crash in between
    # leaves an unreferenced file, never a version that points at nothing.
    sha = sink.put_file(blob)
    spec = NewVersion(
        project=r.project,
        name=r.name,
        framework=adapter.framework,
        estimator_class=adapter.estimator_class,
        task=task,
        author=sink.actor,
        params=adapter.params(),
        steps=adapter.steps(),
        features=features,
        outputs=outputs,
        metrics=measured.metrics,
        provenance=prov,
        environment={**provenance.environment(), **measured.environment},
        artifact_sha256=sha,
        artifact_format=fmt,
        parent=r.parent,
        notebook_path=prov["notebook"],
        tags=r.tags,
        description=r.description,
        datasets=measured.datasets,
        contract=measured.contract.to_dict(),
        inherit_contract=inheritor(measured.contract),
        files=files,
    )
    return sink.create_version(spec)


@dataclass(frozen=True)
class Measured:
    """What the data given with a model say about it: its input features, metrics (overall
    and per slice), fingerprinted data sets as (relation, record, name), score contract, the
    drift baseline's bytes (None without data), the test predictions file's bytes (None
    without test data) and what to add to provenance and environment."""

    features: list[dict[str, Any]]
    metrics: list[dict[str, Any]]
    datasets: list[tuple[str, dict[str, Any], str | None]]
    contract: Contract
    baseline: bytes | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    predictions: bytes | None = None
    # A sample of the test inputs, for the report's permutation importance (None without them).
    test_inputs: bytes | None = None


def _measure(
    adapter: ModelAdapter, r: CaptureRequest, outputs: list[dict[str, Any]], prediction_rows: int
) -> Measured:
    """The pipeline's own measurement of in-memory data (pandas, numpy, lists): the model
    predicts the test set once, and its metrics and stored predictions both come from that."""
    _check_pairs(r)
    features = adapter.features(r.X_train if r.X_train is not None else r.X_test)
    names = [f["name"] for f in features]
    spec_datasets: list[tuple[str, dict[str, Any], str | None]] = []
    metric_rows: list[dict[str, Any]] = []
    predictions_file: bytes | None = None
    inputs_file: bytes | None = None
    if r.X_test is not None:
        X_eval = X_ref = _checked_features(adapter, r.X_test, names, "test", r.slices)
        slice_cols = {c: r.X_test[c] for c in r.slices}
        answers = predict(adapter.predictor, adapter.task, X_eval, r.y_test, adapter.label)
        metric_rows = metrics.measure(answers, adapter.task, slice_cols)
        frame = datasets.as_frame(r.X_test, r.y_test, names)
        test_set = datasets.fingerprint(frame)
        spec_datasets.append(("evaluated_on", test_set, "test"))
        predictions_file = _predictions(
            answers, r.X_test, slice_cols, adapter.task, test_set, metric_rows, prediction_rows
        )
        inputs_file = importance.inputs_file(
            X_eval, r.y_test, adapter.task, names, name="test", dataset=test_set
        )
    if r.X_train is not None:
        X_ref = _checked_features(adapter, r.X_train, names, "training", [])
        frame = datasets.as_frame(r.X_train, r.y_train, names)
        spec_datasets.append(("trained_on", datasets.fingerprint(frame), "train"))
    # The observed domain is what the model was trained and evaluated on.
    seen = [d for d in (r.X_train, r.X_test) if isinstance(d, pd.DataFrame)]
    observed = pd.concat(seen, ignore_index=True, join="inner") if seen else None
    contract = adapter.contract(features, outputs, observed)
    baseline = None
    if r.X_train is not None or r.X_test is not None:
        source = "train" if r.X_train is not None else "test"
        frame = X_ref if isinstance(X_ref, pd.DataFrame) else datasets.as_frame(X_ref, None, names)
        baseline = _baseline(adapter, X_ref, frame, source)
    return Measured(
        features,
        metric_rows,
        spec_datasets,
        contract,
        baseline,
        predictions=predictions_file,
        test_inputs=inputs_file,
    )


def predict(predictor: Any, task: str, X: Any, y: Any, label: str) -> metrics.Predictions:
    """The model's answers on a test set; a test set the model cannot take (text where it
    reads numbers, say) is the caller's mistake, said as such rather than as a traceback."""
    try:
        return metrics.predict(predictor, task, X, y, label)
    except MMDSError:
        raise
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"{label} could not predict the test set ({type(exc).__name__}: {exc}). "
            "Pass test data of the types the model was trained on."
        ) from exc


def _predictions(
    answers: metrics.Predictions,
    X: Any,
    slices: dict[str, pd.Series],
    task: str,
    test_set: dict[str, Any],
    metric_rows: list[dict[str, Any]],
    limit: int,
    name: str = "test",
) -> bytes:
    """The version's predictions file (:mod:`..reports.predictions`), what curves are drawn from."""
    return stored_predictions.build(
        answers, X, slices, task, name=name, dataset=test_set, metric_rows=metric_rows, limit=limit
    )


def _baseline(adapter: ModelAdapter, X: Any, frame: pd.DataFrame, source: str) -> bytes:
    """The drift baseline of the reference data (``frame``, the columns the model takes; ``X``
    as the model takes them), as the bytes of a content-addressed JSON file. The score's
    reference is the model's score on a fixed sample of those rows."""
    from ..monitoring import baseline

    sample = baseline.head_rows(X, baseline.SCORE_ROWS)
    try:
        scores = baseline.score_frame(adapter.predictor, adapter.task, sample)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"{adapter.label} could not score the {source} set for its drift baseline "
            f"({type(exc).__name__}: {exc}). Pass {source} data of the types it was trained on."
        ) from exc
    return baseline.to_bytes(baseline.build(frame, scores, source))


def _check_pairs(r: CaptureRequest) -> None:
    """Features and targets come in pairs of one length; slices need a test set."""
    if (r.X_test is None) != (r.y_test is None):
        raise InvalidInput(
            "Give both the test features and the test target (X_test and y_test), or neither."
        )
    if r.X_test is not None:
        _same_length(r.X_test, r.y_test, "test set", "X_test and y_test")
    elif r.slices:
        raise InvalidInput("--slice needs test data: pass X_test and y_test too.")
    if r.y_train is not None:
        if r.X_train is None:
            raise InvalidInput(
                "The training target (y_train) was given without the training features: pass "
                "X_train too, or neither."
            )
        _same_length(r.X_train, r.y_train, "training set", "X_train and y_train")


def _same_length(X: Any, y: Any, what: str, names: str) -> None:
    n_rows, n_target = _length(X, names), _length(y, names)
    if n_target != n_rows:
        raise InvalidInput(
            f"The {what} has {n_rows} rows of features but {n_target} target "
            f"values; pass {names} of the same length."
        )


def _length(data: Any, names: str) -> int:
    try:
        return len(data)
    except TypeError:
        raise InvalidInput(
            f"{names} are tables and columns of values (DataFrame, Series, array or list), "
            f"not {type(data).__name__}."
        ) from None


def _checked_features(
    adapter: ModelAdapter, X: Any, names: list[str], role: str, slices: list[str]
) -> Any:
    """The columns of ``X`` the model predicts from, after checking that it can: every input
    column (by name or by count) and every slice column is there."""
    label = adapter.label
    if isinstance(X, pd.DataFrame):
        missing = [c for c in names if c not in X.columns]
        if adapter.named_inputs and missing:
            raise InvalidInput(
                f"The {role} set does not match {label}: it lacks the column(s) "
                f"{', '.join(map(repr, missing[:10]))} that the model was trained on. "
                f"Pass a {role} DataFrame with every column the model takes."
            )
        bad = [c for c in slices if c not in X.columns]
        if bad:
            raise InvalidInput(
                f"Slice column(s) {', '.join(map(repr, bad))} are not in the test set; "
                f"its columns are {', '.join(map(str, list(X.columns)[:20]))}."
            )
        return X[names] if adapter.named_inputs else X
    if adapter.needs_frame:
        raise InvalidInput(
            f"{label} reads its inputs by name: pass the {role} features as a DataFrame with "
            f"its input columns ({', '.join(names[:10])})."
        )
    if slices:
        raise InvalidInput(
            "Slices are named columns: pass X_test as a pandas DataFrame to use --slice."
        )
    n_inputs = adapter.n_inputs
    width = X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else None
    if n_inputs is not None and width is not None and width != n_inputs:
        raise InvalidInput(
            f"The {role} set has {width} columns but {label} expects "
            f"{n_inputs}; pass {role} data shaped like the training data."
        )
    return X
