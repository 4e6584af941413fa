"""The demo's service levels: teams own the queues, policies cover every order, past
visits carry their ratings and every order its clocks."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.demo import load_demo
from app.engineers.models import Engineer, Team
from app.workorders.models import EventKind, Rating, WorkOrder, WorkOrderEvent
from sla.demo import load_sla_demo
from sla.models import SlaClock, SlaPolicy


def count(session, query) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery()))


def test_the_demo_has_teams_policies_ratings_and_clocks(session):
    load_demo(session, seed=7, today=date(2026, 11, 23))
    counts = load_sla_demo(session, seed=7)

    assert counts["teams"] == 3 and counts["SLA policies"] == 3
    assert count(session, select(Engineer.id).where(Engineer.team_id.is_(None))) == 0
    assert count(session, select(Team.id).where(Team.lead_user_id.is_not(None))) == 1
    orders = count(session, select(WorkOrder.id))
    # Every order falls under a policy (the standard one takes what the others do not)
    # and has its three clocks.
    assert count(session, select(SlaClock.id).where(SlaClock.policy_id.is_not(None))) == 3 * orders
    assert count(session, select(SlaPolicy.id)) == 3
    ratings = session.scalars(select(Rating)).all()
    assert len(ratings) == counts["ratings"] > 0
    assert all(1 <= r.csat <= 5 and 0 <= r.nps <= 10 for r in ratings)
    assert count(session, select(WorkOrderEvent.id).where(WorkOrderEvent.kind == EventKind.RATED)) == len(ratings)
