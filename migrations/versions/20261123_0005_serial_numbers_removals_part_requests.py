"""serial numbers, removals, part requests

Serial-tracked units get a row each (where they are now); ledger rows carry the
serials they moved and the asset they went into or came out of. A new movement kind,
`removal`, books an old part taken out of a customer's asset. Part requests are the
warehouse's queue; work-order events gain the kind `parts`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:47:35.821152
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


MOVEMENT_KINDS = ['receipt', 'transfer', 'reserve', 'release', 'issue', 'return', 'adjustment', 'scrap']
EVENT_KINDS = ['created', 'status_changed', 'updated', 'note_added', 'attachment_added']


def _allow(table: str, constraint: str, column: str, values: list[str]) -> None:
    """Replace the CHECK of a VARCHAR enum column with one allowing `values`."""
    op.drop_constraint(op.f(constraint), table, type_='check')
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f(constraint), table, f"{column} IN ({listed})")


def upgrade() -> None:
    _allow('stock_movements', 'ck_stock_movements_stock_movement_kind', 'kind', MOVEMENT_KINDS + ['removal'])
    _allow('work_order_events', 'ck_work_order_events_event_kind', 'kind', EVENT_KINDS + ['parts'])
    op.create_table('part_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('to_location_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'picking', 'unavailable', 'fulfilled', 'cancelled', name='part_request_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('from_location_id', sa.Integer(), nullable=True),
    sa.Column('expected_date', sa.Date(), nullable=True),
    sa.Column('held_order', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_part_requests_quantity_positive')),
    sa.ForeignKeyConstraint(['from_location_id'], ['stock_locations.id'], name=op.f('fk_part_requests_from_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_part_requests_handled_by_id_users')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_part_requests_part_id_parts')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_part_requests_requested_by_id_users')),
    sa.ForeignKeyConstraint(['to_location_id'], ['stock_locations.id'], name=op.f('fk_part_requests_to_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_part_requests_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part_requests'))
    )
    op.create_index('ix_part_requests_status_created', 'part_requests', ['status', 'created_at'], unique=False)
    op.create_index(op.f('ix_part_requests_work_order_id'), 'part_requests', ['work_order_id'], unique=False)
    op.create_table('part_serials',
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('in_stock', 'issued', 'scrapped', 'lost', name='serial_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'in_stock') = (location_id IS NOT NULL)", name=op.f('ck_part_serials_in_stock_has_a_location')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_part_serials_asset_id_assets')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_part_serials_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_part_serials_part_id_parts')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_part_serials_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('part_id', 'serial', name=op.f('pk_part_serials'))
    )
    op.create_index(op.f('ix_part_serials_asset_id'), 'part_serials', ['asset_id'], unique=False)
    op.create_index('ix_part_serials_part_location', 'part_serials', ['part_id', 'location_id'], unique=False)
    op.add_column('stock_movements', sa.Column('asset_id', sa.Integer(), nullable=True))
    op.add_column('stock_movements', sa.Column('serials', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False))
    op.create_index(op.f('ix_stock_movements_asset_id'), 'stock_movements', ['asset_id'], unique=False)
    op.create_foreign_key(op.f('fk_stock_movements_asset_id_assets'), 'stock_movements', 'assets', ['asset_id'], ['id'])


def downgrade() -> None:
    op.drop_constraint(op.f('fk_stock_movements_asset_id_assets'), 'stock_movements', type_='foreignkey')
    op.drop_index(op.f('ix_stock_movements_asset_id'), table_name='stock_movements')
    op.drop_column('stock_movements', 'serials')
    op.drop_column('stock_movements', 'asset_id')
    op.drop_index('ix_part_serials_part_location', table_name='part_serials')
    op.drop_index(op.f('ix_part_serials_asset_id'), table_name='part_serials')
    op.drop_table('part_serials')
    op.drop_index(op.f('ix_part_requests_work_order_id'), table_name='part_requests')
    op.drop_index('ix_part_requests_status_created', table_name='part_requests')
    op.drop_table('part_requests')
    # Both logs are append-only: with parts events or removals recorded, the
    # constraints below refuse the downgrade rather than rewrite history.
    _allow('work_order_events', 'ck_work_order_events_event_kind', 'kind', EVENT_KINDS)
    _allow('stock_movements', 'ck_stock_movements_stock_movement_kind', 'kind', MOVEMENT_KINDS)
