"""The blocking work behind each REST route: call the registry, shape plain JSON payloads.

Handlers run these functions in a thread pool; nothing here knows about HTTP except that bad
arguments raise :class:`InvalidInput` (mapped to 400 in one place, ``routes.MMDSHandler``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import ranking
from ..comparison import default_params, deltas
from ..encode import records, version_dict
from ..entities import STAGES
from ..errors import InvalidInput
from ..governance.requests import review_json
from ..query import FIND_COLUMNS, flag, from_request, whole
from ..refs import whole_number
from ..service import RegistryService

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_COMPARE = 20
MAX_DEPTH = 10
# Counting every match of a filtered search scans the whole table; past this many the panel
# shows "1,000+" instead (the page itself is always exact).
COUNT_CAP = 1_000
ROW_KEYS = (
    *FIND_COLUMNS,
    "framework",
    "aliases",
    "id",
    "parent_id",
    "slice",
)
_ORDER = re.compile(r"^[-+]?[A-Za-z_][A-Za-z0-9_]*$")


def int_argument(text: str | None, name: str, default: int, low: int, high: int) -> int:
    """A query argument as a whole number (refs.whole_number's rule); above ``high`` is capped,
    so a client asking for a larger page gets the largest one."""
    if text is None:
        return default
    return capped(whole(text, name), name, low, high)


def capped(value: int, name: str, low: int, high: int) -> int:
    """``value`` capped at ``high``; below ``low`` is refused (refs.whole_number's message)."""
    return whole_number(name, min(value, high), low, high)


def headline(metrics: Mapping[str, Any]) -> dict[str, Any] | None:
    """The one metric to show beside a version in a list."""
    for name in ranking.HEADLINE:
        if metrics.get(name) is not None:
            return {"name": name, "value": metrics[name]}
    for name, value in sorted(metrics.items()):
        if isinstance(value, (int, float)) and ranking.ranked(name):
            return {"name": name, "value": value}
    return None


def version_row(row: dict[str, Any]) -> dict[str, Any]:
    """A store search row with its metrics gathered under ``metrics``."""
    out = {k: row.get(k) for k in ROW_KEYS if k in row}
    metrics = {k: v for k, v in row.items() if k not in ROW_KEYS}
    out["metrics"] = metrics
    out["headline"] = headline(metrics)
    return out


def list_versions(registry: RegistryService, get: Callable[[str], Sequence[str]]) -> dict[str, Any]:
    """One page of versions matching the query arguments (``get(name)`` gives each one's
    values), with the total count."""
    args = from_request(get)
    counting = list(get("count"))
    if counting and not counting[-1].strip():
        raise InvalidInput(
            "count= is empty: give count=true (count the matches, the default) or count=false."
        )
    # count=false: a caller that reads the pages alone (RemoteRegistry's search) spares the
    # database a count of up to COUNT_CAP matches per page.
    counted = flag(counting[-1], "count") if counting else True
    limit = capped(args.pop("limit", DEFAULT_LIMIT), "limit", 1, MAX_LIMIT)
    offset = capped(args.pop("offset", 0), "offset", 0, 10**9)
    order_by = args.pop("order_by", "-created")
    if not _ORDER.match(order_by):
        raise InvalidInput(
            f"order_by={order_by!r} is not a field: use created, version, name, "
            "author, stage or a metric name, with '-' in front for descending."
        )
    query = registry.query(**args, order_by=order_by, limit=limit, offset=offset)
    rows, warnings = registry.search(query)
    items = [version_row(r) for r in rows]
    if len(items) < limit and (items or offset == 0):
        total, exact = offset + len(items), True  # the last page: no count needed
    elif not counted:
        total, exact = offset + len(items), False
    else:
        total, exact = capped_count(registry, query, max(COUNT_CAP, offset + limit + 1))
    return {
        "items": items,
        "total": total,
        "total_exact": exact,
        "limit": limit,
        "offset": offset,
        "warnings": warnings,
    }


def vocabulary(registry: RegistryService, get: Callable[[str], Sequence[str]]) -> dict[str, Any]:
    """The metric, feature, tag and slice names among the versions the search arguments match."""
    args = from_request(get)
    limit = capped(args.pop("limit", 200), "limit", 1, 1_000)
    args.pop("offset", None)
    args.pop("order_by", None)
    return registry.vocabulary(registry.query(**args), limit)


def capped_count(registry: RegistryService, query: Any, cap: int) -> tuple[int, bool]:
    """(matches, exact): counting stops at ``cap`` matches."""
    n = registry.count(query, cap=cap + 1)
    return (cap, False) if n > cap else (n, True)


def notebook_link(notebook: str | None, root_dir: str | None) -> str | None:
    """The notebook's path relative to the Jupyter root, when it lies inside it."""
    if not notebook or not root_dir:
        return None
    root = Path(root_dir).expanduser().resolve()
    path = Path(notebook).expanduser()
    path = path.resolve() if path.is_absolute() else (root / path).resolve()
    try:
        rel = path.relative_to(root)
    except ValueError:
        return None
    return rel.as_posix() if path.is_file() else None


def version_detail(
    registry: RegistryService, ref: str, root_dir: str | None, event_limit: int = 50
) -> dict[str, Any]:
    """One version with its data sets, derived versions, recent events and notebook link."""
    v = registry.get(ref)
    out = version_dict(v)
    out["datasets"] = registry.datasets(v)
    out["children"] = registry.children(v)
    out["events"] = records(registry.events(ref=v.ref, limit=event_limit))
    out["notebook_link"] = notebook_link(v.provenance.get("notebook"), root_dir)
    out["default_params"] = default_params(v)
    out["review"] = review_json(registry.review_state(v))
    keys = (
        "test",
        "passed",
        "n_rows",
        "n_mismatched",
        "max_abs_diff",
        "duration_s",
        "ran_at",
        "actor",
    )
    results = registry.scoring_test_results(v)
    out["scoring_tests"] = [{k: r[k] for k in keys} for r in records(results)]
    return out


def lineage(registry: RegistryService, ref: str, depth: str | None) -> dict[str, Any]:
    """The lineage graph around a version."""
    d = int_argument(depth, "depth", 3, 1, MAX_DEPTH)
    return registry.lineage(ref, depth=d).to_dict()


def dataset(registry: RegistryService, content_hash: str) -> dict[str, Any]:
    """A data set's page: schema, statistics, the versions trained and tested on it."""
    return registry.dataset(content_hash)


def compare(registry: RegistryService, refs: Sequence[str]) -> dict[str, Any]:
    """Versions side by side (with deltas against the first), plus a bar chart per metric."""
    refs = [r for r in refs if r.strip()]
    if len(refs) > MAX_COMPARE:
        raise InvalidInput(f"Compare at most {MAX_COMPARE} versions at once, not {len(refs)}.")
    cmp = registry.compare(*refs)
    rows = [
        {"section": s, "key": k, "values": values, "differs": differs, "deltas": deltas(values)}
        for s, k, values, differs in cmp.rows()
    ]
    charts = cmp.charts()
    return {
        "refs": cmp.refs,
        "rows": rows,
        "charts": charts,
        "overview": cmp.overview(),
        "warnings": cmp.warnings,
    }


def events(registry: RegistryService, args: Mapping[str, str | None]) -> dict[str, Any]:
    """The audit log, newest first."""

    limit = int_argument(args.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    rows = registry.events(
        ref=args.get("ref") or None,
        actor=args.get("actor") or None,
        action=args.get("action") or None,
        since=args.get("since") or None,
        limit=limit,
    )
    return {"items": records(rows)}


def changes(registry: RegistryService) -> dict[str, Any]:
    """The newest event: the panel polls this and reloads when the id moves."""
    latest = registry.latest_event_id()
    if not latest:
        return {"latest_event_id": 0, "time": None}
    return {"latest_event_id": latest, "time": None}


def projects(registry: RegistryService) -> dict[str, Any]:
    return {"items": records(registry.projects())}


def models(registry: RegistryService, project: str | None) -> dict[str, Any]:
    return {"items": records(registry.models(project or None))}


def server_info(registry: RegistryService) -> dict[str, Any]:
    """What the panel needs to know about this server's registry."""
    from .. import __version__

    return {
        "version": __version__,
        "registry": registry.location,  # never the database password
        "max_limit": MAX_LIMIT,
        # The vocabulary the panel shows: it keeps no copy of its own.
        "stages": list(STAGES),
        "lower_is_better": sorted(ranking.LOWER_IS_BETTER),
        "unranked": sorted(ranking.UNRANKED),
        "headline_metrics": list(ranking.HEADLINE),
    }


def _body_field(body: bytes, field: str, example: str) -> Any:
    """The one field of a JSON object body, or an error that shows the expected body."""
    import json

    try:
        data = json.loads(body or b"null")
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict) or set(data) != {field}:
        raise InvalidInput(f"The body must be a JSON object such as {example}.")
    return data[field]


def tag_version(registry: RegistryService, ref: str, body: bytes) -> dict[str, Any]:
    """Set tags from ``{"tags": {"owner": "alice"}}``; the same rule as mmds.tag."""
    tags = _body_field(body, "tags", '{"tags": {"owner": "alice"}}')
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise InvalidInput('"tags" must be an object of text values, e.g. {"owner": "alice"}.')
    return version_dict(registry.tag(ref, tags))


def untag_version(registry: RegistryService, ref: str, body: bytes) -> dict[str, Any]:
    """Remove tags named in ``{"keys": ["owner"]}``."""
    keys = _body_field(body, "keys", '{"keys": ["owner"]}')
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise InvalidInput('"keys" must be a list of tag keys, e.g. ["owner"].')
    return version_dict(registry.untag(ref, *keys))


def describe_version(registry: RegistryService, ref: str, body: bytes) -> dict[str, Any]:
    """Replace the description from ``{"description": "..."}`` (null clears it)."""
    text = _body_field(body, "description", '{"description": "Retrained on March data."}')
    if text is not None and not isinstance(text, str):
        raise InvalidInput('"description" must be text or null.')
    return version_dict(registry.describe(ref, text))
