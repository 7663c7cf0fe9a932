"""How a search over versions is planned: which filter the database starts from.

See :func:`filtered`; the search store (search.py) adds order, paging and the columns.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..errors import InvalidInput
from ..query import Query
from .tables import EdgeRow, FeatureRow, MetricRow, ModelRow, ProjectRow, TagRow, VersionRow

# A related-table filter matching fewer versions than this leads the search (see filtered).
SMALL_SET = 2_000
# Up to this many models, a search names them (see model_ids).
MAX_MODEL_IDS = 5_000
_OPS = {
    ">": "__gt__",
    ">=": "__ge__",
    "<": "__lt__",
    "<=": "__le__",
    "=": "__eq__",
    "==": "__eq__",
    "!=": "__ne__",
}


def _like_escape(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (its % and _ are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def id_sets(query: Query) -> list[tuple[Any, list[Any], bool]]:
    """Each filter on a related table as (its version id column, its conditions, can lead).

    "Uses feature f_7", "tag team=risk" and "roc_auc > 0.8" each name a set of version ids
    that one index lists. A set that cannot lead has no index to read it from (a slice on
    its own) and is only ever checked version by version.
    """
    sets: list[tuple[Any, list[Any], bool]] = []
    if query.feature:
        f = aliased(FeatureRow)
        sets.append((f.version_id, [f.name == query.feature, f.used.is_(True)], True))
    if query.tag:
        key, value = query.tag
        t = aliased(TagRow)
        tag_conds = [t.key == key] + ([] if value is None else [t.value == value])
        sets.append((t.version_id, tag_conds, True))
    slice_key = query.slice or ""
    for metric, op, threshold in query.metrics:
        if op not in _OPS:
            raise InvalidInput(
                f"Unknown comparison {op!r} in a metric filter; use one of {', '.join(_OPS)}."
            )
        m = aliased(MetricRow)
        conds = [
            m.name == metric,
            m.slice == slice_key,
            m.dataset == "test",
            getattr(m.value, _OPS[op])(threshold),
        ]
        sets.append((m.version_id, conds, True))
    if query.slice and not query.metrics:
        m = aliased(MetricRow)
        sets.append((m.version_id, [m.slice == slice_key], False))
    if query.dataset_ids is not None:
        e = aliased(EdgeRow)
        # The versions trained or evaluated on the data sets: the edges' unique index
        # (src_kind, src_id, relation, ...) lists them.
        edge_conds = [
            e.src_kind == "dataset",
            e.src_id.in_(query.dataset_ids),
            e.relation.in_(query.dataset_relations),
            e.dst_kind == "version",
        ]
        sets.append((e.dst_id, edge_conds, True))
    return sets


def filtered(s: Session, query: Query, ordered: bool = False) -> Any:
    """``SELECT versions.id`` with every filter of ``query``.

    How the related-table filters are written decides where the database starts, and
    neither SQLite nor a guess at the statistics gets it right for both kinds of search:
    a rare feature is best read from its index and the few versions sorted, while a
    common one read that way costs a lookup per member before the newest 25 are known.
    So the sets' sizes are counted first, up to ``SMALL_SET``: the smallest set leads
    (``id IN (...)``) and the others are checked per version (``EXISTS``, one index
    seek each). When every set is large and the result is ordered, none leads: the
    database walks the order's index (newest first) and stops at the page's end.
    """
    v = VersionRow
    sets = id_sets(query)
    lead = lead_set(s, sets, ordered)
    hide_archived = not query.include_archived and not query.stage
    on_versions = [
        query.project,
        query.projects is not None,
        query.name,
        query.name_contains,
        query.stage,
        query.author,
        query.since,
        query.until,
        query.estimator,
        query.without_feature,  # "not in a set": checked version by version
        # Edges can list a version twice (trained and tested on one data set): an
        # IN over them counts each version once, their index alone would not.
        query.dataset_ids,
    ]
    if not ordered and lead >= 0 and not any(on_versions):
        # Nothing to read from the versions themselves (a count): the lead set's index
        # alone answers, each of its rows being one version.
        col, conds, _ = sets[lead]
        q = select(col).where(*conds)
        for i, (other, others, _) in enumerate(sets):
            if i != lead:
                q = q.where(exists().where(other == col, *others))
        if hide_archived:
            # The archived versions are read once (stage index), not looked up per row.
            q = q.where(col.not_in(select(v.id).where(v.stage == "archived")))
        return q
    q = select(v.id)
    if ordered:
        q = q.join(ModelRow, v.model_id == ModelRow.id).join(
            ProjectRow, ModelRow.project_id == ProjectRow.id
        )
    models = model_ids(s, query)
    if models is not None:
        q = q.where(v.model_id.in_(models))
    if query.stage:
        q = q.where(v.stage == query.stage)
    elif hide_archived:
        q = q.where(v.stage != "archived")
    if query.author:
        q = q.where(v.author == query.author)
    if query.since:
        q = q.where(v.created_at >= query.since)
    if query.until:
        q = q.where(v.created_at < query.until)
    if query.estimator:
        q = q.where(
            or_(
                v.estimator_class == query.estimator,
                v.estimator_class.endswith("." + query.estimator, autoescape=True),
            )
        )
    if query.without_feature:
        f = aliased(FeatureRow)
        q = q.where(
            ~exists().where(f.version_id == v.id, f.name == query.without_feature, f.used.is_(True))
        )
    for i, (col, conds, _) in enumerate(sets):
        if i == lead:
            q = q.where(v.id.in_(select(col).where(*conds)))
        else:
            q = q.where(exists().where(col == v.id, *conds))
    return q


def model_ids(s: Session, query: Query) -> list[int] | Any | None:
    """The models a search's project and name filters leave (None: no such filter).

    They are read first, in a query of their own, so that the search filters versions by
    ``model_id IN (1, 2, ...)``: PostgreSQL cannot tell from a project's name how many
    versions it holds (it guessed a handful, read all 10,000 of a project in a 100,000-version
    registry and sorted them), while from the model ids its statistics say, and it walks the
    newest-first index and stops at the page's end. Past ``MAX_MODEL_IDS`` models the
    filter stays a subquery (a statement has a bounded number of parameters).
    """
    if not (query.project or query.projects is not None or query.name or query.name_contains):
        return None
    q = select(ModelRow.id).join(ProjectRow, ModelRow.project_id == ProjectRow.id)
    if query.project:
        q = q.where(ProjectRow.name == query.project)
    if query.projects is not None:
        q = q.where(ProjectRow.name.in_(query.projects))
    if query.name:
        q = q.where(ModelRow.name == query.name)
    if query.name_contains:
        pattern = "%" + _like_escape(query.name_contains) + "%"
        q = q.where(
            or_(
                ModelRow.name.ilike(pattern, escape="\\"),
                ProjectRow.name.ilike(pattern, escape="\\"),
            )
        )
    ids = list(s.execute(q.order_by(ModelRow.id).limit(MAX_MODEL_IDS + 1)).scalars())
    return ids if len(ids) <= MAX_MODEL_IDS else q


def lead_set(s: Session, sets: list[tuple[Any, list[Any], bool]], ordered: bool) -> int:
    """Index of the set the search starts from, or -1 to walk the versions instead."""
    candidates = [i for i, (_, _, can_lead) in enumerate(sets) if can_lead]
    if not candidates:
        return -1
    if len(candidates) == 1 and not ordered:
        return candidates[0]
    sizes = s.execute(
        select(
            *[
                select(func.count())
                .select_from(
                    select(sets[i][0])
                    .where(*sets[i][1])
                    # bounded: only "small or not" matters
                    .limit(SMALL_SET)
                    .subquery()
                )
                .scalar_subquery()
                for i in candidates
            ]
        )
    ).one()
    size, lead = min(zip(sizes, candidates, strict=True))
    return lead if size < SMALL_SET or not ordered else -1
