"""The arguments of a search over versions, declared once: name, kind, default and help of each.

:meth:`Registry.query` takes exactly these (and turns them into the store's ``Query``);
``Registry.find``, the REST route ``GET versions``, ``mmds list``, ``%mmds list``, openapi.json
and the panel's ``ISearch`` are made from :data:`QUERY_FIELDS` or tested against it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .entities import STAGES
from .errors import InvalidInput

# The leading columns of every search result row (metrics follow).
FIND_COLUMNS = (
    "ref",
    "project",
    "name",
    "version",
    "stage",
    "author",
    "created_at",
    "estimator",
    "task",
    "train_set",  # the first 12 hex digits of the data sets' content hashes
    "test_set",
)
# What ``order_by`` takes besides a metric's name (newest first with a leading "-").
ORDER_FIELDS = ("created", "version", "name", "author", "stage")

# What ``dataset_role`` keeps: versions linked to the data set by these lineage relations.
DATASET_ROLES = {
    "train": ("trained_on",),
    "test": ("evaluated_on",),
    "any": ("trained_on", "evaluated_on"),
}


@dataclass(frozen=True)
class QueryField:
    """One argument of a search.

    ``kind`` is text, choice (one of ``choices``), flag (yes/no), conditions (repeatable metric
    conditions) or whole (a whole number).
    """

    name: str
    kind: str
    help: str
    default: Any = None
    choices: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        """The option of ``mmds list`` and ``%mmds list``."""
        return "--" + self.name.replace("_", "-")


QUERY_FIELDS: tuple[QueryField, ...] = (
    QueryField("project", "text", "Project name."),
    QueryField("name", "text", "Model name."),
    QueryField(
        "name_contains",
        "text",
        "Part of the model's or the project's name, in any case (% and _ match themselves).",
    ),
    QueryField(
        "feature",
        "text",
        "Only versions that use this input feature (a value starting with '!' is refused: use "
        "without_feature).",
    ),
    QueryField("without_feature", "text", "Only versions that do not use this input feature."),
    QueryField("stage", "choice", "Life-cycle stage.", choices=STAGES),
    QueryField(
        "include_archived",
        "flag",
        "Show archived versions too (default no); stage=archived shows them as well.",
        default=False,
    ),
    QueryField("author", "text", "Who tracked the version."),
    QueryField("tag", "text", "key or key=value."),
    QueryField("estimator", "text", "Estimator class, short (RandomForestClassifier) or dotted."),
    QueryField("since", "text", "Tracked since: an ISO time or an age such as 7d."),
    QueryField("until", "text", "Tracked until: an ISO time or an age such as 7d."),
    QueryField("slice", "text", "column=value; metrics and conditions then refer to that slice."),
    QueryField(
        "dataset",
        "text",
        "Only versions trained or tested on this data set: the start of its content hash "
        "(4+ hex digits) or its name.",
    ),
    QueryField(
        "dataset_role",
        "choice",
        "With dataset: trained on it (train), tested on it (test) or either (any, the default).",
        default="any",
        choices=tuple(DATASET_ROLES),
    ),
    QueryField(
        "where",
        "conditions",
        "Metric conditions such as roc_auc>0.8; repeat or comma-separate for several.",
    ),
    QueryField(
        "order_by",
        "text",
        "created, version, name, author, stage or a metric name; '-' in front for descending "
        "(default -created).",
        default="-created",
    ),
    QueryField("limit", "whole", "At most this many versions (a page)."),
    QueryField("offset", "whole", "Versions to skip (the pages before).", default=0),
)
FIELDS: dict[str, QueryField] = {f.name: f for f in QUERY_FIELDS}


def query_arguments(
    defaults: dict[str, Any] | None = None,
) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """``add_argument`` flags and keywords of every search argument (``mmds list``,
    ``%mmds list``); ``defaults`` overrides a default where a front end differs (a page size).
    Each option stores into the argument's own name, so ``vars(namespace)`` feeds
    :meth:`Registry.query` through :func:`from_arguments`."""
    out: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    for f in QUERY_FIELDS:
        # argparse formats help with %; a literal one is written %%.
        kw: dict[str, Any] = {"dest": f.name, "help": f.help.replace("%", "%%")}
        if f.kind == "flag":
            kw["action"] = "store_true"
        elif f.kind == "conditions":
            kw.update(action="extend", nargs="+", default=None, metavar="CONDITION")
        else:
            kw["default"] = (defaults or {}).get(f.name, f.default)
            if f.kind == "whole":
                kw["type"] = int
            if f.choices:
                kw["choices"] = list(f.choices)
        out.append(((f.flag,), kw))
    return out


def from_arguments(args: Any) -> dict[str, Any]:
    """The keyword arguments of :meth:`Registry.query` from a namespace that
    :func:`query_arguments` parsed."""
    return {f.name: getattr(args, f.name) for f in QUERY_FIELDS}


def from_request(get: Callable[[str], Sequence[str]]) -> dict[str, Any]:
    """The keyword arguments of :meth:`Registry.query` from URL query arguments.

    ``get(name)`` gives every value of one argument. Empty values count as absent; a repeated
    argument keeps its last value, except ``where`` whose values all count.
    """
    out: dict[str, Any] = {}
    for f in QUERY_FIELDS:
        given = list(get(f.name))
        if f.kind == "whole" and given and not given[-1].strip():
            raise InvalidInput(f"{f.name}= is empty: give a whole number, or leave it out.")
        values = [v for v in given if v.strip()]
        if f.kind == "conditions":
            out[f.name] = values or None
        elif not values:
            continue
        elif f.kind == "flag":
            out[f.name] = flag(values[-1], f.name)
        elif f.kind == "whole":
            out[f.name] = whole(values[-1], f.name)
        else:
            out[f.name] = values[-1]
    return out


def flag(text: str | None, name: str) -> bool:
    """A yes/no query argument: true/false, 1/0 or yes/no; absent or empty is false."""
    value = (text or "").strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise InvalidInput(f"{name}={text!r} is not true or false.")


def whole(text: str, name: str) -> int:
    """A query argument that must be a whole number (its range is checked by the query)."""
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{name}={text!r:.40} is not a whole number.") from None


@dataclass
class Query:
    """Filters, order and paging of a search over versions."""

    project: str | None = None
    # Only versions of these projects (`mmds server` narrows a search to what a user may read).
    projects: tuple[str, ...] | None = None
    name: str | None = None
    name_contains: str | None = None  # part of the model's or project's name, any case
    feature: str | None = None
    without_feature: str | None = None  # versions that do not use this feature
    stage: str | None = None
    include_archived: bool = False  # archived versions only show when asked or filtered by stage
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    estimator: str | None = None
    tag: tuple[str, str | None] | None = None
    slice: str | None = None
    # versions trained or evaluated on these data sets (ids), by these edge relations
    dataset_ids: tuple[int, ...] | None = None
    dataset_relations: tuple[str, ...] = ("trained_on", "evaluated_on")
    metrics: list[tuple[str, str, float]] = field(default_factory=list)
    order_by: str = "-created"
    limit: int | None = None
    offset: int = 0
