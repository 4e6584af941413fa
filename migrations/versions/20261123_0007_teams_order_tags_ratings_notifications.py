"""teams, order tags, ratings, notifications

Teams group engineers and hold a queue of orders; orders get free tags; customers'
ratings (CSAT, NPS) get a table of their own; every user gets an inbox of
notifications. Work-order events gain the kinds `sla`, `rule` and `rated`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 10:30:23.323903
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


EVENT_KINDS = ['created', 'status_changed', 'updated', 'note_added', 'attachment_added', 'parts']


def _allow_event_kinds(values: list[str]) -> None:
    op.drop_constraint(op.f('ck_work_order_events_event_kind'), 'work_order_events', type_='check')
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f('ck_work_order_events_event_kind'), 'work_order_events', f"kind IN ({listed})")


def upgrade() -> None:
    _allow_event_kinds(EVENT_KINDS + ['sla', 'rule', 'rated'])
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('lead_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['lead_user_id'], ['users.id'], name=op.f('fk_teams_lead_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_notifications_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index('ix_notifications_user_created', 'notifications', ['user_id', 'created_at'], unique=False)
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id'], unique=False, postgresql_where=sa.text('read_at IS NULL'))
    op.create_index(op.f('ix_notifications_work_order_id'), 'notifications', ['work_order_id'], unique=False)
    op.create_table('work_order_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('csat', sa.SmallInteger(), nullable=False),
    sa.Column('nps', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('csat BETWEEN 1 AND 5', name=op.f('ck_work_order_ratings_csat_range')),
    sa.CheckConstraint('nps BETWEEN 0 AND 10', name=op.f('ck_work_order_ratings_nps_range')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_work_order_ratings_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_ratings_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_ratings')),
    sa.UniqueConstraint('work_order_id', name=op.f('uq_work_order_ratings_work_order_id'))
    )
    op.create_index(op.f('ix_work_order_ratings_rated_at'), 'work_order_ratings', ['rated_at'], unique=False)
    op.add_column('engineers', sa.Column('team_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_engineers_team_id'), 'engineers', ['team_id'], unique=False)
    op.create_foreign_key(op.f('fk_engineers_team_id_teams'), 'engineers', 'teams', ['team_id'], ['id'])
    op.add_column('work_orders', sa.Column('team_id', sa.Integer(), nullable=True))
    op.add_column('work_orders', sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False))
    op.create_index(op.f('ix_work_orders_team_id'), 'work_orders', ['team_id'], unique=False)
    op.create_foreign_key(op.f('fk_work_orders_team_id_teams'), 'work_orders', 'teams', ['team_id'], ['id'])


def downgrade() -> None:
    # The event log is append-only: with such events recorded, the constraint refuses
    # the downgrade rather than rewrite history.
    _allow_event_kinds(EVENT_KINDS)
    op.drop_constraint(op.f('fk_work_orders_team_id_teams'), 'work_orders', type_='foreignkey')
    op.drop_index(op.f('ix_work_orders_team_id'), table_name='work_orders')
    op.drop_column('work_orders', 'tags')
    op.drop_column('work_orders', 'team_id')
    op.drop_constraint(op.f('fk_engineers_team_id_teams'), 'engineers', type_='foreignkey')
    op.drop_index(op.f('ix_engineers_team_id'), table_name='engineers')
    op.drop_column('engineers', 'team_id')
    op.drop_index(op.f('ix_work_order_ratings_rated_at'), table_name='work_order_ratings')
    op.drop_table('work_order_ratings')
    op.drop_index(op.f('ix_notifications_work_order_id'), table_name='notifications')
    op.drop_index('ix_notifications_user_unread', table_name='notifications', postgresql_where=sa.text('read_at IS NULL'))
    op.drop_index('ix_notifications_user_created', table_name='notifications')
    op.drop_table('notifications')
    op.drop_table('teams')
