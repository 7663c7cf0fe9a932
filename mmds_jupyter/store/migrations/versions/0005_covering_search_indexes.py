"""covering indexes for metric and tag filters

The search for "roc_auc > 0.8" or "tag team=risk" reads only the index: the version ids sit in
it, so the database no longer looks up every matching row in the table.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_metrics_lookup")
        batch_op.create_index(
            "ix_metrics_lookup", ["name", "slice", "dataset", "value", "version_id"], unique=False
        )
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_index("ix_tags_key_value")
        batch_op.create_index("ix_tags_key_value", ["key", "value", "version_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_index("ix_tags_key_value")
        batch_op.create_index("ix_tags_key_value", ["key", "value"], unique=False)
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_metrics_lookup")
        batch_op.create_index("ix_metrics_lookup", ["name", "slice", "value"], unique=False)
