"""Registration for a whole year: amendment applications, the officials' calendar days, year-end closes.

contract_amendments: 变更登记 applications, reviewed before they change a contract
(one open application per contract). calendar_days: holidays and 调休 working days
officials add for years the shipped calendar does not know. year_closes: a region's
closed years with their frozen published totals.

Revision ID: 0008_registration_year
Revises: 0007_ip_types
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_registration_year'
down_revision = '0007_ip_types'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_calendar_days_added_by_id_users')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    op.create_table('year_closes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=False),
    sa.Column('contracts', sa.Integer(), nullable=False),
    sa.Column('contract_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('tech_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('children', sa.JSON(), nullable=False),
    sa.CheckConstraint('year >= 1985 AND year <= 2200', name=op.f('ck_year_closes_year_range')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_year_closes_closed_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_year_closes_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_closes')),
    sa.UniqueConstraint('region_code', 'year', name='one_close_per_region_year')
    )
    with op.batch_alter_table('year_closes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_year_closes_region_code'), ['region_code'], unique=False)

    op.create_table('contract_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('first_reviewer_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'second_review', 'approved', 'refused', 'withdrawn')", name=op.f('ck_contract_amendments_status_known')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_amendments_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_contract_amendments_decided_by_id_users')),
    sa.ForeignKeyConstraint(['first_reviewer_id'], ['users.id'], name=op.f('fk_contract_amendments_first_reviewer_id_users')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_contract_amendments_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_amendments'))
    )
    with op.batch_alter_table('contract_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_amendments_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_amendments_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index('ix_contract_amendments_one_open', ['contract_id'], unique=True, sqlite_where=sa.text("status IN ('pending', 'second_review')"), postgresql_where=sa.text("status IN ('pending', 'second_review')"))



def downgrade():
    with op.batch_alter_table('contract_amendments', schema=None) as batch_op:
        batch_op.drop_index('ix_contract_amendments_one_open', sqlite_where=sa.text("status IN ('pending', 'second_review')"), postgresql_where=sa.text("status IN ('pending', 'second_review')"))
        batch_op.drop_index(batch_op.f('ix_contract_amendments_decided_at'))
        batch_op.drop_index(batch_op.f('ix_contract_amendments_contract_id'))

    op.drop_table('contract_amendments')
    with op.batch_alter_table('year_closes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_year_closes_region_code'))

    op.drop_table('year_closes')
    op.drop_table('calendar_days')
