"""team mode: roles granted per project to users or groups, and group members

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("role", "project", "kind", "principal", name="uq_grants"),
    )
    op.create_index("ix_grants_project", "grants", ["project"], unique=False)
    op.create_index("ix_grants_principal", "grants", ["principal"], unique=False)
    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_name", "user_name", name="uq_group_members"),
    )
    op.create_index("ix_group_members_user_name", "group_members", ["user_name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_group_members_user_name", table_name="group_members")
    op.drop_table("group_members")
    op.drop_index("ix_grants_principal", table_name="grants")
    op.drop_index("ix_grants_project", table_name="grants")
    op.drop_table("grants")
