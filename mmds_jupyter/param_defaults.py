"""Which of a version's hyper-parameters still hold their class's default value.

A comparison of a random forest with a logistic regression lists some fifty parameters, nearly
all at their defaults; a reader wants the few that someone set. The defaults are read from the
signatures of the classes named in the version's steps tree (``sklearn.ensemble.X``), so
versions tracked before this existed are covered too. Only modules of the well-known estimator
libraries are imported: a stored class name never makes the server import arbitrary code.
"""

from __future__ import annotations

import importlib
import inspect
from functools import lru_cache
from typing import Any

from .entities import Version

# Top-level packages whose estimator classes may be imported to read their defaults.
IMPORTABLE = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "imblearn"})

_UNKNOWN = object()


@lru_cache(maxsize=512)
def class_defaults(path: str) -> dict[str, Any] | None:
    """The constructor defaults (JSON-safe) of the class at dotted ``path``; None if unknown."""
    module_name, _, name = path.rpartition(".")
    if not module_name or module_name.split(".")[0] not in IMPORTABLE:
        return None
    try:
        cls = getattr(importlib.import_module(module_name), name)
        signature = inspect.signature(cls.__init__)
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    from .capture.introspect import json_value

    return {
        p.name: json_value(p.default)
        for p in signature.parameters.values()
        if p.default is not inspect.Parameter.empty
    }


def _owners(node: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Parameter prefix ("", "clf__", "pre__num__") -> the class path of the step it names."""
    out = {prefix: str(node.get("class", ""))}
    for child in node.get("children", []):
        out.update(_owners(child, f"{prefix}{child.get('name')}__"))
    return out


def default_of(version: Version, key: str) -> Any:
    """The default of parameter ``key`` of ``version``'s model, or ``_UNKNOWN``."""
    owners = _owners(version.steps or {"class": version.estimator_class})
    owner, _, name = key.rpartition("__")
    path = owners.get(f"{owner}__" if owner else "")
    defaults = class_defaults(path) if path else None
    if defaults is None or name not in defaults:
        return _UNKNOWN
    return defaults[name]


def is_default(version: Version, key: str, same: Any) -> bool:
    """True when ``version`` holds the known default of ``key`` (``same`` compares two values)."""
    default = default_of(version, key)
    return default is not _UNKNOWN and bool(same([version.params.get(key), default]))
