"""Which way a metric ranks versions, in one place for comparisons, reports, the panel and
search: most metrics are better higher, a few lower, and ``rows`` (how many test rows a
version's metrics, overall or on a slice, were measured on) is a count that ranks nothing."""

from __future__ import annotations

from collections.abc import Iterable

LOWER_IS_BETTER = frozenset({"log_loss", "rmse", "mae"})
ROWS = "rows"
UNRANKED = frozenset({ROWS})
# The metrics a version is shown by, in this order (the first it has heads a list's line).
HEADLINE = ("roc_auc", "accuracy", "f1", "r2", "rmse", "mae", "log_loss")


def ranked(name: str) -> bool:
    """Whether a higher or lower value of ``name`` makes a version better."""
    return name not in UNRANKED


def best(name: str, values: Iterable[object]) -> float | None:
    """The best of the numbers among ``values`` by ``name``'s direction; None for a count
    such as ``rows`` or when no value is a number."""
    nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not nums or not ranked(name):
        return None
    return min(nums) if name in LOWER_IS_BETTER else max(nums)


def columns(names: Iterable[str]) -> list[str]:
    """Metric names in the order a table shows them: counts (rows), then the headline metrics,
    then the others by name."""
    present = set(names)
    first = [n for n in (*sorted(UNRANKED), *HEADLINE) if n in present]
    return first + sorted(present - set(first))
