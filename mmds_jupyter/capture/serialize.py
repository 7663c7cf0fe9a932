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
import threading
from collections.abc import Iterable, Mapping
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


_ALLOWED_LOCK = threading.Lock()


def allowed_types() -> frozenset[str]:
    """The classes MMDS loads without ``trusted=True``, beyond skops' own defaults (built once:
    threads of a server loading their first models at the same moment wait for one build, as
    two concurrent walks over scikit-learn's modules break each other's imports)."""
    with _ALLOWED_LOCK:
        return _allowed_types()


@functools.lru_cache(maxsize=1)
def _allowed_types() -> frozenset[str]:
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
    """A standard skops file whose bytes depend only on the model: the same model, same file.

    Model files are content-addressed, so identical models share one file only if their bytes
    are identical. ``skops.io.dumps`` is not deterministic: the archive carries the time of
    writing, arrays are named after ``id()`` of objects in this process (also stored as
    ``__id__`` in the schema) and ``bytes`` after random UUIDs. Here the entries are collected
    in memory, each object id and file name is renumbered in the order the schema first meets
    it, and the archive is written in a fixed order with a fixed timestamp (nested ``.npz``
    archives too). The schema is compact JSON: ``skops.io.dumps`` indents it, which makes
    Python's json module fall back to its pure-Python encoder (most of the time tracking a
    100-tree forest took). The loader reads any JSON; if skops' internals move, the public
    ``dumps`` is used instead.
    """
    import json

    import skops
    import skops.io as sio

    try:
        from skops.io._utils import SaveContext, get_state
    except ImportError:  # pragma: no cover - depends on the installed skops
        return bytes(sio.dumps(model))
    entries = _Entries()
    ctx = SaveContext(zip_file=entries)  # namelist and writestr are all it uses
    state = get_state(model, ctx)
    ctx.clear_memo()
    state["protocol"] = ctx.protocol
    state["_skops_version"] = skops.__version__
    state, renamed = _canonical_ids(state, set(entries.files))
    files = {renamed[name]: data for name, data in entries.files.items()}
    files = {n: _canonical_entry(n, d) for n, d in files.items()}
    return _zip_bytes([("schema.json", json.dumps(state).encode())] + sorted(files.items()))


