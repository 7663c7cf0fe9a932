"""governance: consumers of models (application, owner, purpose, bound reference, since/until,
use recorded by production scoring)

Revision ID: 0013
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("application", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_version_id", sa.Integer(), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("calls", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_used", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"]),
        sa.ForeignKeyConstraint(["last_version_id"], ["versions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_id", "application", "reference", name="uq_consumers_binding"),
    )
    op.create_index("ix_consumers_model_id", "consumers", ["model_id"])


def downgrade() -> None:
    op.drop_index("ix_consumers_model_id", table_name="consumers")
    op.drop_table("consumers")
