"""team mode: a token may be limited to some projects (a scheduled run's token)

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010_track_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # JSON list of project names; NULL: the token acts wherever its user may.
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("projects", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("projects")
