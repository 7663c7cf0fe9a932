"""The SQL stores of one database (SQLite or PostgreSQL), one per aggregate."""

from __future__ import annotations

from .base import Stores
from .consumers import SqlConsumerStore
from .db import Database
from .events import SqlAuditStore
from .identities import SqlIdentityStore
from .jobs import SqlJobStore
from .lineage import SqlLineageStore
from .monitors import SqlMonitorStore
from .retrains import SqlRetrainStore
from .runs import SqlRunStore
from .score_sets import SqlScoreSetStore
from .scoring import SqlScoringStore
from .search import SqlSearchStore
from .versions import SqlVersionStore


def sql_stores(db: Database) -> Stores:
    """Every aggregate store over ``db``; they share its engine and its managed session."""
    return Stores(
        versions=SqlVersionStore(db),
        lineage=SqlLineageStore(db),
        search=SqlSearchStore(db),
        audit=SqlAuditStore(db),
        score_sets=SqlScoreSetStore(db),
        scoring=SqlScoringStore(db),
        jobs=SqlJobStore(db),
        runs=SqlRunStore(db),
        identities=SqlIdentityStore(db),
        consumers=SqlConsumerStore(db),
        monitors=SqlMonitorStore(db),
        retrains=SqlRetrainStore(db),
    )
