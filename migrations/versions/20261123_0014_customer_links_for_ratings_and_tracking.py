"""customer links for ratings and tracking

Links sent to customers: the single-use rating link of a resolved visit and the "where
is my technician" link of a visit under way, with where each went, when it expires, was
sent, used or replaced (at most one live link of a kind per order). Their sending and
the cases where none could be sent are written to the order's event log as the new
event kind `customer_link`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 15:58:00.551794
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

EVENT_KINDS = ['created', 'status_changed', 'updated', 'note_added', 'attachment_added', 'parts', 'sla', 'rule',
               'rated', 'checklist', 'expense']


def _allow_event_kinds(values: list[str]) -> None:
    op.drop_constraint(op.f('ck_work_order_events_event_kind'), 'work_order_events', type_='check')
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f('ck_work_order_events_event_kind'), 'work_order_events', f"kind IN ({listed})")


def upgrade() -> None:
    _allow_event_kinds(EVENT_KINDS + ['customer_link'])
    op.create_table('customer_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('rating', 'tracking', name='customer_link_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('email', 'sms', name='customer_link_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('send_attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("used_at IS NULL OR kind = 'rating'", name=op.f('ck_customer_links_only_rating_links_are_used')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_customer_links_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_customer_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_customer_links_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_links'))
    )
    op.create_index(op.f('ix_customer_links_work_order_id'), 'customer_links', ['work_order_id'], unique=False)
    op.create_index('uq_customer_links_live_order_kind', 'customer_links', ['work_order_id', 'kind'], unique=True, postgresql_where=sa.text('used_at IS NULL AND revoked_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_customer_links_live_order_kind', table_name='customer_links', postgresql_where=sa.text('used_at IS NULL AND revoked_at IS NULL'))
    op.drop_index(op.f('ix_customer_links_work_order_id'), table_name='customer_links')
    op.drop_table('customer_links')
    # The event log is append-only: with such events recorded, the constraint refuses
    # the downgrade rather than rewrite history.
    _allow_event_kinds(EVENT_KINDS)