# Every entry gets this time: the earliest a zip archive can record.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _Entries:
    """What skops' SaveContext needs of a ZipFile, keeping the entries in memory."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def namelist(self) -> Any:
        return self.files.keys()

    def writestr(self, name: str, data: Any) -> None:
        self.files[name] = bytes(data)


def _canonical_ids(state: Any, file_names: set[str]) -> tuple[Any, dict[str, str]]:
    """``state`` with ``__id__`` values and entry names numbered in order of first use.

    Each node gets its own number (the loader only checks that numbers are unique and not 0),
    so the file does not depend on which equal values happened to be one object in memory: a
    model loaded back and tracked again writes the same bytes. Should a node refer to another
    by its number (skops' ``CachedNode``), numbers follow object identity instead.
    """
    names: dict[str, str] = {}
    refers = False

    def walk(node: Any, ids: dict[Any, int] | None) -> Any:
        nonlocal refers
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int):
                    count[0] += 1
                    out[key] = count[0] if ids is None else ids.setdefault(value, len(ids) + 1)
                elif key == "file" and isinstance(value, str) and value in file_names:
                    suffix = value[value.rfind(".") :] if "." in value else ""
                    out[key] = names.setdefault(value, f"{len(names) + 1}{suffix}")
                else:
                    refers |= key == "__loader__" and value == "CachedNode"
                    out[key] = walk(value, ids)
            return out
        if isinstance(node, (list, tuple)):  # skops keeps some lists as tuples until json.dumps
            return [walk(item, ids) for item in node]
        return node

    count = [0]
    canonical = walk(state, None)
    if refers:
        count = [0]
        canonical = walk(state, {})
    for name in sorted(file_names - set(names)):  # written but never referenced: keep apart
        names[name] = f"unreferenced-{len(names) + 1}-{name}"
    return canonical, names


def _canonical_entry(name: str, data: bytes) -> bytes:
    """An array file whose bytes depend only on its values."""
    if name.endswith(".npz"):
        return _canonical_zip(data)
    if name.endswith(".npy"):
        return _zeroed_padding(data)
    return data


def _zeroed_padding(data: bytes) -> bytes:
    """A ``.npy`` of a structured array (a tree's nodes) with its padding bytes set to zero.

    Padding between a record's fields is whatever the memory held: a tree fitted afresh and
    the same tree loaded back differ only there.
    """
    import io

    import numpy as np

    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        _, _, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        _, _, dtype = np.lib.format.read_array_header_2_0(stream)
    else:  # 3.0 (non-latin-1 field names): left as written
        return data
    if dtype.names is None:
        return data
    used = np.zeros(dtype.itemsize, dtype=bool)
    fields: Mapping[str, Any] = dtype.fields or {}
    for field, offset, *_ in (fields[n] for n in dtype.names):
        used[offset : offset + field.itemsize] = True
    if used.all():
        return data
    array = np.load(io.BytesIO(data), allow_pickle=False).copy(order="C")
    # reshape(-1) is a view of the contiguous array (a 0-d array cannot change its dtype)
    array.reshape(-1).view(np.uint8).reshape(-1, dtype.itemsize)[:, ~used] = 0
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def _zip_bytes(entries: list[tuple[str, bytes]], compression: int | None = None) -> bytes:
    """A zip archive of ``entries`` in the given order, every entry dated ``_ZIP_EPOCH``."""
    import io
    from zipfile import ZIP_STORED, ZipFile, ZipInfo

    buffer = io.BytesIO()
    with ZipFile(buffer, "w") as zf:
        for name, data in entries:
            info = ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = ZIP_STORED if compression is None else compression
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def _canonical_zip(data: bytes) -> bytes:
    """A nested archive (scipy's ``.npz``) rewritten with fixed times, same order and method."""
    import io
    from zipfile import ZipFile

    with ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        entries = [(i.filename, zf.read(i)) for i in infos]
        methods = {i.compress_type for i in infos}
    return _zip_bytes(entries, methods.pop() if len(methods) == 1 else None)


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
    if fmt == "mlflow":  # an imported MLflow model directory: pickles in it need trust
        from ..mlflow_io.model_dir import load_zip

        return load_zip(data, trusted, label)
    if fmt == "spark":  # Spark ML's JSON metadata and Parquet: no code runs when loaded
        from .adapters.spark_files import load as load_spark

        return load_spark(data, label)
    if fmt != "skops":
        raise InvalidInput(f"{label} has unknown format {fmt!r}.")
    import io
    from zipfile import ZipFile

    # skops' package import registers its loaders: import it whole first, so that a thread
    # loading while another is still importing skops waits for it (its internals alone would
    # be found half-registered).
    import skops.io as sio

    try:
        from skops.io._audit import get_tree
        from skops.io._utils import read_schema
    except ImportError:  # pragma: no cover - skops' internals moved: its public two passes
        found = sio.get_untrusted_types(data=data)
        _audit(found, trusted, label)
        return sio.loads(data, trusted=found)
    # skops.io.get_untrusted_types then skops.io.loads read the schema and build the tree of
    # nodes twice (and audit it twice): half the time of loading a forest. Built once here and
    # audited against skops' defaults plus allowed_types() before anything is constructed, as
    # skops' loads does (construction consults no trust list), it is the same check.
    with ZipFile(io.BytesIO(data), "r") as zip_file:
        schema, load_context = read_schema(zip_file)
        tree = get_tree(schema, load_context, trusted=None)
        _audit(tree.get_unsafe_set(), trusted, label)
        return tree.construct()


def audit(data: bytes, label: str = "the artifact") -> None:
    """Refuse a skops file holding types outside :func:`allowed_types` (as :func:`load` does)
    without building the model: the file's schema is read and its node tree audited, nothing
    in it is constructed."""
    import io
    from zipfile import ZipFile

    import skops.io as sio

    try:
        from skops.io._audit import get_tree
        from skops.io._utils import read_schema
    except ImportError:  # pragma: no cover - skops' internals moved: its public audit
        _audit(sio.get_untrusted_types(data=data), False, label)
        return
    with ZipFile(io.BytesIO(data), "r") as zip_file:
        schema, load_context = read_schema(zip_file)
        _audit(get_tree(schema, load_context, trusted=None).get_unsafe_set(), False, label)


def _audit(found: Iterable[str], trusted: bool, label: str) -> None:
    """Refuse, unless ``trusted``, a file holding types (``found``: those skops does not trust
    by default) that are not in :func:`allowed_types`."""
    allowed = allowed_types()
    refused = sorted(t for t in found if t not in allowed)
    if refused and not trusted:
        raise UntrustedArtifact(
            f"{label} holds types that MMDS does not load without your say-so: "
            f"{', '.join(refused)}. A function, or an object that calls one, can run any "
            "code when the model is used. Load it with trusted=True (or --trusted) only if "
            "you trust whoever tracked it."
        )
