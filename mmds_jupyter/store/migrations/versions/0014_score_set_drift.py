"""score sets keep their drift: binned counts, a sample and the report, as one artifact

Revision ID: 0014
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("score_sets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("drift_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("score_sets", schema=None) as batch_op:
        batch_op.drop_column("drift_sha256")
