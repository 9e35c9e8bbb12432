"""The register (登记台账) reads contracts newest registration first: an index in that order.

Revision ID: 0009_contract_register_order
Revises: 0008_registration_year
Create Date: 2026-12-01
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_contract_register_order'
down_revision = '0008_registration_year'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_contracts_register_order', 'contracts', ['registered_on', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_contracts_register_order', table_name='contracts')
