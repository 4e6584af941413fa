"""create users, customers, sites, assets, engineers and work orders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:24:08.268758
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


EVENTS_IMMUTABLE = """
CREATE FUNCTION work_order_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'work_order_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER work_order_events_immutable
    BEFORE UPDATE OR DELETE ON work_order_events
    FOR EACH ROW EXECUTE FUNCTION work_order_events_immutable();
"""


def upgrade() -> None:
    # Numbers are WO-<year>-<6 digits>; the digits come from one sequence.
    op.execute(sa.schema.CreateSequence(sa.Sequence("work_order_number_seq")))
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tier', sa.Enum('standard', 'vip', name='customer_tier', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    op.create_index(op.f('ix_customers_name'), 'customers', ['name'], unique=False)
    op.create_table('partner_companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_companies')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_companies_name'))
    )
    op.create_table('skills',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_skills'))
    )
    op.create_table('work_order_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_type', sa.Enum('repair', 'installation', 'maintenance', 'inspection', name='template_work_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_templates'))
    )
    op.create_index('uq_work_order_templates_active_type', 'work_order_templates', ['work_type'], unique=True, postgresql_where=sa.text('is_active'))
    op.create_geospatial_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=True),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geofence_radius_m', sa.Integer(), nullable=False),
    sa.Column('access_notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('geofence_radius_m > 0 AND geofence_radius_m <= 10000', name=op.f('ck_sites_geofence_radius_range')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_sites_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    op.create_geospatial_index('idx_sites_location', 'sites', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_sites_customer_id'), 'sites', ['customer_id'], unique=False)
    op.create_index(op.f('ix_sites_district'), 'sites', ['district'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('role', sa.Enum('admin', 'manager', 'agent', 'dispatcher', 'engineer', 'partner_engineer', 'warehouse', 'customer', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('partner_company_id', sa.Integer(), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['partner_company_id'], ['partner_companies.id'], name=op.f('fk_users_partner_company_id_partner_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_index(op.f('ix_users_partner_company_id'), 'users', ['partner_company_id'], unique=False)
    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('serial_number', sa.String(length=100), nullable=False),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('warranty_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('warranty_until IS NULL OR installed_on IS NULL OR warranty_until >= installed_on', name=op.f('ck_assets_warranty_after_install')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_assets_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('model', 'serial_number', name='uq_assets_model_serial')
    )
    op.create_index(op.f('ix_assets_site_id'), 'assets', ['site_id'], unique=False)
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_contacts_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contacts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('user_id', name=op.f('uq_contacts_user_id'))
    )
    op.create_index(op.f('ix_contacts_customer_id'), 'contacts', ['customer_id'], unique=False)
    op.create_geospatial_table('engineers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('home_base', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('home_district', sa.String(length=100), nullable=True),
    sa.Column('max_jobs_per_day', sa.Integer(), nullable=False),
    sa.Column('partner_company_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_position', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('last_position_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('max_jobs_per_day BETWEEN 1 AND 50', name=op.f('ck_engineers_max_jobs_range')),
    sa.ForeignKeyConstraint(['partner_company_id'], ['partner_companies.id'], name=op.f('fk_engineers_partner_company_id_partner_companies')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_engineers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engineers')),
    sa.UniqueConstraint('user_id', name=op.f('uq_engineers_user_id'))
    )
    op.create_geospatial_index('idx_engineers_home_base', 'engineers', ['home_base'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_index('idx_engineers_last_position', 'engineers', ['last_position'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_engineers_partner_company_id'), 'engineers', ['partner_company_id'], unique=False)
    op.create_table('revoked_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jti', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_revoked_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revoked_tokens')),
    sa.UniqueConstraint('jti', name=op.f('uq_revoked_tokens_jti'))
    )
    op.create_index(op.f('ix_revoked_tokens_expires_at'), 'revoked_tokens', ['expires_at'], unique=False)
    op.create_index(op.f('ix_revoked_tokens_user_id'), 'revoked_tokens', ['user_id'], unique=False)
    op.create_table('engineer_skills',
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('skill_code', sa.String(length=40), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 3', name=op.f('ck_engineer_skills_level_range')),
    sa.ForeignKeyConstraint(['engineer_id'], ['engineers.id'], name=op.f('fk_engineer_skills_engineer_id_engineers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_code'], ['skills.code'], name=op.f('fk_engineer_skills_skill_code_skills')),
    sa.PrimaryKeyConstraint('engineer_id', 'skill_code', name=op.f('pk_engineer_skills'))
    )
    op.create_table('engineer_time_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_engineer_time_off_period_ordered')),
    sa.ForeignKeyConstraint(['engineer_id'], ['engineers.id'], name=op.f('fk_engineer_time_off_engineer_id_engineers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engineer_time_off'))
    )
    op.create_index(op.f('ix_engineer_time_off_engineer_id'), 'engineer_time_off', ['engineer_id'], unique=False)
    op.create_table('engineer_working_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('starts', sa.Time(), nullable=False),
    sa.Column('ends', sa.Time(), nullable=False),
    sa.CheckConstraint('ends > starts', name=op.f('ck_engineer_working_hours_period_ordered')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_engineer_working_hours_weekday_range')),
    sa.ForeignKeyConstraint(['engineer_id'], ['engineers.id'], name=op.f('fk_engineer_working_hours_engineer_id_engineers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engineer_working_hours')),
    sa.UniqueConstraint('engineer_id', 'weekday', 'starts', name='uq_engineer_working_hours_period')
    )
    op.create_index(op.f('ix_engineer_working_hours_engineer_id'), 'engineer_working_hours', ['engineer_id'], unique=False)
    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.Enum('phone', 'email', 'web', 'wechat', 'api', 'import', name='channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('work_type', sa.Enum('repair', 'installation', 'maintenance', 'inspection', name='work_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('priority', sa.Enum('urgent', 'high', 'normal', 'low', name='priority', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('new', 'assigned', 'accepted', 'en_route', 'on_site', 'on_hold', 'resolved', 'awaiting_feedback', 'closed', 'cancelled', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('custom_fields', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('estimated_duration_min', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scheduled_engineer_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scheduled_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_before_hold', sa.Enum('new', 'assigned', 'accepted', 'en_route', 'on_site', 'on_hold', 'resolved', 'awaiting_feedback', 'closed', 'cancelled', name='status_before_hold', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('hold_reason', sa.String(length=50), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('resolution_code', sa.String(length=50), nullable=True),
    sa.Column('resolution_notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('estimated_duration_min > 0 AND estimated_duration_min <= 7 * 24 * 60', name=op.f('ck_work_orders_duration_range')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_work_orders_not_own_parent')),
    sa.CheckConstraint('scheduled_end > scheduled_start', name=op.f('ck_work_orders_schedule_ordered')),
    sa.CheckConstraint('window_end > window_start', name=op.f('ck_work_orders_window_ordered')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_work_orders_asset_id_assets')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_work_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_work_orders_customer_id_customers')),
    sa.ForeignKeyConstraint(['parent_id'], ['work_orders.id'], name=op.f('fk_work_orders_parent_id_work_orders')),
    sa.ForeignKeyConstraint(['scheduled_engineer_id'], ['engineers.id'], name=op.f('fk_work_orders_scheduled_engineer_id_engineers')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_work_orders_site_id_sites')),
    sa.ForeignKeyConstraint(['template_id'], ['work_order_templates.id'], name=op.f('fk_work_orders_template_id_work_order_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_work_orders_number'))
    )
    op.create_index(op.f('ix_work_orders_asset_id'), 'work_orders', ['asset_id'], unique=False)
    op.create_index(op.f('ix_work_orders_customer_id'), 'work_orders', ['customer_id'], unique=False)
    op.create_index(op.f('ix_work_orders_parent_id'), 'work_orders', ['parent_id'], unique=False)
    op.create_index(op.f('ix_work_orders_scheduled_engineer_id'), 'work_orders', ['scheduled_engineer_id'], unique=False)
    op.create_index('ix_work_orders_scheduled_start', 'work_orders', ['scheduled_start'], unique=False)
    op.create_index(op.f('ix_work_orders_site_id'), 'work_orders', ['site_id'], unique=False)
    op.create_index('ix_work_orders_status_priority', 'work_orders', ['status', 'priority'], unique=False)
    op.create_index('ix_work_orders_window_start', 'work_orders', ['window_start'], unique=False)
    op.create_table('work_order_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=500), nullable=False),
    sa.Column('visibility', sa.Enum('internal', 'customer', name='attachment_visibility', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_work_order_attachments_size_non_negative')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_work_order_attachments_uploaded_by_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_attachments_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_attachments'))
    )
    op.create_index(op.f('ix_work_order_attachments_work_order_id'), 'work_order_attachments', ['work_order_id'], unique=False)
    op.create_table('work_order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('created', 'status_changed', 'updated', 'note_added', 'attachment_added', name='event_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=True),
    sa.Column('from_status', sa.Enum('new', 'assigned', 'accepted', 'en_route', 'on_site', 'on_hold', 'resolved', 'awaiting_feedback', 'closed', 'cancelled', name='event_from_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('to_status', sa.Enum('new', 'assigned', 'accepted', 'en_route', 'on_site', 'on_hold', 'resolved', 'awaiting_feedback', 'closed', 'cancelled', name='event_to_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('server_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_work_order_events_actor_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_events_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_events'))
    )
    op.create_index('ix_work_order_events_order_time', 'work_order_events', ['work_order_id', 'server_time'], unique=False)
    op.create_table('work_order_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.Enum('internal', 'customer', name='note_visibility', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_work_order_notes_author_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_notes_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_notes'))
    )
    op.create_index(op.f('ix_work_order_notes_work_order_id'), 'work_order_notes', ['work_order_id'], unique=False)
    op.create_table('work_order_skills',
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('skill_code', sa.String(length=40), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 3', name=op.f('ck_work_order_skills_level_range')),
    sa.ForeignKeyConstraint(['skill_code'], ['skills.code'], name=op.f('fk_work_order_skills_skill_code_skills')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_skills_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('work_order_id', 'skill_code', name=op.f('pk_work_order_skills'))
    )
    op.create_table('work_order_note_mentions',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['work_order_notes.id'], name=op.f('fk_work_order_note_mentions_note_id_work_order_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_work_order_note_mentions_user_id_users')),
    sa.PrimaryKeyConstraint('note_id', 'user_id', name=op.f('pk_work_order_note_mentions'))
    )
    op.create_index(op.f('ix_work_order_note_mentions_user_id'), 'work_order_note_mentions', ['user_id'], unique=False)
    # The event log is the audit trail: refuse UPDATE and DELETE at the database.
    op.execute(EVENTS_IMMUTABLE)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS work_order_events_immutable ON work_order_events")
    op.execute("DROP FUNCTION IF EXISTS work_order_events_immutable()")
    op.drop_index(op.f('ix_work_order_note_mentions_user_id'), table_name='work_order_note_mentions')
    op.drop_table('work_order_note_mentions')
    op.drop_table('work_order_skills')
    op.drop_index(op.f('ix_work_order_notes_work_order_id'), table_name='work_order_notes')
    op.drop_table('work_order_notes')
    op.drop_index('ix_work_order_events_order_time', table_name='work_order_events')
    op.drop_table('work_order_events')
    op.drop_index(op.f('ix_work_order_attachments_work_order_id'), table_name='work_order_attachments')
    op.drop_table('work_order_attachments')
    op.drop_index('ix_work_orders_window_start', table_name='work_orders')
    op.drop_index('ix_work_orders_status_priority', table_name='work_orders')
    op.drop_index(op.f('ix_work_orders_site_id'), table_name='work_orders')
    op.drop_index('ix_work_orders_scheduled_start', table_name='work_orders')
    op.drop_index(op.f('ix_work_orders_scheduled_engineer_id'), table_name='work_orders')
    op.drop_index(op.f('ix_work_orders_parent_id'), table_name='work_orders')
    op.drop_index(op.f('ix_work_orders_customer_id'), table_name='work_orders')
    op.drop_index(op.f('ix_work_orders_asset_id'), table_name='work_orders')
    op.drop_table('work_orders')
    op.drop_index(op.f('ix_engineer_working_hours_engineer_id'), table_name='engineer_working_hours')
    op.drop_table('engineer_working_hours')
    op.drop_index(op.f('ix_engineer_time_off_engineer_id'), table_name='engineer_time_off')
    op.drop_table('engineer_time_off')
    op.drop_table('engineer_skills')
    op.drop_index(op.f('ix_revoked_tokens_user_id'), table_name='revoked_tokens')
    op.drop_index(op.f('ix_revoked_tokens_expires_at'), table_name='revoked_tokens')
    op.drop_table('revoked_tokens')
    op.drop_index(op.f('ix_engineers_partner_company_id'), table_name='engineers')
    op.drop_geospatial_index('idx_engineers_last_position', table_name='engineers', postgresql_using='gist', column_name='last_position')
    op.drop_geospatial_index('idx_engineers_home_base', table_name='engineers', postgresql_using='gist', column_name='home_base')
    op.drop_geospatial_table('engineers')
    op.drop_index(op.f('ix_contacts_customer_id'), table_name='contacts')
    op.drop_table('contacts')
    op.drop_index(op.f('ix_assets_site_id'), table_name='assets')
    op.drop_table('assets')
    op.drop_index(op.f('ix_users_partner_company_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_sites_district'), table_name='sites')
    op.drop_index(op.f('ix_sites_customer_id'), table_name='sites')
    op.drop_geospatial_index('idx_sites_location', table_name='sites', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('sites')
    op.drop_index('uq_work_order_templates_active_type', table_name='work_order_templates', postgresql_where=sa.text('is_active'))
    op.drop_table('work_order_templates')
    op.drop_table('skills')
    op.drop_table('partner_companies')
    op.drop_index(op.f('ix_customers_name'), table_name='customers')
    op.drop_table('customers')
    op.execute(sa.schema.DropSequence(sa.Sequence("work_order_number_seq")))
