"""indexes for the KPI queries

The KPIs (kpis/queries.py) read ranges of time: events by the moment they count
(`LEAST(COALESCE(device_time, server_time), server_time)`), orders by creation, SLA
clocks by when they stopped or fell due. Chosen with EXPLAIN ANALYZE on 1,000,000 orders
and 6.9 million events (bench/kpis.py):

- one partial index per milestone on the moment an event counts (first response,
  check-in, resolution) and one on the changes into and out of travel and work: each
  small, and in the heap's order (events are appended as they happen), so a month is a
  short range scan. One index on every status change instead was picked by the planner
  for the milestones too and read six times as many rows;
- per order, its response and check-in events by time, with the columns of that time
  included: "is this the order's first?" is one index-only descent per order in the
  range (0.15 s for a month). The anti-join PostgreSQL preferred without them read every
  earlier check-in of history (0.5 s for a month, growing with history);
- statistics on that expression: the planner does not use a partial index's statistics,
  and without them it guessed 4,000 resolutions a year instead of 470,000 and chose
  nested loops;
- orders by `created_at` (volume, repeat visits); clocks by `stopped_at` (met or
  breached) and running clocks by deadline (SLA compliance).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 10:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COUNTED_AT = "LEAST(COALESCE(device_time, server_time), server_time)"
RESPONSE = "kind = 'status_changed' AND from_status = 'new' AND to_status <> 'cancelled'"
ARRIVAL = "kind = 'status_changed' AND to_status = 'on_site'"
# name → (leading columns, predicate): ranges of time per milestone and for stints...
EVENT_INDEXES = {
    'ix_work_order_events_responded_at': ([], RESPONSE),
    'ix_work_order_events_arrived_at': ([], ARRIVAL),
    'ix_work_order_events_resolved_at': ([], "kind = 'status_changed' AND to_status = 'resolved'"),
    'ix_work_order_events_stint_changes': ([], "kind = 'status_changed' AND (to_status IN ('en_route', 'on_site') "
                                               "OR from_status IN ('en_route', 'on_site'))"),
    # ... and an order's first response or check-in, read from the index alone.
    'ix_work_order_events_first_response': (['work_order_id'], RESPONSE),
    'ix_work_order_events_first_arrival': (['work_order_id'], ARRIVAL),
}


def upgrade() -> None:
    for name, (leading, where) in EVENT_INDEXES.items():
        op.create_index(name, 'work_order_events', [*leading, sa.text(COUNTED_AT)], unique=False,
                        postgresql_where=sa.text(where),
                        postgresql_include=['device_time', 'server_time'] if leading else [])
    op.execute(f"CREATE STATISTICS st_work_order_events_counted_at ON ({COUNTED_AT}) FROM work_order_events")
    op.create_index('ix_work_orders_created_at', 'work_orders', ['created_at'], unique=False)
    op.create_index('ix_sla_clocks_stopped_at', 'sla_clocks', ['stopped_at'], unique=False,
                    postgresql_where=sa.text("state IN ('met', 'breached')"))
    op.create_index('ix_sla_clocks_running_deadline', 'sla_clocks', ['deadline'], unique=False,
                    postgresql_where=sa.text("state = 'running'"))
    # The new statistics are empty until the table is analysed.
    op.execute("ANALYZE work_order_events")


def downgrade() -> None:
    op.drop_index('ix_sla_clocks_running_deadline', table_name='sla_clocks')
    op.drop_index('ix_sla_clocks_stopped_at', table_name='sla_clocks')
    op.drop_index('ix_work_orders_created_at', table_name='work_orders')
    op.execute("DROP STATISTICS IF EXISTS st_work_order_events_counted_at")
    for name in reversed(EVENT_INDEXES):
        op.drop_index(name, table_name='work_order_events')
