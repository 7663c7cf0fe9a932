"""A tracked version's model as PMML (the registry stores and records the file; PMML files
come in through the capture pipeline's PMML adapter, ``capture/adapters/pmml.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from .errors import PMMLExportError
from .export import to_pmml

if TYPE_CHECKING:
    from ..entities import Version
    from ..scoring.contract import Contract


def pmml_of(version: Version, model: Any, contract: Contract) -> bytes:
    """PMML 4.4 of a version's loaded model, its inputs typed and bounded by its contract."""
    categories = {
        i.name: i.categories
        for i in contract.inputs
        if i.categories is not None and i.type == "string"
    }
    try:
        return to_pmml(
            model,
            feature_names=[f.name for f in version.features],
            # Tracked without data, dtypes are unknown: estimators take numbers.
            feature_dtypes={
                f.name: "float64" if f.dtype == "unknown" else f.dtype for f in version.features
            },
            categories=categories or None,
        )
    except PMMLExportError as exc:
        raise InvalidInput(f"{version.ref} cannot be exported to PMML: {exc}") from exc
