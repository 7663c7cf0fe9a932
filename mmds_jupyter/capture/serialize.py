"""Model files: skops by default (safe to load), pickle only when the caller trusts it.

Loading a skops file builds only the types it is allowed to: those skops itself trusts (its
defaults: scikit-learn's estimators, numpy's ufuncs, containers and primitives) plus the classes
listed by :func:`allowed_types` — the estimators of scikit-learn and the internal classes fitted
estimators hold (trees, neighbour trees, distance metrics, optimisers, dtypes). Only classes are
on that list: a function (``builtins.exec``, ``numpy.full_like``, ``getattr``...) or a wrapper that
calls one (``numpy.vectorize``, ``functools.partial``, ``operator.methodcaller``) can run code when
the model is used, so a file holding one loads only with ``trusted=True``.
"""

from __future__ import annotations

import functools
import importlib
import pickle
from typing import Any

from ..errors import InvalidInput, UntrustedArtifact

# Classes that fitted scikit-learn estimators hold and skops does not trust by default, by the
# dotted name skops writes (module of definition + class name). Each must resolve to a class;
# names that the installed scikit-learn lacks are skipped. Whole families follow below.
_SKLEARN_HELD_CLASSES = (
    "sklearn.tree._tree.Tree",  # every tree, forest and gradient-boosting model
    # HistGradientBoosting's fitted trees. skops leaves it out because a crafted node array can
    # crash the process at predict time (no bounds checks); it cannot run code, and MMDS only
    # stores files it serialised itself from live estimators.
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.utils._bunch.Bunch",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.metrics._scorer._PassthroughScorer",
    "sklearn.metrics._scorer._Scorer",
    "numpy.dtype",
)
# Families: every concrete subclass of these scikit-learn bases (distance metrics of KNN models,
# cross-validation splitters kept by *CV estimators, losses and links of boosting models).
_SKLEARN_HELD_BASES = (
    "sklearn.metrics._dist_metrics.DistanceMetric64",
    "sklearn.metrics._dist_metrics.DistanceMetric32",
    "sklearn.model_selection._split.BaseCrossValidator",
    "sklearn.model_selection._split.BaseShuffleSplit",
    "sklearn._loss.loss.BaseLoss",
    "sklearn._loss.link.BaseLink",
)


def _resolve(dotted: str) -> Any:
    """The object a dotted name of *our own lists* names, or None (never called on file data)."""
    module, _, attr = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__name__}"


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    todo: list[type] = list(cls.__subclasses__())
    while todo:
        sub = todo.pop()
        found.append(sub)
        todo.extend(sub.__subclasses__())
    return found


@functools.lru_cache(maxsize=1)
def allowed_types() -> frozenset[str]:
    """The classes MMDS loads without ``trusted=True``, beyond skops' own defaults.

    Built from scikit-learn's estimators (``sklearn.utils.all_estimators``), the classes listed
    above and the subclasses of the listed bases, plus numpy's dtype classes. Only classes are
    kept: a function never gets on this list.
    """
    import numpy as np
    from sklearn.utils import all_estimators

    classes: list[type] = [cls for _, cls in all_estimators()]
    for dotted in _SKLEARN_HELD_CLASSES:
        obj = _resolve(dotted)
        if isinstance(obj, type):
            classes.append(obj)
    for dotted in _SKLEARN_HELD_BASES:
        base = _resolve(dotted)
        if isinstance(base, type):
            classes.extend([base, *_subclasses(base)])
    dtypes = getattr(np, "dtypes", None)
    if dtypes is not None:
        classes.extend(
            v for v in vars(dtypes).values() if isinstance(v, type) and issubclass(v, np.dtype)
        )
    return frozenset(
        _type_name(cls)
        for cls in classes
        if isinstance(cls, type) and _type_name(cls).startswith(("sklearn.", "numpy."))
    )


def untrusted_types(data: bytes) -> list[str]:
    """Types in a skops file that neither skops nor MMDS loads without the caller's trust."""
    import skops.io as sio

    allowed = allowed_types()
    return [t for t in sio.get_untrusted_types(data=data) if t not in allowed]


def dump(model: Any, fmt: str = "skops") -> bytes:
    """Serialize ``model`` as ``skops`` or, on request, ``pickle`` bytes."""
    if fmt == "skops":
        return _skops_dumps(model)
    if fmt == "pickle":
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    raise InvalidInput(f"Unknown artifact format {fmt!r}; use 'skops' (default) or 'pickle'.")


def _skops_dumps(model: Any) -> bytes:
    """A standard skops file, with its schema written as compact JSON.

    ``skops.io.dumps`` indents the schema, which makes Python's json module fall back to its
    pure-Python encoder: for a 100-tree forest that is most of the time tracking takes. The
    file is the same format (the loader reads any JSON); if skops' internals move, the public
    ``dumps`` is used instead.
    """
    import io
    import json
    from zipfile import ZIP_STORED, ZipFile

    import skops
    import skops.io as sio

    try:
        from skops.io._utils import SaveContext, get_state
    except ImportError:  # pragma: no cover - depends on the installed skops
        return bytes(sio.dumps(model))
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", compression=ZIP_STORED) as zf:
        ctx = SaveContext(zip_file=zf)
        state = get_state(model, ctx)
        ctx.clear_memo()
        state["protocol"] = ctx.protocol
        state["_skops_version"] = skops.__version__
        zf.writestr("schema.json", json.dumps(state))
    return buffer.getvalue()


def load(data: bytes, fmt: str, trusted: bool = False, label: str = "the artifact") -> Any:
    """Deserialize; a skops file holding types outside :func:`allowed_types` needs ``trusted``."""
    if fmt == "pickle":
        if not trusted:
            raise UntrustedArtifact(
                f"{label} is a pickle file, which can run any code when loaded. Load it with "
                "trusted=True (or --trusted) only if you trust whoever wrote it."
            )
        return pickle.loads(data)  # noqa: S301 - guarded by the explicit trust flag above
    if fmt == "pmml":
        # Parsed with defusedxml and evaluated by MMDS: nothing in the file runs as code.
        from ..pmml.adapter import PMMLModel

        return PMMLModel(data)
    if fmt != "skops":
        raise InvalidInput(f"{label} has unknown format {fmt!r}.")
    import skops.io as sio

    found = sio.get_untrusted_types(data=data)  # what skops' own defaults leave out
    allowed = allowed_types()
    refused = [t for t in found if t not in allowed]
    if refused and not trusted:
        raise UntrustedArtifact(
            f"{label} holds types that MMDS does not load without your say-so: "
            f"{', '.join(refused)}. A function, or an object that calls one, can run any code "
            "when the model is used. Load it with trusted=True (or --trusted) only if you trust "
            "whoever tracked it."
        )
    return sio.loads(data, trusted=found)
