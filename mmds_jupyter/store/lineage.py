"""Lineage: the data sets versions were trained and tested on, and the edges between them."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..entities import Dataset, LineageEdge
from ..errors import AmbiguousReference, InvalidInput, NotFound, no_such_dataset
from .db import Database
from .rows import load_datasets
from .tables import DatasetRow, EdgeRow

# A data set named by the start of its content hash (at least 4 hex digits, as git allows).
HASH_PREFIX = re.compile(r"^[0-9a-f]{4,64}\Z")
# A data set's page names it by its content hash or a prefix of at least 8 hex digits.
PAGE_HASH = re.compile(r"^[0-9a-f]{8,64}\Z")


class SqlLineageStore:
    """Data sets and lineage edges in SQL; every method is one transaction."""

    def __init__(self, db: Database):
        self.db = db

    def edges(self, kind: str, ids: list[int], direction: str) -> list[LineageEdge]:
        """Edges into (``up``) or out of (``down``) the given nodes."""
        if not ids:
            return []
        e = EdgeRow
        if direction == "up":
            cond = and_(e.dst_kind == kind, e.dst_id.in_(ids))
        else:
            cond = and_(e.src_kind == kind, e.src_id.in_(ids))
        with self.db.session() as s:
            return [
                LineageEdge(r.src_kind, r.src_id, r.relation, r.dst_kind, r.dst_id)
                for r in s.execute(select(e).where(cond)).scalars()
            ]

    def datasets(self, ids: list[int]) -> list[Dataset]:
        with self.db.session() as s:
            return load_datasets(s, ids)

    def dataset_by_hash(self, text: str) -> Dataset:
        """The one data set whose content hash is or starts with ``text`` (8+ hex digits)."""
        prefix = text.strip().lower() if isinstance(text, str) else ""
        if not PAGE_HASH.match(prefix):
            raise InvalidInput(
                f"{text!r} is not a data set's content hash: give its hash or at least its "
                "first 8 hex digits, as shown by mmds lineage and on a version's data sets."
            )
        with self.db.session() as s:
            ids = _hash_matches(s, prefix, repr(prefix))
            if not ids:
                raise no_such_dataset(prefix)
            return load_datasets(s, [ids[0][0]])[0]

    def dataset_ids(self, text: str) -> tuple[int, ...]:
        """The data sets ``text`` names: a content-hash prefix (one data set) or a name (any)."""
        d = DatasetRow
        with self.db.session() as s:
            by_hash: list[Any] = []
            if HASH_PREFIX.match(text):
                by_hash = _hash_matches(s, text, f"dataset={text!r}")
            ids = {i for i, _, _ in by_hash}
            ids.update(s.execute(select(d.id).where(d.name == text)).scalars())
        if not ids:
            raise NotFound(
                f"No data set has a hash starting with or a name equal to {text!r}. Give at "
                "least 4 hex digits of a data set's hash, as shown by mmds lineage and in "
                "the train_set and test_set columns of a search."
            )
        return tuple(sorted(ids))


def _hash_matches(s: Session, prefix: str, named: str) -> list[Any]:
    """(id, content hash, name) of the data sets whose hash starts with ``prefix`` (at most
    one; more is an AmbiguousReference naming ``named`` and the candidates)."""
    d = DatasetRow
    # A range on the unique index: hashes are lower-case hex, "g" follows "f".
    rows = list(
        s.execute(
            select(d.id, d.content_hash, d.name)
            .where(d.content_hash >= prefix, d.content_hash < prefix + "g")
            .order_by(d.content_hash)
            .limit(5)
        ).all()
    )
    if len(rows) > 1:
        shown = ", ".join(f"{h[:12]} ({n or 'unnamed'})" for _, h, n in rows)
        raise AmbiguousReference(
            f"{named} starts the hash of more than one data set ({shown}); give more of the hash."
        )
    return rows
