"""招标 for needs: tenders, sealed proposals, their files and history.

Revision ID: 0015_tenders
Revises: 0014_trades
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_tenders'
down_revision = '0014_trades'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tenders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('budget_fen', sa.BigInteger(), nullable=True),
    sa.Column('deadline_at', sa.DateTime(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('awarded_proposal_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=1000), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'awarded', 'failed', 'withdrawn')", name=op.f('ck_tenders_status_known')),
    sa.CheckConstraint('budget_fen IS NULL OR budget_fen > 0', name=op.f('ck_tenders_budget_positive')),
    sa.CheckConstraint('opens_at >= deadline_at', name=op.f('ck_tenders_opens_after_deadline')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_tenders_contract_id_contracts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tenders_created_by_id_users')),
    sa.ForeignKeyConstraint(['need_id'], ['tech_needs.id'], name=op.f('fk_tenders_need_id_tech_needs')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tenders_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenders'))
    )
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenders_deadline_at'), ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenders_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenders_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenders_status'), ['status'], unique=False)

    op.create_table('tender_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_tender_events_actor_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_tender_events_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_events'))
    )
    with op.batch_alter_table('tender_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_events_tender_id'), ['tender_id'], unique=False)

    op.create_table('tender_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('score_note', sa.String(length=500), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('submitted', 'awarded', 'not_awarded')", name=op.f('ck_tender_proposals_status_known')),
    sa.CheckConstraint('price_fen > 0', name=op.f('ck_tender_proposals_price_positive')),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 0 AND 100', name=op.f('ck_tender_proposals_score_in_range')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tender_proposals_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_tender_proposals_tender_id_tenders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tender_proposals_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_proposals')),
    sa.UniqueConstraint('tender_id', 'organisation_id', name='one_proposal_per_organisation')
    )
    with op.batch_alter_table('tender_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_proposals_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_proposals_tender_id'), ['tender_id'], unique=False)

    op.create_table('tender_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=60), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_tender_files_size_positive')),
    sa.ForeignKeyConstraint(['proposal_id'], ['tender_proposals.id'], name=op.f('fk_tender_files_proposal_id_tender_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_files'))
    )
    with op.batch_alter_table('tender_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_files_proposal_id'), ['proposal_id'], unique=False)



def downgrade():
    with op.batch_alter_table('tender_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_files_proposal_id'))

    op.drop_table('tender_files')
    with op.batch_alter_table('tender_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_proposals_tender_id'))
        batch_op.drop_index(batch_op.f('ix_tender_proposals_organisation_id'))

    op.drop_table('tender_proposals')
    with op.batch_alter_table('tender_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_events_tender_id'))

    op.drop_table('tender_events')
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenders_status'))
        batch_op.drop_index(batch_op.f('ix_tenders_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_tenders_need_id'))
        batch_op.drop_index(batch_op.f('ix_tenders_deadline_at'))

    op.drop_table('tenders')
