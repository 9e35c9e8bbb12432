"""Record the seller organisation's confirmation of a broker's contract draft.

Revision ID: 0004_contract_seller_confirm
Revises: 0003_security_log
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_contract_seller_confirm'
down_revision = '0003_security_log'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seller_confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('seller_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_contracts_seller_confirmed_by_id_users'), 'users',
                                    ['seller_confirmed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contracts_seller_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('seller_confirmed_by_id')
        batch_op.drop_column('seller_confirmed_at')
