"""Service levels for the Shanghai demo: teams that own the queues, two SLA policies on
the China mainland calendar, the customers' ratings of past visits, and every order's
clocks computed from its log — so warnings, breaches and KPIs have something to show.

Runs after the core demo (`app.demo`) on its engineers and orders; deterministic for a
seed (its own random generator: the core demo's draws are untouched)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.demo import DEMO_ACCOUNTS
from app.engineers.models import Engineer, Team
from app.workorders.models import EventKind, Rating, Status, WorkOrder, WorkOrderEvent
from sla import service
from sla.models import BusinessCalendar, SlaPolicy, SlaTarget
from sla.clock import TargetKind

# Team name → the skills of its engineers (by their strongest skill) and orders.
TEAMS = [
    ("暖通组 HVAC", ("hvac",)),
    ("机电组 Electrical & plumbing", ("electrical", "plumbing", "fire_safety")),
    ("专业设备组 Specialist equipment", ("elevator", "medical_imaging", "solar_inverter", "it_network")),
]
RATED_SHARE = 0.8
CSAT_WEIGHTS = {5: 55, 4: 25, 3: 10, 2: 6, 1: 4}
COMMENTS = ["师傅很专业，准时到达", "问题一次解决，谢谢", "来得有点晚，但修得很好", "Quick and tidy.",
            "希望下次提前电话联系", "空调又有点异响，再观察", None, None, None]


def load_sla_demo(session: Session, *, seed: int) -> dict[str, int]:
    rng = random.Random(f"sla-{seed}")
    counts = {"teams": _create_teams(session), "SLA policies": _create_policies(session)}
    counts["ratings"] = _rate_past_visits(session, rng)
    orders = session.scalars(select(WorkOrder).order_by(WorkOrder.id)).all()
    cache = service.ReferenceCache()
    for order in orders:
        # Past visits too: their clocks are what SLA compliance is reported on.
        service.refresh_clocks(session, order, cache=cache)
    counts["orders with SLA clocks"] = len(orders)
    return counts


def _strongest_skill(engineer: Engineer) -> str | None:
    return max(engineer.skills, key=lambda s: (s.level, s.skill_code)).skill_code if engineer.skills else None


def _create_teams(session: Session) -> int:
    dispatcher_email = dict(DEMO_ACCOUNTS)["dispatcher"]
    lead = session.scalar(select(User).where(User.email == dispatcher_email))
    teams = {}
    for name, skills in TEAMS:
        team = Team(name=name, lead_user_id=lead.id if skills == TEAMS[0][1] else None)
        session.add(team)
        teams.update({skill: team for skill in skills})
    session.flush()
    for engineer in session.scalars(select(Engineer).options(selectinload(Engineer.skills)).order_by(Engineer.id)):
        team = teams.get(_strongest_skill(engineer))
        engineer.team_id = team.id if team else None
    for order in session.scalars(select(WorkOrder).options(selectinload(WorkOrder.required_skills))
                                 .order_by(WorkOrder.id)):
        skill = order.required_skills[0].skill_code if order.required_skills else None
        order.team_id = teams[skill].id if skill in teams else None
    session.flush()
    return len(TEAMS)


def _create_policies(session: Session) -> int:
    calendar = session.scalar(select(BusinessCalendar).order_by(BusinessCalendar.id))
    pauses = ["waiting_parts", "customer_unavailable"]
    session.add_all([
        SlaPolicy(name="VIP 客户 VIP customers", position=10, calendar_id=calendar.id, customer_tiers=["vip"],
                  pause_on_hold_reasons=pauses, thresholds=[50, 75, 100], targets=[
                      SlaTarget(kind=TargetKind.FIRST_RESPONSE, minutes=30, business_time=False),
                      SlaTarget(kind=TargetKind.ARRIVAL, minutes=4 * 60, business_time=True),
                      SlaTarget(kind=TargetKind.RESOLUTION, minutes=8 * 60, business_time=True)]),
        SlaPolicy(name="紧急 Urgent", position=20, calendar_id=calendar.id, priorities=["urgent"],
                  pause_on_hold_reasons=pauses, thresholds=[50, 75, 100], targets=[
                      SlaTarget(kind=TargetKind.FIRST_RESPONSE, minutes=30, business_time=False),
                      SlaTarget(kind=TargetKind.ARRIVAL, minutes=4 * 60, business_time=False),
                      SlaTarget(kind=TargetKind.RESOLUTION, minutes=24 * 60, business_time=False)]),
        SlaPolicy(name="标准 Standard", position=100, calendar_id=calendar.id,
                  pause_on_hold_reasons=pauses, thresholds=[75, 100], targets=[
                      SlaTarget(kind=TargetKind.FIRST_RESPONSE, minutes=2 * 60, business_time=True),
                      SlaTarget(kind=TargetKind.ARRIVAL, minutes=3 * 9 * 60, business_time=True),
                      SlaTarget(kind=TargetKind.RESOLUTION, minutes=5 * 9 * 60, business_time=True)]),
    ])
    session.flush()
    return 3


def _rate_past_visits(session: Session, rng: random.Random) -> int:
    """Most closed visits were rated by the customer shortly before they closed."""
    closes = session.execute(select(WorkOrderEvent.work_order_id, WorkOrderEvent.server_time)
                             .join(WorkOrder, WorkOrder.id == WorkOrderEvent.work_order_id)
                             .where(WorkOrder.status == Status.CLOSED, WorkOrderEvent.action == "close")
                             .order_by(WorkOrderEvent.work_order_id)).all()
    rated = 0
    for order_id, closed_at in closes:
        if rng.random() >= RATED_SHARE:
            continue
        csat = rng.choices(list(CSAT_WEIGHTS), weights=list(CSAT_WEIGHTS.values()))[0]
        nps = min(10, max(0, 2 * csat + rng.randint(-2, 0)))
        comment = rng.choice(COMMENTS)
        at = closed_at - timedelta(minutes=rng.randint(1, 30))
        session.add(Rating(work_order_id=order_id, csat=csat, nps=nps, comment=comment, source="link", rated_at=at))
        # History is written as it happened (record_event would stamp today).
        session.add(WorkOrderEvent(work_order_id=order_id, kind=EventKind.RATED, action="rated", actor_id=None,
                                   server_time=at, payload={"csat": csat, "nps": nps, "source": "link",
                                                            "has_comment": comment is not None}))
        rated += 1
    session.flush()
    return rated
