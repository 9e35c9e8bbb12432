"""Initial schema: every table of the first release.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contract_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_by', sa.String(length=80), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_added', sa.Integer(), nullable=False),
    sa.Column('rows_skipped', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_imports'))
    )
    with op.batch_alter_table('contract_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_imports_sha256'), ['sha256'], unique=False)

    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_remote_addr'), ['remote_addr'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_username'), ['username'], unique=False)

    op.create_table('regions',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('province_code', sa.String(length=6), nullable=False),
    sa.Column('province', sa.String(length=64), nullable=False),
    sa.CheckConstraint('length(code) = 6', name=op.f('ck_regions_code_six_digits')),
    sa.CheckConstraint('length(province_code) = 6', name=op.f('ck_regions_province_six_digits')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regions_province_code'), ['province_code'], unique=False)

    op.create_table('registration_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_serial >= 0', name=op.f('ck_registration_counters_serial_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_counters')),
    sa.UniqueConstraint('office_code', 'year', name='one_per_office_year')
    )
    op.create_table('search_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('result', 'need')", name=op.f('ck_search_changes_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_changes'))
    )
    op.create_table('stats_daily',
    sa.Column('side', sa.String(length=6), nullable=False),
    sa.Column('dim', sa.String(length=12), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('contracts', sa.Integer(), nullable=False),
    sa.Column('contract_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('tech_amount_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("side IN ('seller', 'buyer')", name=op.f('ck_stats_daily_side_known')),
    sa.PrimaryKeyConstraint('side', 'dim', 'day', 'region_code', 'category', name=op.f('pk_stats_daily'))
    )
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('org_type', sa.String(length=8), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('website', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("org_type IN ('企业', '科研机构', '高等院校', '医疗卫生', '机关', '社团', '个人', '其他')", name=op.f('ck_organisations_org_type_known')),
    sa.CheckConstraint('credit_code IS NULL OR length(credit_code) = 18', name=op.f('ck_organisations_credit_code_length')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_organisations_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_organisations_credit_code')),
    sa.UniqueConstraint('name', name=op.f('uq_organisations_name'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_region_code'), ['region_code'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=50), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('awaiting_approval', sa.Boolean(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("role IN ('institute', 'enterprise', 'broker', 'official', 'admin')", name=op.f('ck_users_role_known')),
    sa.CheckConstraint('NOT (awaiting_approval AND active)', name=op.f('ck_users_pending_is_inactive')),
    sa.CheckConstraint('session_version >= 1', name=op.f('ck_users_session_version_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_users_approved_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_users_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('broker_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('certificate_no', sa.String(length=40), nullable=False),
    sa.Column('specialty_fields', sa.String(length=300), nullable=False),
    sa.Column('service_regions', sa.String(length=300), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('is_listed', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("level IN ('junior', 'intermediate', 'senior')", name=op.f('ck_broker_profiles_level_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_broker_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_broker_profiles_user_id'))
    )
    op.create_table('match_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('venue', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_match_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_match_events_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_events'))
    )
    with op.batch_alter_table('match_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_events_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_events_region_code'), ['region_code'], unique=False)

    op.create_table('tech_needs',
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('budget_fen', sa.BigInteger(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('cooperation_modes', sa.String(length=100), nullable=False),
    sa.Column('is_bounty', sa.Boolean(), nullable=False),
    sa.Column('bounty_fen', sa.BigInteger(), nullable=True),
    sa.Column('bounty_goals', sa.Text(), nullable=False),
    sa.Column('bounty_conditions', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('keywords', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.CheckConstraint("field IN ('电子信息', '航空航天', '先进制造', '生物医药和医疗器械', '新材料及其应用', '新能源与高效节能', '环境保护与资源综合利用', '核应用技术', '农业', '现代交通', '城市建设与社会发展')", name=op.f('ck_tech_needs_field_known')),
    sa.CheckConstraint("status IN ('draft', 'pending', 'published', 'returned', 'withdrawn')", name=op.f('ck_tech_needs_status_known')),
    sa.CheckConstraint('NOT is_bounty OR (bounty_fen IS NOT NULL AND deadline IS NOT NULL)', name=op.f('ck_tech_needs_bounty_complete')),
    sa.CheckConstraint('bounty_fen IS NULL OR (bounty_fen > 0 AND bounty_fen <= 10000000000000)', name=op.f('ck_tech_needs_bounty_range')),
    sa.CheckConstraint('budget_fen IS NULL OR (budget_fen >= 0 AND budget_fen <= 10000000000000)', name=op.f('ck_tech_needs_budget_range')),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_tech_needs_title_not_empty')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tech_needs_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tech_needs_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tech_needs_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tech_needs'))
    )
    with op.batch_alter_table('tech_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tech_needs_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_needs_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_needs_is_bounty'), ['is_bounty'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_needs_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_needs_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_needs_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_needs_status'), ['status'], unique=False)

    op.create_table('tech_results',
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('maturity', sa.String(length=8), nullable=False),
    sa.Column('trl', sa.Integer(), nullable=True),
    sa.Column('ip_types', sa.String(length=100), nullable=False),
    sa.Column('ip_numbers', sa.String(length=500), nullable=False),
    sa.Column('transfer_modes', sa.String(length=100), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('keywords', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.CheckConstraint("field IN ('电子信息', '航空航天', '先进制造', '生物医药和医疗器械', '新材料及其应用', '新能源与高效节能', '环境保护与资源综合利用', '核应用技术', '农业', '现代交通', '城市建设与社会发展')", name=op.f('ck_tech_results_field_known')),
    sa.CheckConstraint("maturity IN ('研发', '小试', '中试', '产业化')", name=op.f('ck_tech_results_maturity_known')),
    sa.CheckConstraint("status IN ('draft', 'pending', 'published', 'returned', 'withdrawn')", name=op.f('ck_tech_results_status_known')),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_tech_results_title_not_empty')),
    sa.CheckConstraint('price_fen IS NULL OR (price_fen >= 0 AND price_fen <= 10000000000000)', name=op.f('ck_tech_results_price_range')),
    sa.CheckConstraint('trl IS NULL OR (trl BETWEEN 1 AND 9)', name=op.f('ck_tech_results_trl_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tech_results_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tech_results_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tech_results_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tech_results'))
    )
    with op.batch_alter_table('tech_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tech_results_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_results_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_results_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_results_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_tech_results_status'), ['status'], unique=False)

    op.create_table('bounty_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('submitted', 'selected', 'not_selected', 'withdrawn')", name=op.f('ck_bounty_applications_status_known')),
    sa.CheckConstraint('length(proposal) > 0', name=op.f('ck_bounty_applications_proposal_not_empty')),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_bounty_applications_applicant_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_bounty_applications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['need_id'], ['tech_needs.id'], name=op.f('fk_bounty_applications_need_id_tech_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_bounty_applications_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bounty_applications')),
    sa.UniqueConstraint('need_id', 'organisation_id', name='one_per_org')
    )
    with op.batch_alter_table('bounty_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bounty_applications_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bounty_applications_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('event_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['match_events.id'], name=op.f('fk_event_needs_event_id_match_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['tech_needs.id'], name=op.f('fk_event_needs_need_id_tech_needs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_needs')),
    sa.UniqueConstraint('event_id', 'need_id', name='need_once_per_event')
    )
    with op.batch_alter_table('event_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_needs_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_needs_need_id'), ['need_id'], unique=False)

    op.create_table('listing_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(result_id IS NULL) <> (need_id IS NULL)', name=op.f('ck_listing_events_exactly_one_listing')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_listing_events_actor_id_users')),
    sa.ForeignKeyConstraint(['need_id'], ['tech_needs.id'], name=op.f('fk_listing_events_need_id_tech_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['tech_results.id'], name=op.f('fk_listing_events_result_id_tech_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_events'))
    )
    with op.batch_alter_table('listing_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_events_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_events_result_id'), ['result_id'], unique=False)

    op.create_table('matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('pitch', sa.Text(), nullable=False),
    sa.Column('broker_notes', sa.Text(), nullable=False),
    sa.Column('need_accepted_at', sa.DateTime(), nullable=True),
    sa.Column('result_accepted_at', sa.DateTime(), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'introduced', 'negotiating', 'signed', 'failed')", name=op.f('ck_matches_status_known')),
    sa.ForeignKeyConstraint(['broker_id'], ['users.id'], name=op.f('fk_matches_broker_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_matches_created_by_id_users')),
    sa.ForeignKeyConstraint(['need_id'], ['tech_needs.id'], name=op.f('fk_matches_need_id_tech_needs')),
    sa.ForeignKeyConstraint(['result_id'], ['tech_results.id'], name=op.f('fk_matches_result_id_tech_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matches')),
    sa.UniqueConstraint('need_id', 'result_id', name='one_per_pair')
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matches_broker_id'), ['broker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_result_id'), ['result_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_status'), ['status'], unique=False)

    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_no', sa.String(length=32), nullable=True),
    sa.Column('contract_no', sa.String(length=64), nullable=True),
    sa.Column('contract_type', sa.String(length=8), nullable=False),
    sa.Column('subtype', sa.String(length=8), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tech_field', sa.String(length=20), nullable=False),
    sa.Column('ip_types', sa.String(length=100), nullable=False),
    sa.Column('seller_org_id', sa.Integer(), nullable=True),
    sa.Column('seller_name', sa.String(length=100), nullable=False),
    sa.Column('seller_type', sa.String(length=8), nullable=False),
    sa.Column('seller_region', sa.String(length=6), nullable=False),
    sa.Column('buyer_org_id', sa.Integer(), nullable=True),
    sa.Column('buyer_name', sa.String(length=100), nullable=False),
    sa.Column('buyer_type', sa.String(length=8), nullable=False),
    sa.Column('buyer_region', sa.String(length=6), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('contract_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('deduct_equipment_fen', sa.BigInteger(), nullable=False),
    sa.Column('deduct_instruments_fen', sa.BigInteger(), nullable=False),
    sa.Column('deduct_parts_fen', sa.BigInteger(), nullable=False),
    sa.Column('deduct_materials_fen', sa.BigInteger(), nullable=False),
    sa.Column('deduct_other_fen', sa.BigInteger(), nullable=False),
    sa.Column('tech_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('first_reviewer_id', sa.Integer(), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('refusal_reason', sa.String(length=40), nullable=True),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(contract_type = '技术开发' AND (subtype IS NULL OR subtype IN ('委托开发', '合作开发'))) OR (contract_type = '技术服务' AND (subtype IS NULL OR subtype IN ('技术培训', '技术中介'))) OR (contract_type NOT IN ('技术开发', '技术服务') AND subtype IS NULL)", name=op.f('ck_contracts_subtype_fits_type')),
    sa.CheckConstraint("buyer_type IN ('企业', '科研机构', '高等院校', '医疗卫生', '机关', '社团', '个人', '其他')", name=op.f('ck_contracts_buyer_type_known')),
    sa.CheckConstraint("contract_type IN ('技术开发', '技术转让', '技术许可', '技术咨询', '技术服务')", name=op.f('ck_contracts_type_known')),
    sa.CheckConstraint("seller_type IN ('企业', '科研机构', '高等院校', '医疗卫生', '机关', '社团', '个人', '其他')", name=op.f('ck_contracts_seller_type_known')),
    sa.CheckConstraint("status <> 'registered' OR (registration_no IS NOT NULL AND registered_on IS NOT NULL)", name=op.f('ck_contracts_registered_has_number')),
    sa.CheckConstraint("status IN ('draft', 'filed', 'accepted', 'correction', 'second_review', 'registered', 'refused', 'cancelled')", name=op.f('ck_contracts_status_known')),
    sa.CheckConstraint("tech_field IN ('电子信息', '航空航天', '先进制造', '生物医药和医疗器械', '新材料及其应用', '新能源与高效节能', '环境保护与资源综合利用', '核应用技术', '农业', '现代交通', '城市建设与社会发展')", name=op.f('ck_contracts_field_known')),
    sa.CheckConstraint('contract_amount_fen >= 0 AND contract_amount_fen <= 10000000000000', name=op.f('ck_contracts_contract_amount_range')),
    sa.CheckConstraint('deduct_equipment_fen >= 0 AND deduct_instruments_fen >= 0 AND deduct_parts_fen >= 0 AND deduct_materials_fen >= 0 AND deduct_other_fen >= 0', name=op.f('ck_contracts_deductions_not_negative')),
    sa.CheckConstraint('tech_amount_fen = contract_amount_fen - (deduct_equipment_fen + deduct_instruments_fen + deduct_parts_fen + deduct_materials_fen + deduct_other_fen)', name=op.f('ck_contracts_tech_amount_derived')),
    sa.CheckConstraint('tech_amount_fen >= 0 AND tech_amount_fen <= contract_amount_fen', name=op.f('ck_contracts_tech_amount_range')),
    sa.CheckConstraint('valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from', name=op.f('ck_contracts_validity_ordered')),
    sa.ForeignKeyConstraint(['broker_id'], ['users.id'], name=op.f('fk_contracts_broker_id_users')),
    sa.ForeignKeyConstraint(['buyer_org_id'], ['organisations.id'], name=op.f('fk_contracts_buyer_org_id_organisations')),
    sa.ForeignKeyConstraint(['buyer_region'], ['regions.code'], name=op.f('fk_contracts_buyer_region_regions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contracts_created_by_id_users')),
    sa.ForeignKeyConstraint(['first_reviewer_id'], ['users.id'], name=op.f('fk_contracts_first_reviewer_id_users')),
    sa.ForeignKeyConstraint(['import_batch_id'], ['contract_imports.id'], name=op.f('fk_contracts_import_batch_id_contract_imports')),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_contracts_match_id_matches')),
    sa.ForeignKeyConstraint(['need_id'], ['tech_needs.id'], name=op.f('fk_contracts_need_id_tech_needs')),
    sa.ForeignKeyConstraint(['result_id'], ['tech_results.id'], name=op.f('fk_contracts_result_id_tech_results')),
    sa.ForeignKeyConstraint(['seller_org_id'], ['organisations.id'], name=op.f('fk_contracts_seller_org_id_organisations')),
    sa.ForeignKeyConstraint(['seller_region'], ['regions.code'], name=op.f('fk_contracts_seller_region_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('contract_no', name=op.f('uq_contracts_contract_no')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_contracts_idempotency_key')),
    sa.UniqueConstraint('registration_no', name=op.f('uq_contracts_registration_no'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_buyer_org_id'), ['buyer_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_buyer_region'), ['buyer_region'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_contract_type'), ['contract_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_import_batch_id'), ['import_batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_match_id'), ['match_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_registered_on'), ['registered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_seller_org_id'), ['seller_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_seller_region'), ['seller_region'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_tech_field'), ['tech_field'], unique=False)

    op.create_table('match_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_match_steps_actor_id_users')),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_match_steps_match_id_matches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_steps'))
    )
    with op.batch_alter_table('match_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_steps_match_id'), ['match_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_messages_match_id_matches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_messages_recipient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_messages_sender_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_match_id'), ['match_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('contract_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=60), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_contract_attachments_size_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_attachments_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_contract_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_attachments'))
    )
    with op.batch_alter_table('contract_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_attachments_contract_id'), ['contract_id'], unique=False)

    op.create_table('contract_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_contract_events_actor_id_users')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_events_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_events'))
    )
    with op.batch_alter_table('contract_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_events_contract_id'), ['contract_id'], unique=False)

    op.create_table('event_deals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('seller_name', sa.String(length=100), nullable=False),
    sa.Column('buyer_name', sa.String(length=100), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen >= 0 AND amount_fen <= 10000000000000', name=op.f('ck_event_deals_amount_range')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_event_deals_contract_id_contracts')),
    sa.ForeignKeyConstraint(['event_id'], ['match_events.id'], name=op.f('fk_event_deals_event_id_match_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_deals'))
    )
    with op.batch_alter_table('event_deals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_deals_event_id'), ['event_id'], unique=False)



def downgrade():
    with op.batch_alter_table('event_deals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_deals_event_id'))

    op.drop_table('event_deals')
    with op.batch_alter_table('contract_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_events_contract_id'))

    op.drop_table('contract_events')
    with op.batch_alter_table('contract_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_attachments_contract_id'))

    op.drop_table('contract_attachments')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_messages_match_id'))
        batch_op.drop_index(batch_op.f('ix_messages_created_at'))

    op.drop_table('messages')
    with op.batch_alter_table('match_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_steps_match_id'))

    op.drop_table('match_steps')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_tech_field'))
        batch_op.drop_index(batch_op.f('ix_contracts_status'))
        batch_op.drop_index(batch_op.f('ix_contracts_seller_region'))
        batch_op.drop_index(batch_op.f('ix_contracts_seller_org_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_registered_on'))
        batch_op.drop_index(batch_op.f('ix_contracts_match_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_import_batch_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_due_on'))
        batch_op.drop_index(batch_op.f('ix_contracts_contract_type'))
        batch_op.drop_index(batch_op.f('ix_contracts_buyer_region'))
        batch_op.drop_index(batch_op.f('ix_contracts_buyer_org_id'))

    op.drop_table('contracts')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matches_status'))
        batch_op.drop_index(batch_op.f('ix_matches_result_id'))
        batch_op.drop_index(batch_op.f('ix_matches_need_id'))
        batch_op.drop_index(batch_op.f('ix_matches_broker_id'))

    op.drop_table('matches')
    with op.batch_alter_table('listing_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_events_result_id'))
        batch_op.drop_index(batch_op.f('ix_listing_events_need_id'))

    op.drop_table('listing_events')
    with op.batch_alter_table('event_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_needs_need_id'))
        batch_op.drop_index(batch_op.f('ix_event_needs_event_id'))

    op.drop_table('event_needs')
    with op.batch_alter_table('bounty_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bounty_applications_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_bounty_applications_need_id'))

    op.drop_table('bounty_applications')
    with op.batch_alter_table('tech_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tech_results_status'))
        batch_op.drop_index(batch_op.f('ix_tech_results_region_code'))
        batch_op.drop_index(batch_op.f('ix_tech_results_published_at'))
        batch_op.drop_index(batch_op.f('ix_tech_results_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_tech_results_field'))

    op.drop_table('tech_results')
    with op.batch_alter_table('tech_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tech_needs_status'))
        batch_op.drop_index(batch_op.f('ix_tech_needs_region_code'))
        batch_op.drop_index(batch_op.f('ix_tech_needs_published_at'))
        batch_op.drop_index(batch_op.f('ix_tech_needs_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_tech_needs_is_bounty'))
        batch_op.drop_index(batch_op.f('ix_tech_needs_field'))
        batch_op.drop_index(batch_op.f('ix_tech_needs_deadline'))

    op.drop_table('tech_needs')
    with op.batch_alter_table('match_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_events_region_code'))
        batch_op.drop_index(batch_op.f('ix_match_events_held_on'))

    op.drop_table('match_events')
    op.drop_table('broker_profiles')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_organisation_id'))

    op.drop_table('users')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_region_code'))

    op.drop_table('organisations')
    op.drop_table('stats_daily')
    op.drop_table('search_changes')
    op.drop_table('registration_counters')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regions_province_code'))

    op.drop_table('regions')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_username'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_at'))

    op.drop_table('login_attempts')
    with op.batch_alter_table('contract_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_imports_sha256'))

    op.drop_table('contract_imports')
