"""create parts, stock locations, levels, ledger and idempotency records

The stock ledger is append-only (a trigger refuses UPDATE and DELETE); levels carry
CHECKs so that on-hand never goes negative and reserved stays within it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 06:40:31.989136
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE FUNCTION stock_movements_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock_movements is append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER stock_movements_immutable
    BEFORE UPDATE OR DELETE ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION stock_movements_immutable();
"""


def upgrade() -> None:
    op.create_table('parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('unit_cost_cents', sa.Integer(), nullable=False),
    sa.Column('serial_tracked', sa.Boolean(), nullable=False),
    sa.Column('compatible_models', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('unit_cost_cents >= 0', name=op.f('ck_parts_unit_cost_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts')),
    sa.UniqueConstraint('sku', name=op.f('uq_parts_sku'))
    )
    op.create_index(op.f('ix_parts_name'), 'parts', ['name'], unique=False)
    op.create_table('idempotency_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('body', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_records_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('user_id', 'key', name='uq_idempotency_records_user_key')
    )
    op.create_geospatial_table('stock_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('warehouse', 'van', 'returns', name='stock_location_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('engineer_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(kind = 'van') = (engineer_id IS NOT NULL)", name=op.f('ck_stock_locations_vans_belong_to_engineers')),
    sa.ForeignKeyConstraint(['engineer_id'], ['engineers.id'], name=op.f('fk_stock_locations_engineer_id_engineers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_locations')),
    sa.UniqueConstraint('engineer_id', name=op.f('uq_stock_locations_engineer_id')),
    sa.UniqueConstraint('name', name=op.f('uq_stock_locations_name'))
    )
    op.create_geospatial_index('idx_stock_locations_location', 'stock_locations', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('stock_levels',
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('average_cost_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint('average_cost_cents >= 0', name=op.f('ck_stock_levels_average_cost_not_negative')),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_stock_levels_on_hand_not_negative')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= on_hand', name=op.f('ck_stock_levels_reserved_within_on_hand')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_stock_levels_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_levels_part_id_parts')),
    sa.PrimaryKeyConstraint('part_id', 'location_id', name=op.f('pk_stock_levels'))
    )
    op.create_index(op.f('ix_stock_levels_location_id'), 'stock_levels', ['location_id'], unique=False)
    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('receipt', 'transfer', 'reserve', 'release', 'issue', 'return', 'adjustment', 'scrap', name='stock_movement_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=True),
    sa.Column('to_location_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_cost_cents', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('from_location_id IS NOT NULL OR to_location_id IS NOT NULL', name=op.f('ck_stock_movements_has_a_location')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_movements_quantity_positive')),
    sa.CheckConstraint("kind NOT IN ('reserve', 'release') OR from_location_id = to_location_id", name=op.f('ck_stock_movements_reservations_stay_in_place')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_stock_movements_actor_id_users')),
    sa.ForeignKeyConstraint(['from_location_id'], ['stock_locations.id'], name=op.f('fk_stock_movements_from_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_movements_part_id_parts')),
    sa.ForeignKeyConstraint(['to_location_id'], ['stock_locations.id'], name=op.f('fk_stock_movements_to_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_stock_movements_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    op.create_index('ix_stock_movements_part_created', 'stock_movements', ['part_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_stock_movements_work_order_id'), 'stock_movements', ['work_order_id'], unique=False)
    op.create_table('reorder_points',
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('minimum', sa.Integer(), nullable=False),
    sa.Column('reorder_quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('minimum >= 0', name=op.f('ck_reorder_points_minimum_not_negative')),
    sa.CheckConstraint('reorder_quantity > 0', name=op.f('ck_reorder_points_reorder_quantity_positive')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_reorder_points_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_reorder_points_part_id_parts')),
    sa.PrimaryKeyConstraint('part_id', 'location_id', name=op.f('pk_reorder_points'))
    )
    op.create_table('stock_reservations',
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_stock_reservations_quantity_not_negative')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_stock_reservations_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_reservations_part_id_parts')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_stock_reservations_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('work_order_id', 'part_id', 'location_id', name=op.f('pk_stock_reservations'))
    )
    op.execute(APPEND_ONLY)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS stock_movements_immutable ON stock_movements")
    op.execute("DROP FUNCTION IF EXISTS stock_movements_immutable()")
    op.drop_table('stock_reservations')
    op.drop_table('reorder_points')
    op.drop_index(op.f('ix_stock_movements_work_order_id'), table_name='stock_movements')
    op.drop_index('ix_stock_movements_part_created', table_name='stock_movements')
    op.drop_table('stock_movements')
    op.drop_index(op.f('ix_stock_levels_location_id'), table_name='stock_levels')
    op.drop_table('stock_levels')
    op.drop_geospatial_index('idx_stock_locations_location', table_name='stock_locations', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('stock_locations')
    op.drop_table('idempotency_records')
    op.drop_index(op.f('ix_parts_name'), table_name='parts')
    op.drop_table('parts')
