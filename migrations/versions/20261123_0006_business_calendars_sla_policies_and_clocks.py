"""business calendars, sla policies and clocks

Seeds one calendar, "China mainland" (Asia/Shanghai, Monday to Friday 09:00–18:00), with
the public holidays and make-up working days of 2025 and 2026 as published by the
General Office of the State Council (国务院办公厅关于2025年/2026年部分节假日安排的通知).
It is data: managers edit it through the API, and add each year when it is announced.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:09:15.857493
"""
from datetime import date

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CHINA = "China mainland 中国大陆"
WORKDAY = [["09:00", "18:00"]]


def _span(year: int, month: int, first: int, last: int, name: str) -> list[tuple[str, str, str]]:
    return [(f"{year}-{month:02d}-{d:02d}", "holiday", name) for d in range(first, last + 1)]


def _days() -> list[tuple[str, str, str]]:
    """(date, kind, name) for 2025 and 2026."""
    days = []
    # 2025 (announced 2024-11-12)
    days += _span(2025, 1, 1, 1, "元旦 New Year's Day")
    days += _span(2025, 1, 28, 31, "春节 Spring Festival") + _span(2025, 2, 1, 4, "春节 Spring Festival")
    days += [("2025-01-26", "working_day", "春节调休 Spring Festival make-up day"),
             ("2025-02-08", "working_day", "春节调休 Spring Festival make-up day")]
    days += _span(2025, 4, 4, 6, "清明节 Qingming Festival")
    days += _span(2025, 5, 1, 5, "劳动节 Labour Day") + [("2025-04-27", "working_day", "劳动节调休 Labour Day make-up day")]
    days += _span(2025, 5, 31, 31, "端午节 Dragon Boat Festival") + _span(2025, 6, 1, 2, "端午节 Dragon Boat Festival")
    days += _span(2025, 10, 1, 8, "国庆节、中秋节 National Day and Mid-Autumn Festival")
    days += [("2025-09-28", "working_day", "国庆节调休 National Day make-up day"),
             ("2025-10-11", "working_day", "国庆节调休 National Day make-up day")]
    # 2026 (announced 2025-11-04)
    days += _span(2026, 1, 1, 3, "元旦 New Year's Day") + [("2026-01-04", "working_day", "元旦调休 New Year make-up day")]
    days += _span(2026, 2, 15, 23, "春节 Spring Festival")
    days += [("2026-02-14", "working_day", "春节调休 Spring Festival make-up day"),
             ("2026-02-28", "working_day", "春节调休 Spring Festival make-up day")]
    days += _span(2026, 4, 4, 6, "清明节 Qingming Festival")
    days += _span(2026, 5, 1, 5, "劳动节 Labour Day") + [("2026-05-09", "working_day", "劳动节调休 Labour Day make-up day")]
    days += _span(2026, 6, 19, 21, "端午节 Dragon Boat Festival")
    days += _span(2026, 9, 25, 27, "中秋节 Mid-Autumn Festival")
    days += _span(2026, 10, 1, 7, "国庆节 National Day")
    days += [("2026-09-20", "working_day", "国庆节调休 National Day make-up day"),
             ("2026-10-10", "working_day", "国庆节调休 National Day make-up day")]
    return days


def _seed_china_calendar() -> None:
    calendars = sa.table("business_calendars", sa.column("id", sa.Integer), sa.column("name", sa.String),
                         sa.column("timezone", sa.String), sa.column("weekly_hours", postgresql.JSONB))
    calendar_id = op.get_bind().execute(
        sa.insert(calendars).values(name=CHINA, timezone="Asia/Shanghai",
                                    weekly_hours={str(d): WORKDAY for d in range(5)})
        .returning(calendars.c.id)).scalar_one()
    days = sa.table("calendar_days", sa.column("calendar_id", sa.Integer), sa.column("day", sa.Date),
                    sa.column("kind", sa.String), sa.column("name", sa.String), sa.column("hours", postgresql.JSONB))
    op.bulk_insert(days, [{"calendar_id": calendar_id, "day": date.fromisoformat(day), "kind": kind, "name": name,
                           "hours": WORKDAY if kind == "working_day" else None} for day, kind, name in _days()])


def upgrade() -> None:
    op.create_table('business_calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('weekly_hours', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_calendars')),
    sa.UniqueConstraint('name', name=op.f('uq_business_calendars_name'))
    )
    op.create_table('calendar_days',
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('holiday', 'working_day', name='calendar_day_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('hours', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendars.id'], name=op.f('fk_calendar_days_calendar_id_business_calendars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('calendar_id', 'day', name=op.f('pk_calendar_days'))
    )
    op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('customer_tiers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('priorities', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('work_types', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('channels', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('pause_on_hold_reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('thresholds', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendars.id'], name=op.f('fk_sla_policies_calendar_id_business_calendars')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
    sa.UniqueConstraint('name', name=op.f('uq_sla_policies_name'))
    )
    op.create_table('sla_targets',
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('first_response', 'arrival', 'resolution', name='sla_target_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('business_time', sa.Boolean(), nullable=False),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_sla_targets_minutes_positive')),
    sa.ForeignKeyConstraint(['policy_id'], ['sla_policies.id'], name=op.f('fk_sla_targets_policy_id_sla_policies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('policy_id', 'kind', name=op.f('pk_sla_targets'))
    )
    op.create_table('sla_clocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('first_response', 'arrival', 'resolution', name='sla_clock_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('target_minutes', sa.Integer(), nullable=False),
    sa.Column('business_time', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('running', 'paused', 'met', 'breached', 'cancelled', name='sla_clock_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('elapsed_s', sa.Integer(), nullable=False),
    sa.Column('paused_s', sa.Integer(), nullable=False),
    sa.Column('next_threshold', sa.Integer(), nullable=True),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['sla_policies.id'], name=op.f('fk_sla_clocks_policy_id_sla_policies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_sla_clocks_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_clocks')),
    sa.UniqueConstraint('work_order_id', 'kind', name='one_clock_per_target')
    )
    op.create_index('ix_sla_clocks_due', 'sla_clocks', ['next_due_at'], unique=False, postgresql_where='next_due_at IS NOT NULL')
    op.create_table('sla_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clock_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clock_id'], ['sla_clocks.id'], name=op.f('fk_sla_events_clock_id_sla_clocks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_sla_events_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_events')),
    sa.UniqueConstraint('clock_id', 'threshold', name='once_per_threshold')
    )
    op.create_index(op.f('ix_sla_events_work_order_id'), 'sla_events', ['work_order_id'], unique=False)
    _seed_china_calendar()


def downgrade() -> None:
    op.drop_index(op.f('ix_sla_events_work_order_id'), table_name='sla_events')
    op.drop_table('sla_events')
    op.drop_index('ix_sla_clocks_due', table_name='sla_clocks', postgresql_where='next_due_at IS NOT NULL')
    op.drop_table('sla_clocks')
    op.drop_table('sla_targets')
    op.drop_table('sla_policies')
    op.drop_table('calendar_days')
    op.drop_table('business_calendars')

