"""Search over versions: find a page of rows, count the matches, check metric names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from ..query import ORDER_FIELDS, Query
from .db import Database
from .events import utc
from .rows import aliases_of, data_sets_of
from .search_plan import filtered
from .tables import FeatureRow, MetricRow, ModelRow, ProjectRow, TagRow, VersionRow

MAX_PAGE = 100_000
# The column each of query.ORDER_FIELDS sorts by.
ORDER_COLUMNS = {
    "created": VersionRow.created_at,
    "version": VersionRow.number,
    "name": ModelRow.name,
    "author": VersionRow.author,
    "stage": VersionRow.stage,
}


class SqlSearchStore:
    """Searches in SQL; every method is one read transaction."""

    def __init__(self, db: Database):
        self.db = db

    def unknown_metrics(self, names: set[str]) -> tuple[list[str], list[str]]:
        """(names no version has recorded, the metric names that exist) for a search's check.

        One index seek per name; the known names are only read when one is missing.
        """
        with self.db.session() as s:
            missing = sorted(
                n
                for n in names
                if s.execute(select(MetricRow.name).where(MetricRow.name == n).limit(1)).first()
                is None
            )
            if not missing:
                return [], []
            known = s.execute(
                select(MetricRow.name).distinct().order_by(MetricRow.name).limit(100)
            ).scalars()
            return missing, list(known)

    def vocabulary(self, query: Query, limit: int) -> dict[str, list[str]]:
        """The names a search can use among the versions ``query`` matches, ``limit`` of each.

        Metric names, the features versions use, tags as key=value and the slices (column=value)
        metrics were recorded on: what the panel offers as completions and orderings.
        """
        with self.db.session() as s:
            ids = filtered(s, query).subquery()

            def distinct(column: Any, *conds: Any) -> list[str]:
                table = column.class_
                q = (
                    select(column)
                    .where(table.version_id.in_(select(ids)), *conds)
                    .distinct()
                    .order_by(column)
                    .limit(limit)
                )
                return [str(v) for v in s.execute(q).scalars()]

            tag = (TagRow.key + "=" + TagRow.value).label("tag")
            tags = s.execute(
                select(tag)
                .where(TagRow.version_id.in_(select(ids)))
                .distinct()
                .order_by(tag)
                .limit(limit)
            ).scalars()
            return {
                "metrics": distinct(MetricRow.name, MetricRow.slice == ""),
                "features": distinct(FeatureRow.name, FeatureRow.used.is_(True)),
                "tags": [str(t) for t in tags],
                "slices": distinct(MetricRow.slice, MetricRow.slice != ""),
            }

    def count(self, query: Query, cap: int | None = None) -> int:
        """How many versions match; with ``cap``, counting stops there (for "1,000+")."""
        with self.db.session() as s:
            matches = filtered(s, query)
            sub = (matches.limit(cap) if cap else matches).subquery()
            return int(s.execute(select(func.count()).select_from(sub)).scalar_one())

    def find(self, query: Query) -> list[dict[str, Any]]:
        """Rows of the versions that match, in the query's order, one page at a time."""
        with self.db.session() as s:
            v = VersionRow
            q = filtered(s, query, ordered=True).add_columns(
                ProjectRow.name,
                ModelRow.name,
                v.number,
                v.stage,
                v.author,
                v.created_at,
                v.estimator_class,
                v.task,
                v.framework,
                v.summary,
                v.parent_id,
            )
            desc = query.order_by.startswith("-")
            key = query.order_by.lstrip("-+")
            limit = min(query.limit, MAX_PAGE) if query.limit else None
            offset = query.offset or 0
            if key in ORDER_COLUMNS:
                col = ORDER_COLUMNS[key]
                q = q.order_by(
                    col.desc() if desc else col.asc(), v.id.desc() if desc else v.id.asc()
                )
                rows = list(s.execute(q.limit(limit).offset(offset or None)).all())
            else:
                m = aliased(MetricRow)
                on = and_(
                    m.version_id == v.id,
                    m.name == key,
                    m.slice == (query.slice or ""),
                    m.dataset == "test",
                    m.value.is_not(None),
                )
                order = m.value.desc() if desc else m.value.asc()
                # Versions with the metric, best first: the database walks the (name, slice,
                # dataset, value) index and stops at the page's end.
                ranked = q.join(m, on).order_by(order, v.id.desc())
                rows = list(s.execute(ranked.limit(limit).offset(offset or None)).all())
                if not any(name == key for name, _, _ in query.metrics) and (
                    limit is None or len(rows) < limit
                ):
                    # Then, in either direction, the versions without it, newest first.
                    if rows or not offset:
                        n_ranked = offset + len(rows)
                    else:
                        n_ranked = s.execute(
                            select(func.count()).select_from(ranked.subquery())
                        ).scalar_one()
                    rest = q.where(~exists().where(on)).order_by(v.id.desc())
                    rest = rest.limit(None if limit is None else limit - len(rows))
                    rows += s.execute(rest.offset(max(0, offset - n_ranked) or None)).all()
            ids = [r[0] for r in rows]
            aliases = aliases_of(s, ids) if ids else {}
            data_sets = data_sets_of(s, ids) if ids else {}
            slice_metrics: dict[int, dict[str, float | None]] = {}
            if query.slice and ids:
                for vid, name, value in s.execute(
                    select(MetricRow.version_id, MetricRow.name, MetricRow.value).where(
                        MetricRow.version_id.in_(ids),
                        MetricRow.slice == query.slice,
                        MetricRow.dataset == "test",
                    )
                ):
                    slice_metrics.setdefault(vid, {})[name] = value
        out = []
        for (
            vid,
            project,
            name,
            number,
            stage,
            author,
            created,
            est,
            task,
            fw,
            summary,
            parent,
        ) in rows:
            row = {
                "ref": f"{project}/{name}:{number}",
                "project": project,
                "name": name,
                "version": number,
                "stage": stage,
                "author": author,
                "created_at": utc(created),
                "estimator": est.rsplit(".", 1)[-1],
                "task": task,
                "framework": fw,
                "aliases": aliases.get(vid, []),
                "id": vid,
                "parent_id": parent,
                "train_set": data_sets.get((vid, "trained_on")),
                "test_set": data_sets.get((vid, "evaluated_on")),
            }
            if query.slice:
                row["slice"] = query.slice
                row.update(slice_metrics.get(vid, {}))
            else:
                row.update(summary or {})
            out.append(row)
        return out


assert set(ORDER_COLUMNS) == set(ORDER_FIELDS), "one column per order field"
