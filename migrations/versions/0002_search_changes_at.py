"""Index search_changes.at, so pruning the old end of the outbox does not scan it.

Revision ID: 0002_search_changes_at
Revises: 0001_initial
Create Date: 2026-11-25
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002_search_changes_at'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_changes_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('search_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_changes_at'))
