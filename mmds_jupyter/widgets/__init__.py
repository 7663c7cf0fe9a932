"""ipywidgets views of comparisons and lineage, composed from stock widgets and inline SVG.

``compare_widget(mmds.compare("churn:1", "churn:2"))`` and ``lineage_widget(mmds.lineage(...))``
show live widgets in JupyterLab; where no widget front end runs (nbconvert, papermill) they
render as the same plain HTML as the objects themselves.
"""

from __future__ import annotations

from .compare import ComparisonWidget, compare_widget
from .lineage import LineageWidget, lineage_widget

__all__ = ["ComparisonWidget", "LineageWidget", "compare_widget", "lineage_widget"]
