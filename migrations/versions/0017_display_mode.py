"""大字版 / 高对比度 kept with the account: users.display_mode (None until chosen).

Revision ID: 0017_display_mode
Revises: 0016_payments
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_display_mode'
down_revision = '0016_payments'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_mode', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_users_display_mode_known'),
            "display_mode IS NULL OR display_mode IN ('', 'large', 'contrast', 'large_contrast')")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_display_mode_known'), type_='check')
        batch_op.drop_column('display_mode')
