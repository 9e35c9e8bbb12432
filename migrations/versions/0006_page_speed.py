"""Pages at a province's scale: tokens of the per-process caches, and listings newest first from an index.

cache_versions: one token per group of cached figures (home counts, facets,
statistics); a commit that writes one of the group's tables replaces it.
ix_tech_*_status_newest: the browse pages' default order (published, newest
first) read in index order instead of sorting every published listing.

Revision ID: 0006_page_speed
Revises: 0005_accounts_trust
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006_page_speed'
down_revision = '0005_accounts_trust'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cache_versions',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('token', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions')),
    )
    for table in ('tech_results', 'tech_needs'):
        op.create_index(f'ix_{table}_status_newest', table, ['status', 'published_at', 'id'], unique=False)


def downgrade():
    for table in ('tech_results', 'tech_needs'):
        op.drop_index(f'ix_{table}_status_newest', table_name=table)
    op.drop_table('cache_versions')
