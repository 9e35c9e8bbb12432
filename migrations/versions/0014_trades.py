"""Pricing and trading results: agreed prices under notice, listings, auctions, bids, objections.

Revision ID: 0014_trades
Revises: 0013_threads
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_trades'
down_revision = '0013_threads'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('transfer_mode', sa.String(length=10), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('reserve_fen', sa.BigInteger(), nullable=True),
    sa.Column('increment_fen', sa.BigInteger(), nullable=False),
    sa.Column('deposit_fen', sa.BigInteger(), nullable=False),
    sa.Column('extend_minutes', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('counterpart_name', sa.String(length=200), nullable=False),
    sa.Column('counterpart_org_id', sa.Integer(), nullable=True),
    sa.Column('completers', sa.String(length=500), nullable=False),
    sa.Column('objection_contact', sa.String(length=300), nullable=False),
    sa.Column('leading_bid_id', sa.Integer(), nullable=True),
    sa.Column('bid_count', sa.Integer(), nullable=False),
    sa.Column('winner_party_id', sa.Integer(), nullable=True),
    sa.Column('final_price_fen', sa.BigInteger(), nullable=True),
    sa.Column('outcome_note', sa.String(length=500), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("route IN ('agreed', 'listed', 'auction', 'sealed')", name=op.f('ck_trades_route_known')),
    sa.CheckConstraint("status IN ('open', 'deal', 'contracted', 'converted', 'failed', 'withdrawn')", name=op.f('ck_trades_status_known')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_trades_period_positive')),
    sa.CheckConstraint('increment_fen >= 0 AND deposit_fen >= 0', name=op.f('ck_trades_amounts_not_negative')),
    sa.CheckConstraint('price_fen > 0', name=op.f('ck_trades_price_positive')),
    sa.CheckConstraint('reserve_fen IS NULL OR reserve_fen > 0', name=op.f('ck_trades_reserve_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_trades_contract_id_contracts')),
    sa.ForeignKeyConstraint(['counterpart_org_id'], ['organisations.id'], name=op.f('fk_trades_counterpart_org_id_organisations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_trades_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_trades_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['parent_id'], ['trades.id'], name=op.f('fk_trades_parent_id_trades')),
    sa.ForeignKeyConstraint(['result_id'], ['tech_results.id'], name=op.f('fk_trades_result_id_tech_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trades'))
    )
    with op.batch_alter_table('trades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trades_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trades_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trades_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trades_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trades_result_id'), ['result_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trades_route'), ['route'], unique=False)
        batch_op.create_index(batch_op.f('ix_trades_status'), ['status'], unique=False)

    op.create_table('trade_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_trade_events_actor_id_users')),
    sa.ForeignKeyConstraint(['trade_id'], ['trades.id'], name=op.f('fk_trade_events_trade_id_trades'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade_events'))
    )
    with op.batch_alter_table('trade_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trade_events_trade_id'), ['trade_id'], unique=False)

    op.create_table('trade_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.String(length=1000), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'dismissed', 'upheld')", name=op.f('ck_trade_objections_status_known')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_trade_objections_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['trade_id'], ['trades.id'], name=op.f('fk_trade_objections_trade_id_trades'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trade_objections_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade_objections'))
    )
    with op.batch_alter_table('trade_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trade_objections_trade_id'), ['trade_id'], unique=False)

    op.create_table('trade_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('deposit_fen', sa.BigInteger(), nullable=False),
    sa.Column('deposit_note', sa.String(length=300), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_trade_parties_status_known')),
    sa.CheckConstraint('deposit_fen >= 0', name=op.f('ck_trade_parties_deposit_not_negative')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_trade_parties_decided_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_trade_parties_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['trade_id'], ['trades.id'], name=op.f('fk_trade_parties_trade_id_trades'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trade_parties_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade_parties')),
    sa.UniqueConstraint('trade_id', 'organisation_id', name='one_party_per_organisation')
    )
    with op.batch_alter_table('trade_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trade_parties_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trade_parties_trade_id'), ['trade_id'], unique=False)

    op.create_table('bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('request_key', sa.String(length=64), nullable=False),
    sa.Column('placed_at', sa.DateTime(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_bids_amount_positive')),
    sa.ForeignKeyConstraint(['party_id'], ['trade_parties.id'], name=op.f('fk_bids_party_id_trade_parties')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_bids_placed_by_id_users')),
    sa.ForeignKeyConstraint(['trade_id'], ['trades.id'], name=op.f('fk_bids_trade_id_trades'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bids')),
    sa.UniqueConstraint('trade_id', 'party_id', 'request_key', name='one_bid_per_request'),
    sa.UniqueConstraint('trade_id', 'seq', name='one_bid_per_sequence')
    )
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bids_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bids_trade_id'), ['trade_id'], unique=False)



def downgrade():
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bids_trade_id'))
        batch_op.drop_index(batch_op.f('ix_bids_party_id'))

    op.drop_table('bids')
    with op.batch_alter_table('trade_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trade_parties_trade_id'))
        batch_op.drop_index(batch_op.f('ix_trade_parties_organisation_id'))

    op.drop_table('trade_parties')
    with op.batch_alter_table('trade_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trade_objections_trade_id'))

    op.drop_table('trade_objections')
    with op.batch_alter_table('trade_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trade_events_trade_id'))

    op.drop_table('trade_events')
    with op.batch_alter_table('trades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trades_status'))
        batch_op.drop_index(batch_op.f('ix_trades_route'))
        batch_op.drop_index(batch_op.f('ix_trades_result_id'))
        batch_op.drop_index(batch_op.f('ix_trades_parent_id'))
        batch_op.drop_index(batch_op.f('ix_trades_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_trades_ends_at'))
        batch_op.drop_index(batch_op.f('ix_trades_contract_id'))

    op.drop_table('trades')
