"""Track the estimators a block of code fits: ``with mmds.tracking(...)`` and ``%%mmds track``.

A namespace (a notebook's variables, a function's locals) is looked at before and after the
code runs; an estimator counts as fitted by it when it is fitted afterwards and is new, bound to
another object, or holds other fitted attributes than before (:class:`FitWatch`). Each is then
tracked under its variable's name (:func:`track_fitted`). ``%%mmds track`` is a thin wrapper over
these two; :class:`Tracking` is the ``with`` form.
"""

from __future__ import annotations

import inspect
import sys
import warnings
from collections.abc import Mapping
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from ..entities import Version
from ..errors import InvalidInput
from .adapters.spark import is_spark_model
from .introspect import is_estimator, is_fitted

if TYPE_CHECKING:
    from ..registry import Registry

# Sub-estimators (pipeline steps, a search's best estimator, ...) are looked into this deep.
MAX_DEPTH = 3


def _fit_state(obj: Any, depth: int = 0) -> tuple[Any, ...]:
    """Identities of the fitted attributes of ``obj`` and its sub-estimators.

    Re-fitting replaces these objects, so comparing identities before and after the code tells
    which estimators it fitted, without hashing model contents.
    """
    if is_spark_model(obj):  # a Spark fit returns a new model object
        return ()
    own = tuple((k, v) for k, v in vars(obj).items() if k.endswith("_") and not k.startswith("_"))
    if depth > MAX_DEPTH:
        return own
    subs: list[Any] = []
    for v in obj.get_params(deep=False).values():
        if is_estimator(v):
            subs.append(_fit_state(v, depth + 1))
        elif isinstance(v, list):
            subs += [
                _fit_state(s[1], depth + 1)
                for s in v
                if isinstance(s, tuple) and len(s) >= 2 and is_estimator(s[1])
            ]
    return own + tuple(subs)


def _same_state(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=False):
        if isinstance(x, tuple) and isinstance(y, tuple):
            if not _same_state(x, y):
                return False
        elif x is not y:
            return False
    return True


def _snapshot(namespace: Mapping[str, Any]) -> dict[str, tuple[Any, tuple[Any, ...]]]:
    return {
        k: (v, _fit_state(v))
        for k, v in list(namespace.items())
        if not k.startswith("_")
        and (is_estimator(v) or is_spark_model(v))
        and not isinstance(v, type)
    }


class FitWatch:
    """The estimators of a namespace as they are now, to tell later which ones were fitted."""

    def __init__(self, namespace: Mapping[str, Any]):
        self._before = _snapshot(namespace)

    def fitted(self, namespace: Mapping[str, Any]) -> dict[str, Any]:
        """The estimators of ``namespace`` fitted or re-fitted since, by variable name, sorted."""
        after = _snapshot(namespace)
        before = self._before
        return {
            k: obj
            for k, (obj, state) in sorted(after.items())
            if (is_spark_model(obj) or is_fitted(obj))
            and (k not in before or before[k][0] is not obj or not _same_state(before[k][1], state))
        }


def model_name(variable: str) -> str:
    """The model name an estimator gets from the variable (or expression) that holds it."""
    name = "".join(c if c.isalnum() or c in "_.-" else "_" for c in variable).strip("_.-")
    if not name:
        raise InvalidInput(
            f"Cannot make a model name from {variable!r}; name the model yourself "
            "(name=... in Python, --name in %mmds track)."
        )
    return name


class NothingFitted(UserWarning):
    """A ``mmds.tracking`` block ended without fitting any estimator, so nothing was tracked."""


def track_fitted(
    registry: Registry, estimators: Mapping[str, Any], **track_args: Any
) -> list[Version]:
    """Track each estimator under the name of the variable that holds it.

    ``track_args`` are those of :meth:`Registry.track` except the name. Versions are tracked in
    the order of the mapping; the first error stops, leaving the ones before it tracked.
    """
    return [
        registry.track(model, name=model_name(variable), label=variable, **track_args)
        for variable, model in estimators.items()
    ]


class Tracking:
    """The context manager :func:`mmds_jupyter.tracking` returns.

    Entering it notes the estimators of the namespace (by default the variables of the code
    that runs the ``with``); leaving it tracks those fitted or re-fitted inside the block, each
    named after its variable, and fills the list that ``as`` binds with their versions. A block
    that raises tracks nothing and its error propagates; a block that fits nothing tracks nothing
    and warns with :class:`NothingFitted`.
    """

    def __init__(
        self,
        registry: Registry,
        project: str = "default",
        *,
        namespace: Mapping[str, Any] | None = None,
        **track_args: Any,
    ):
        if "name" in track_args:
            raise InvalidInput(
                "mmds.tracking names each estimator after its variable; to choose a name, "
                "use mmds.track(model, name=...) after the block."
            )
        # A misspelt argument fails here, before the block runs its (maybe long) fits.
        inspect.signature(registry.track).bind(None, project=project, **track_args)
        self.registry = registry
        self.track_args: dict[str, Any] = {"project": project, **track_args}
        self.namespace = namespace
        self.versions: list[Version] = []
        self._frame: FrameType | None = None
        self._watch: FitWatch | None = None

    def __enter__(self) -> list[Version]:
        if self.namespace is None:
            self._frame = sys._getframe(1)
        self._watch = FitWatch(self._names())
        return self.versions

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None or self._watch is None:
                return
            fitted = self._watch.fitted(self._names())
            if not fitted:
                warnings.warn(
                    "No estimator was fitted inside the mmds.tracking block; nothing was "
                    "tracked. Fit (or re-fit) the estimators inside the with block.",
                    NothingFitted,
                    stacklevel=2,
                )
                return
            for variable, model in fitted.items():
                self.versions += track_fitted(self.registry, {variable: model}, **self.track_args)
        finally:
            self._frame = None  # no reference cycle through the caller's frame

    def _names(self) -> Mapping[str, Any]:
        """The variables the block can assign: the given namespace, or the caller's."""
        if self.namespace is not None:
            return self.namespace
        frame = self._frame
        assert frame is not None
        if frame.f_locals is frame.f_globals:
            return frame.f_globals
        return {**frame.f_globals, **frame.f_locals}
