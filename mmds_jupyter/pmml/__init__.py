"""PMML for MMDS: export scikit-learn models, load files safely, describe and score them."""

from .describe import describe
from .document import PMMLDocument
from .errors import PMMLError, PMMLExportError, PMMLFallbackWarning
from .evaluate import PMMLEvaluator
from .export import to_pmml
from .loader import MAX_PMML_BYTES, load_pmml, max_pmml_bytes

__all__ = [
    "MAX_PMML_BYTES",
    "PMMLDocument",
    "PMMLError",
    "PMMLEvaluator",
    "PMMLExportError",
    "PMMLFallbackWarning",
    "describe",
    "load_pmml",
    "max_pmml_bytes",
    "to_pmml",
]
