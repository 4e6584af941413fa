"""automation rules: triggers, conditions, actions

One table of rules: a trigger (an event kind of work orders), conditions and actions as
JSON lists, an order of evaluation and a flag that stops the rules after it. What the
rules do is written to the orders' event log (kind `rule`, allowed since 0007).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('automation_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('trigger', sa.Enum('created', 'status_changed', 'sla_warning', 'sla_breach', 'rated', name='rule_trigger', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('conditions', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('actions', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('stop_processing', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(actions) = 'array' AND jsonb_array_length(actions) BETWEEN 1 AND 10", name=op.f('ck_automation_rules_actions_count')),
    sa.CheckConstraint("jsonb_typeof(conditions) = 'array'", name=op.f('ck_automation_rules_conditions_is_list')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_automation_rules_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_automation_rules_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_rules')),
    sa.UniqueConstraint('name', name=op.f('uq_automation_rules_name'))
    )
    # The engine's question after every event: the active rules of this trigger, in order.
    op.create_index('ix_automation_rules_trigger_position', 'automation_rules', ['trigger', 'position'], unique=False, postgresql_where=sa.text('is_active'))


def downgrade() -> None:
    op.drop_index('ix_automation_rules_trigger_position', table_name='automation_rules', postgresql_where=sa.text('is_active'))
    op.drop_table('automation_rules')
