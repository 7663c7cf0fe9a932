"""MLflow in and out: import an MLflow tracking store and model registry
(:func:`import_mlflow`), export a version as an MLflow model directory (:func:`export_mlflow`).

MLflow is an optional extra (``pip install 'mmds-jupyter[mlflow]'``): nothing here imports it
until it is needed, and without it the error says which extra to install.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput

EXTRA = "pip install 'mmds-jupyter[mlflow]'"


class MLflowNotInstalled(InvalidInput):
    """MLflow is needed for this and is not installed."""


def require_mlflow() -> Any:
    """The mlflow module, or an error that says which extra to install."""
    try:
        import mlflow
    except ImportError:
        raise MLflowNotInstalled(
            f"Importing from and exporting to MLflow needs MLflow, which is not installed: "
            f"{EXTRA} (the 'mlflow' extra of MMDS)."
        ) from None
    return mlflow


def import_mlflow(registry: Any, tracking_uri: str, **kwargs: Any) -> Any:
    """Import an MLflow store into ``registry``; see :func:`.importer.import_mlflow` (it
    returns an :class:`.importer.ImportSummary`)."""
    require_mlflow()
    from .importer import import_mlflow as run_import

    return run_import(registry, tracking_uri, **kwargs)


def export_mlflow(registry: Any, ref: Any, path: Any, trusted: bool = False) -> Any:
    """Write a version as an MLflow model directory; see :func:`.export.export_mlflow`."""
    require_mlflow()
    from .export import export_mlflow as run_export

    return run_export(registry, ref, path, trusted=trusted)
