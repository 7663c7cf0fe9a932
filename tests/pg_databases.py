"""A PostgreSQL database per test, on the server `make test` starts (MMDS_TEST_PG_URL)."""

from __future__ import annotations

import os
import uuid

PG_URL = os.environ.get(
    "MMDS_TEST_PG_URL", "postgresql+psycopg://root@/root?host=/var/run/postgresql"
)


def _pg_admin():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def fresh_pg_database() -> tuple[str, str]:
    """Create an empty database for one test; returns (url, name)."""
    from sqlalchemy import text

    name = f"mmds_test_{uuid.uuid4().hex[:12]}"
    engine = _pg_admin()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    base, _, query = PG_URL.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else ""), name


def drop_pg_database(name: str) -> None:
    from sqlalchemy import text

    engine = _pg_admin()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
