"""create dispatch runs and planned arrival on work orders

A dispatch run keeps the problem it solved, its progress and the plan; orders get the
arrival time their plan expects.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 05:00:01.631945
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dispatch_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('optimise', 'insertion', name='dispatch_run_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', 'applied', 'discarded', name='dispatch_run_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('plan_date', sa.Date(), nullable=False),
    sa.Column('time_limit_s', sa.SmallInteger(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('scope', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('problem', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('order_versions', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('progress_pct', sa.SmallInteger(), nullable=False),
    sa.Column('best_objective', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('plan', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('job_id', sa.String(length=64), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.Column('applied_counts', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('progress_pct BETWEEN 0 AND 100', name=op.f('ck_dispatch_runs_progress_in_range')),
    sa.CheckConstraint('time_limit_s BETWEEN 1 AND 3600', name=op.f('ck_dispatch_runs_time_limit_in_range')),
    sa.ForeignKeyConstraint(['applied_by_id'], ['users.id'], name=op.f('fk_dispatch_runs_applied_by_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_dispatch_runs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_runs'))
    )
    op.create_index('ix_dispatch_runs_plan_date_created_at', 'dispatch_runs', ['plan_date', 'created_at'], unique=False)
    op.add_column('work_orders', sa.Column('planned_arrival', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('work_orders', 'planned_arrival')
    op.drop_index('ix_dispatch_runs_plan_date_created_at', table_name='dispatch_runs')
    op.drop_table('dispatch_runs')
