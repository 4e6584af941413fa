"""location pings and engineers' expenses

Engineers' phones send GPS pings in batches (one row per engineer and device time, so
a resent batch stores nothing twice); the newest moves the engineer's last known
position. Expenses (travel with its distance and rate, tolls, parking, other) belong to
a work order, may point at a receipt among its attachments, and are written to the
order's event log as the new event kind `expense`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 12:40:52.313298
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

EVENT_KINDS = ['created', 'status_changed', 'updated', 'note_added', 'attachment_added', 'parts', 'sla', 'rule',
               'rated', 'checklist']


def _allow_event_kinds(values: list[str]) -> None:
    op.drop_constraint(op.f('ck_work_order_events_event_kind'), 'work_order_events', type_='check')
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f('ck_work_order_events_event_kind'), 'work_order_events', f"kind IN ({listed})")


def upgrade() -> None:
    _allow_event_kinds(EVENT_KINDS + ['expense'])
    op.create_geospatial_table('location_pings',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('position', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accuracy_m', sa.Double(), nullable=True),
    sa.Column('speed_mps', sa.Double(), nullable=True),
    sa.Column('heading_deg', sa.Double(), nullable=True),
    sa.CheckConstraint('accuracy_m >= 0', name=op.f('ck_location_pings_accuracy_non_negative')),
    sa.CheckConstraint('heading_deg >= 0 AND heading_deg < 360', name=op.f('ck_location_pings_heading_range')),
    sa.CheckConstraint('speed_mps >= 0', name=op.f('ck_location_pings_speed_non_negative')),
    sa.ForeignKeyConstraint(['engineer_id'], ['engineers.id'], name=op.f('fk_location_pings_engineer_id_engineers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_location_pings')),
    sa.UniqueConstraint('engineer_id', 'recorded_at', name='uq_location_pings_engineer_recorded_at')
    )
    op.create_geospatial_index('idx_location_pings_position', 'location_pings', ['position'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('expenses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('travel', 'toll', 'parking', 'other', name='expense_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=True),
    sa.Column('distance_source', sa.Enum('gps', 'entered', name='distance_source', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('rate_cents_per_km', sa.Integer(), nullable=True),
    sa.Column('receipt_attachment_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('device_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("CASE WHEN kind = 'travel' THEN distance_m IS NOT NULL AND distance_source IS NOT NULL ELSE distance_m IS NULL AND distance_source IS NULL END", name=op.f('ck_expenses_distance_only_for_travel')),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_expenses_currency_iso_4217')),
    sa.CheckConstraint("rate_cents_per_km IS NULL OR kind = 'travel'", name=op.f('ck_expenses_rate_only_for_travel')),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_expenses_amount_non_negative')),
    sa.CheckConstraint('distance_m >= 0', name=op.f('ck_expenses_distance_non_negative')),
    sa.CheckConstraint('rate_cents_per_km >= 0', name=op.f('ck_expenses_rate_non_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_expenses_created_by_id_users')),
    sa.ForeignKeyConstraint(['engineer_id'], ['engineers.id'], name=op.f('fk_expenses_engineer_id_engineers')),
    sa.ForeignKeyConstraint(['receipt_attachment_id'], ['work_order_attachments.id'], name=op.f('fk_expenses_receipt_attachment_id_work_order_attachments')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_expenses_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expenses'))
    )
    op.create_index('ix_expenses_engineer_occurred_at', 'expenses', ['engineer_id', sa.literal_column('COALESCE(device_time, created_at)')], unique=False)
    op.create_index(op.f('ix_expenses_receipt_attachment_id'), 'expenses', ['receipt_attachment_id'], unique=False)
    op.create_index(op.f('ix_expenses_work_order_id'), 'expenses', ['work_order_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_expenses_work_order_id'), table_name='expenses')
    op.drop_index(op.f('ix_expenses_receipt_attachment_id'), table_name='expenses')
    op.drop_index('ix_expenses_engineer_occurred_at', table_name='expenses')
    op.drop_table('expenses')
    op.drop_geospatial_index('idx_location_pings_position', table_name='location_pings', postgresql_using='gist', column_name='position')
    op.drop_geospatial_table('location_pings')
    # The event log is append-only: with expense events recorded, the constraint refuses
    # the downgrade rather than rewrite history.
    _allow_event_kinds(EVENT_KINDS)
