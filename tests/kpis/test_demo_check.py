"""How the issue checks the KPIs: on the demo data, against a direct count.

The whole demo (`flask demo load`: the company, its spare parts, teams, SLA policies,
ratings and clocks) is loaded inside the test's rolled-back transaction; every figure of
every KPI, per month and per week, must equal the one counted directly in Python from the
raw rows (`kpis.check`), and volume also equals a plain `GROUP BY channel`.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.db import utcnow
from app.demo import load_demo, reference_day
from app.workorders.models import WorkOrder
from inventory.demo import load_inventory_demo
from kpis import queries
from kpis.check import compare
from kpis.queries import Window
from sla.demo import load_sla_demo

# The demo's open orders are created now, its history reaches 420 days back.
TODAY = reference_day()
FIRST = TODAY - timedelta(days=450)


@pytest.fixture
def demo(session):
    load_demo(session, seed=7, today=TODAY)
    load_inventory_demo(session, seed=7, today=TODAY)
    load_sla_demo(session, seed=7)
    session.flush()
    # Autovacuum never sees rows of an open transaction: without fresh statistics the
    # planner takes the tables for empty and nests loops over thousands of events.
    session.execute(text("ANALYZE"))
    return utcnow()


def test_every_kpi_equals_the_direct_count_on_the_demo(session, demo):
    for period in ("month", "week"):
        figures = compare(session, Window(FIRST, TODAY, period), now=demo)
        disagreements = [f for f in figures if not f.agrees]
        assert not disagreements, (period, disagreements[:10])
    # The demo gives every KPI something to count.
    totals: dict[tuple[str, str], float] = {}
    for f in figures:
        key = (f.kpi, f.what.split(" ")[-1])
        totals[key] = totals.get(key, 0) + (f.kpi_value or 0)
    for kpi, column in [("volume-by-channel", "orders"), ("first-response-time", "orders"),
                        ("time-to-site", "orders"), ("time-to-resolve", "orders"), ("sla-compliance", "met"),
                        ("first-time-fix", "resolved_orders"), ("repeat-visits", "orders"), ("csat", "ratings"),
                        ("nps", "responses"), ("engineer-utilisation", "work_hours"),
                        ("engineer-utilisation", "shift_hours")]:
        assert totals[(kpi, column)] > 0, (kpi, column)

    # Volume, once more, against a plain GROUP BY channel over the whole table.
    window = Window(FIRST, TODAY, "month")
    by_channel: dict[str, int] = {}
    for row in queries.volume_by_channel(session, window):
        by_channel[row["channel"]] = by_channel.get(row["channel"], 0) + row["orders"]
    direct = dict(session.execute(select(WorkOrder.channel, func.count()).group_by(WorkOrder.channel)).all())
    assert by_channel == {channel.value: n for channel, n in direct.items()}
