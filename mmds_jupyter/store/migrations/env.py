"""Alembic environment: MMDS passes its own connection in ``config.attributes``."""

from alembic import context
from sqlalchemy import create_engine

from mmds_jupyter.store import (
    consumer_tables,  # noqa: F401 - its tables join Base.metadata
    governance2_tables,  # noqa: F401 - its tables join Base.metadata
    governance_tables,  # noqa: F401 - its tables join Base.metadata
    identity_tables,  # noqa: F401 - its tables join Base.metadata
    monitor_tables,  # noqa: F401 - its tables join Base.metadata
    retrain_tables,  # noqa: F401 - its tables join Base.metadata
    scheduler_tables,  # noqa: F401 - its tables join Base.metadata
)
from mmds_jupyter.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
