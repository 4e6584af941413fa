"""checklists per work type, pinned versions and answers

Each work type gets versioned checklists (SOP) whose items are checks, readings within
a range, text or photos; a published version never changes and at most one per type
is active. An order is pinned to the version it was first answered against, and keeps
one answer per item (device and server time). Triggers keep published versions and
their items unchanged (only switching a version on or off is allowed). Work-order
events gain the kind `checklist`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 12:42:19.745339
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

EVENT_KINDS = ['created', 'status_changed', 'updated', 'note_added', 'attachment_added', 'parts', 'sla', 'rule',
               'rated']

PUBLISHED_CHECKLISTS_IMMUTABLE = """
CREATE FUNCTION checklists_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.id, NEW.work_type, NEW.version, NEW.name, NEW.published_at, NEW.published_by_id)
            IS NOT DISTINCT FROM (OLD.id, OLD.work_type, OLD.version, OLD.name, OLD.published_at, OLD.published_by_id)
    THEN
        RETURN NEW;   -- switching a version on or off
    END IF;
    RAISE EXCEPTION 'a published checklist never changes (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER checklists_immutable
    BEFORE UPDATE OR DELETE ON checklists
    FOR EACH ROW EXECUTE FUNCTION checklists_immutable();
CREATE FUNCTION checklist_items_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the items of a published checklist never change (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER checklist_items_immutable
    BEFORE UPDATE OR DELETE ON checklist_items
    FOR EACH ROW EXECUTE FUNCTION checklist_items_immutable();
"""


def _allow_event_kinds(values: list[str]) -> None:
    op.drop_constraint(op.f('ck_work_order_events_event_kind'), 'work_order_events', type_='check')
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f('ck_work_order_events_event_kind'), 'work_order_events', f"kind IN ({listed})")


def upgrade() -> None:
    _allow_event_kinds(EVENT_KINDS + ['checklist'])
    op.create_table('checklists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_type', sa.Enum('repair', 'installation', 'maintenance', 'inspection', name='checklist_work_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('is_active OR deactivated_at IS NOT NULL', name=op.f('ck_checklists_inactive_has_time')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_checklists_version_positive')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_checklists_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklists')),
    sa.UniqueConstraint('work_type', 'version', name='uq_checklists_work_type_version')
    )
    op.create_index('uq_checklists_active_work_type', 'checklists', ['work_type'], unique=True, postgresql_where=sa.text('is_active'))
    op.create_table('checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label_zh', sa.String(length=200), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('check', 'number', 'text', 'photo', name='checklist_item_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('min_value', sa.Float(), nullable=True),
    sa.Column('max_value', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.CheckConstraint("kind = 'number' OR (min_value IS NULL AND max_value IS NULL AND unit IS NULL)", name=op.f('ck_checklist_items_range_only_for_numbers')),
    sa.CheckConstraint('min_value IS NULL OR max_value IS NULL OR min_value <= max_value', name=op.f('ck_checklist_items_range_ordered')),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], name=op.f('fk_checklist_items_checklist_id_checklists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items')),
    sa.UniqueConstraint('checklist_id', 'key', name='uq_checklist_items_checklist_key'),
    sa.UniqueConstraint('checklist_id', 'position', name='uq_checklist_items_checklist_position')
    )
    op.create_table('work_order_checklists',
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('pinned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], name=op.f('fk_work_order_checklists_checklist_id_checklists')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_checklists_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('work_order_id', name=op.f('pk_work_order_checklists')),
    sa.UniqueConstraint('work_order_id', 'checklist_id', name='uq_work_order_checklists_order_checklist')
    )
    op.create_index(op.f('ix_work_order_checklists_checklist_id'), 'work_order_checklists', ['checklist_id'], unique=False)
    op.create_table('checklist_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('value', postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), nullable=True),
    sa.Column('device_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_checklist_answers_answered_by_id_users')),
    sa.ForeignKeyConstraint(['checklist_id', 'item_key'], ['checklist_items.checklist_id', 'checklist_items.key'], name='fk_checklist_answers_item'),
    sa.ForeignKeyConstraint(['work_order_id', 'checklist_id'], ['work_order_checklists.work_order_id', 'work_order_checklists.checklist_id'], name='fk_checklist_answers_pinned_checklist', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_answers')),
    sa.UniqueConstraint('work_order_id', 'item_key', name='uq_checklist_answers_order_item')
    )
    op.execute(PUBLISHED_CHECKLISTS_IMMUTABLE)


def downgrade() -> None:
    # Refused while `checklist` events exist: the event log is append-only, they stay.
    _allow_event_kinds(EVENT_KINDS)
    op.execute("DROP TRIGGER IF EXISTS checklist_items_immutable ON checklist_items")
    op.execute("DROP FUNCTION IF EXISTS checklist_items_immutable()")
    op.execute("DROP TRIGGER IF EXISTS checklists_immutable ON checklists")
    op.execute("DROP FUNCTION IF EXISTS checklists_immutable()")
    op.drop_table('checklist_answers')
    op.drop_index(op.f('ix_work_order_checklists_checklist_id'), table_name='work_order_checklists')
    op.drop_table('work_order_checklists')
    op.drop_table('checklist_items')
    op.drop_index('uq_checklists_active_work_type', table_name='checklists', postgresql_where=sa.text('is_active'))
    op.drop_table('checklists')
