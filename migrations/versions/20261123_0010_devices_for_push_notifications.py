"""devices for push notifications

The phones users register, each with its FCM registration token (unique: one app
install), so assignments, reschedules, cancellations and parts can be pushed to them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:09:07.493079
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.Enum('android', 'ios', 'harmonyos', name='device_platform', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('app_version', sa.String(length=40), nullable=False),
    sa.Column('fcm_token', sa.String(length=4096), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_devices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('fcm_token', name=op.f('uq_devices_fcm_token'))
    )
    op.create_index(op.f('ix_devices_user_id'), 'devices', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_devices_user_id'), table_name='devices')
    op.drop_table('devices')
