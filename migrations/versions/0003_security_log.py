"""The append-only security log: the database itself refuses UPDATE and DELETE on it.

Revision ID: 0003_security_log
Revises: 0002_search_changes_at
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003_security_log'
down_revision = '0002_search_changes_at'
branch_labels = None
depends_on = None

# PostgreSQL: one statement-level trigger also refuses TRUNCATE and zero-row statements.
# SQLSTATE 23001 (restrict_violation) makes both databases raise an integrity error.
POSTGRES_TRIGGER = [
    """CREATE FUNCTION security_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'security_log is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END $$""",
    """CREATE TRIGGER security_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON security_log
    FOR EACH STATEMENT EXECUTE FUNCTION security_log_refuse_change()""",
]
# SQLite has row triggers only. A batch migration of this table (copy and rename) would drop them.
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER security_log_no_{verb.lower()} BEFORE {verb} ON security_log
    BEGIN SELECT RAISE(ABORT, 'security_log is append-only: {verb} refused'); END"""
    for verb in ("UPDATE", "DELETE")
]


def upgrade():
    op.create_table('security_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=40), nullable=False),
    sa.Column('subject_user_id', sa.Integer(), nullable=True),
    sa.Column('subject_name', sa.String(length=40), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_log'))
    )
    with op.batch_alter_table('security_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_log_kind'), ['kind'], unique=False)
    for statement in POSTGRES_TRIGGER if op.get_bind().dialect.name == 'postgresql' else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    # Dropping the table drops its triggers (DROP TABLE fires no DELETE trigger).
    op.drop_table('security_log')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION security_log_refuse_change()')
