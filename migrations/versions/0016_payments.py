"""Payments on record: the payment plan, payments with receipts, contracts.paid_fen and 到账金额 by payment date.

Revision ID: 0016_payments
Revises: 0015_tenders
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_payments'
down_revision = '0015_tenders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_paid_daily',
    sa.Column('side', sa.String(length=6), nullable=False),
    sa.Column('dim', sa.String(length=12), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("side IN ('seller', 'buyer')", name=op.f('ck_stats_paid_daily_side_known')),
    sa.PrimaryKeyConstraint('side', 'dim', 'day', 'region_code', 'category', name=op.f('pk_stats_paid_daily'))
    )
    op.create_table('payment_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_payment_milestones_amount_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_payment_milestones_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payment_milestones_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_milestones')),
    sa.UniqueConstraint('contract_id', 'seq', name='one_seq_per_contract')
    )
    with op.batch_alter_table('payment_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_milestones_contract_id'), ['contract_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('receipt_name', sa.String(length=200), nullable=False),
    sa.Column('receipt_sha256', sa.String(length=64), nullable=False),
    sa.Column('receipt_bytes', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.String(length=200), nullable=False),
    sa.Column('request_key', sa.String(length=80), nullable=True),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_payments_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['milestone_id'], ['payment_milestones.id'], name=op.f('fk_payments_milestone_id_payment_milestones'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_payments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_payments_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_payments_voided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('request_key', name=op.f('uq_payments_request_key'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_paid_on'), ['paid_on'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_fen', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_check_constraint(op.f('ck_contracts_paid_within_amount'),
                                         'paid_fen >= 0 AND paid_fen <= contract_amount_fen')



def downgrade():
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contracts_paid_within_amount'), type_='check')
        batch_op.drop_column('paid_fen')

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_paid_on'))
        batch_op.drop_index(batch_op.f('ix_payments_contract_id'))

    op.drop_table('payments')
    with op.batch_alter_table('payment_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_milestones_contract_id'))

    op.drop_table('payment_milestones')
    op.drop_table('stats_paid_daily')
