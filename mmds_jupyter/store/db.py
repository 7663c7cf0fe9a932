"""Engine set-up, the one managed-session helper, and schema migration on first use."""

from __future__ import annotations

import contextvars
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..config import expand_url
from ..errors import ConflictError, MMDSError

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 60
# Postgres advisory lock key that serialises schema upgrades across processes ("MMDS").
_PG_MIGRATION_LOCK = 0x4D4D4453

_write_txn: contextvars.ContextVar[bool] = contextvars.ContextVar("mmds_write_txn", default=False)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and immediate write locks."""
    url = expand_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # A write takes the lock up front, so two writers queue on the busy timeout
            # instead of failing when a read lock cannot be upgraded.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_txn.get() else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """An engine plus its session factory and the managed-session helper."""

    def __init__(self, url: str):
        self.url = expand_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._ready = False

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """Yield a session that commits on success, rolls back on error, maps DB errors."""
        self.ensure_schema()
        token = _write_txn.set(write)
        try:
            with self._sessions() as s:
                try:
                    yield s
                    if write:
                        s.commit()
                    else:
                        s.rollback()
                except IntegrityError as exc:
                    s.rollback()
                    raise ConflictError(
                        "The registry refused the write because it conflicts with data written "
                        f"at the same time ({exc.orig}). Nothing was saved; try again."
                    ) from exc
                except OperationalError as exc:
                    s.rollback()
                    raise MMDSError(
                        f"The registry database at {self.safe_url} could not complete the "
                        f"request: {exc.orig}. Nothing was saved; check that the database is "
                        "reachable and not locked by a stuck process, then try again."
                    ) from exc
                except BaseException:
                    s.rollback()
                    raise
        finally:
            _write_txn.reset(token)

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # -- schema ------------------------------------------------------------------------------

    def _alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def head(self) -> str | None:
        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def current(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def ensure_schema(self) -> None:
        """Upgrade the schema to head once per process; cheap when it is already current."""
        if self._ready:
            return
        if self.current() != self.head():
            self.upgrade()
        self._ready = True

    def upgrade(self) -> None:
        """Run the Alembic migrations to head, holding a cross-process lock while doing so."""
        cfg = self._alembic_config()
        with self._migration_lock() as conn:
            if MigrationContext.configure(conn).get_current_revision() == self.head():
                return
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            if conn.in_transaction():
                conn.commit()

    @contextmanager
    def _migration_lock(self) -> Iterator[Connection]:
        if self.dialect == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
                try:
                    yield conn
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                    conn.commit()
            return
        path = self.url.split("///", 1)[-1]
        lock_path = Path(f"{path}.migrate.lock") if path and path != ":memory:" else None
        if lock_path is None:
            with self.engine.connect() as conn:
                yield conn
            return
        with open(lock_path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                with self.engine.connect() as conn:
                    yield conn
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def dispose(self) -> None:
        self.engine.dispose()
