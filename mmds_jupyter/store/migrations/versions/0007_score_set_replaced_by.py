"""score sets replaced by a later score set of the same input

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("score_sets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaced_by", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_score_sets_version_input", ["version_id", "input_dataset_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("score_sets", schema=None) as batch_op:
        batch_op.drop_index("ix_score_sets_version_input")
        batch_op.drop_column("replaced_by")
