"""The admins' synonym groups, added to the shipped thesaurus (data/thesaurus.txt).

Revision ID: 0010_thesaurus
Revises: 0009_contract_register_order
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_thesaurus'
down_revision = '0009_contract_register_order'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('synonym_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('words', sa.String(length=400), nullable=False),
    sa.Column('tech_field', sa.String(length=20), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_synonym_groups_added_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_synonym_groups'))
    )


def downgrade():
    op.drop_table('synonym_groups')
