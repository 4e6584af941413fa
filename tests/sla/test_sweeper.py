"""The SLA sweeper: warnings and breaches raised once each, at their thresholds, into
the order's timeline and the right people's inboxes — also with two sweepers at once,
and through the real RQ queue."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from threading import Barrier

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from app.auth.models import Role
from app.db import utcnow
from app.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent
from notifications.models import Notification
from sla import service, sweeper
from sla.clock import TargetKind
from sla.jobs import sweep_due_clocks
from sla.models import BusinessCalendar, SlaClock, SlaEvent, SlaPolicy, SlaTarget
from tests.factories import EngineerFactory, TeamFactory, UserFactory, WorkOrderFactory
from tests.live import live_db  # noqa: F401  (fixture)

API = "/api/v1"


def calendar_time_policy(session, *, thresholds=(50, 75, 100), pause=("waiting_parts",)) -> SlaPolicy:
    """First response 60 min, arrival 4 h, resolution 8 h, all in calendar time."""
    calendar = session.scalars(select(BusinessCalendar)).first()
    policy = SlaPolicy(name="Round the clock", position=1, calendar_id=calendar.id, thresholds=list(thresholds),
                       pause_on_hold_reasons=list(pause),
                       targets=[SlaTarget(kind=TargetKind.FIRST_RESPONSE, minutes=60, business_time=False),
                                SlaTarget(kind=TargetKind.ARRIVAL, minutes=240, business_time=False),
                                SlaTarget(kind=TargetKind.RESOLUTION, minutes=480, business_time=False)])
    session.add(policy)
    session.flush()
    return policy


def order_created(session, at: datetime, **fields) -> WorkOrder:
    order = WorkOrderFactory(created_at=at, **fields)
    service.refresh_clocks(session, order, now=at)
    return order


def raised(session, order_id: int) -> list[tuple[str, int]]:
    rows = session.execute(select(SlaClock.kind, SlaEvent.threshold).join(SlaEvent.clock)
                           .where(SlaEvent.work_order_id == order_id).order_by(SlaEvent.id))
    return [(kind.value, threshold) for kind, threshold in rows]


def timeline(session, order_id: int) -> list[tuple[str, dict]]:
    rows = session.execute(select(WorkOrderEvent.action, WorkOrderEvent.payload).where(
        WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.kind == EventKind.SLA).order_by(WorkOrderEvent.id))
    return [(action, payload) for action, payload in rows]


@pytest.fixture
def t0() -> datetime:
    return utcnow().replace(microsecond=0)


def test_thresholds_are_raised_when_due_and_only_once(session, t0):
    calendar_time_policy(session)
    order = order_created(session, t0)

    assert sweeper.sweep(session, now=t0 + timedelta(minutes=29)).raised == 0
    assert sweeper.sweep(session, now=t0 + timedelta(minutes=31)).raised == 1
    assert sweeper.sweep(session, now=t0 + timedelta(minutes=32)).raised == 0   # not twice
    assert raised(session, order.id) == [("first_response", 50)]
    clock = session.scalar(select(SlaClock).where(SlaClock.work_order_id == order.id,
                                                  SlaClock.kind == TargetKind.FIRST_RESPONSE))
    assert (clock.next_threshold, clock.next_due_at) == (75, t0 + timedelta(minutes=45))

    sweeper.sweep(session, now=t0 + timedelta(minutes=61))
    assert raised(session, order.id) == [("first_response", 50), ("first_response", 75), ("first_response", 100)]
    actions = timeline(session, order.id)
    assert [a for a, _ in actions] == ["sla_warning", "sla_warning", "sla_breach"]
    assert actions[2][1]["target"] == "first_response" and actions[2][1]["threshold"] == 100
    assert actions[2][1]["deadline"] == (t0 + timedelta(minutes=60)).isoformat()


def test_a_worker_back_after_a_long_stop_raises_everything_owed_in_order(session, t0):
    calendar_time_policy(session)
    order = order_created(session, t0)

    report = sweeper.sweep(session, now=t0 + timedelta(hours=9))

    assert report.raised == 9 and report.orders == 1
    assert sorted(raised(session, order.id)) == sorted(
        (kind, threshold) for kind in ("first_response", "arrival", "resolution") for threshold in (50, 75, 100))
    assert session.scalar(select(func.count()).select_from(SlaClock).where(
        SlaClock.work_order_id == order.id, SlaClock.next_due_at.is_not(None))) == 0


def test_stopped_and_paused_clocks_raise_nothing(client, as_role, session, t0):
    calendar_time_policy(session)
    engineer = EngineerFactory()
    order = order_created(session, t0, scheduled_engineer=engineer, status=Status.ASSIGNED)
    # The order is assigned (first response met) and then waits for parts (the others pause).
    session.add_all([
        WorkOrderEvent(work_order_id=order.id, kind=EventKind.STATUS_CHANGED, action="assign", from_status=Status.NEW,
                       to_status=Status.ASSIGNED, server_time=t0 + timedelta(minutes=10), payload={}),
        WorkOrderEvent(work_order_id=order.id, kind=EventKind.STATUS_CHANGED, action="hold", from_status=Status.ASSIGNED,
                       to_status=Status.ON_HOLD, server_time=t0 + timedelta(minutes=20), payload={"reason": "waiting_parts"}),
    ])
    session.flush()
    service.refresh_clocks(session, order, now=t0 + timedelta(minutes=20))

    assert sweeper.sweep(session, now=t0 + timedelta(days=3)).raised == 0
    assert raised(session, order.id) == []


def test_warnings_go_to_the_engineer_and_the_dispatchers_breaches_also_to_managers(session, t0):
    calendar_time_policy(session)
    dispatcher = UserFactory(role=Role.DISPATCHER, locale="zh_CN")
    manager = UserFactory(role=Role.MANAGER, locale="en")
    engineer = EngineerFactory()
    order = order_created(session, t0, scheduled_engineer=engineer, status=Status.NEW)

    sweeper.sweep(session, now=t0 + timedelta(minutes=31))
    inbox = {n.user_id: n for n in session.scalars(select(Notification).where(Notification.work_order_id == order.id))}
    assert set(inbox) == {dispatcher.id, engineer.user_id}
    assert inbox[dispatcher.id].kind == "sla_warning"
    assert inbox[dispatcher.id].title == f"SLA 预警：工单 {order.number} 已用去首次响应时限的 50%"

    sweeper.sweep(session, now=t0 + timedelta(minutes=61))
    breach = session.scalars(select(Notification).where(Notification.work_order_id == order.id,
                                                        Notification.kind == "sla_breach")).all()
    assert {n.user_id for n in breach} == {dispatcher.id, engineer.user_id, manager.id}
    english = next(n for n in breach if n.user_id == manager.id)
    assert english.title == f"SLA breach: {order.number} is past its first response deadline"
    assert english.payload["threshold"] == 100


def test_a_team_with_a_lead_hears_instead_of_every_dispatcher(session, t0):
    calendar_time_policy(session)
    UserFactory(role=Role.DISPATCHER)
    lead = UserFactory(role=Role.DISPATCHER)
    order = order_created(session, t0, team=TeamFactory(lead_user_id=lead.id))

    sweeper.sweep(session, now=t0 + timedelta(minutes=31))

    assert session.scalars(select(Notification.user_id).where(Notification.work_order_id == order.id)).all() == [
        lead.id]


def test_the_inbox_over_http(client, as_role, session, t0):
    calendar_time_policy(session)
    dispatcher, headers = as_role(Role.DISPATCHER)
    order = order_created(session, t0)
    sweeper.sweep(session, now=t0 + timedelta(minutes=46))

    answer = client.get(f"{API}/notifications?unread=true", headers=headers)
    assert answer.status_code == 200 and answer.headers["X-Unread-Count"] == "2"
    assert [n["payload"]["threshold"] for n in answer.json] == [75, 50]   # newest first… by id
    first = answer.json[0]["id"]

    read = client.post(f"{API}/notifications/read", headers=headers, json={"ids": [first]})
    assert read.status_code == 200 and read.json == {"marked": 1, "unread": 1}
    assert client.post(f"{API}/notifications/read", headers=headers, json={"all": True}).json == {
        "marked": 1, "unread": 0}
    assert len(client.get(f"{API}/notifications?work_order_id={order.id}", headers=headers).json) == 2

    # Someone else's inbox is their own: marking foreign ids does nothing.
    other, other_headers = as_role(Role.MANAGER)
    assert client.get(f"{API}/notifications", headers=other_headers).json == []
    assert client.post(f"{API}/notifications/read", headers=other_headers, json={"ids": [first]}).json == {
        "marked": 0, "unread": 0}


def test_the_inbox_refuses_bad_input(client, as_role):
    _, headers = as_role(Role.ENGINEER)
    for body in ({}, {"ids": [], "all": False}, {"ids": [1], "all": True}, {"ids": [0]}, {"everything": True}):
        answer = client.post(f"{API}/notifications/read", headers=headers, json=body)
        assert answer.status_code == 422 and answer.json["status"] == "validation_error", body
    assert client.get(f"{API}/notifications?work_order_id=zero", headers=headers).status_code == 422
    assert client.get(f"{API}/notifications").status_code == 401


def test_sla_events_over_http_for_the_back_office_only(client, as_role, session, t0):
    calendar_time_policy(session)
    order = order_created(session, t0)
    sweeper.sweep(session, now=t0 + timedelta(minutes=61))
    _, headers = as_role(Role.DISPATCHER)

    everything = client.get(f"{API}/sla/events", headers=headers)
    breaches = client.get(f"{API}/sla/events?breaches_only=true", headers=headers)

    assert everything.status_code == 200
    assert [(e["target"], e["threshold"], e["breach"]) for e in everything.json] == [
        ("first_response", 100, True), ("first_response", 75, False), ("first_response", 50, False)]
    assert [e["work_order_id"] for e in breaches.json] == [order.id]
    assert client.get(f"{API}/sla/events", headers=as_role(Role.ENGINEER)[1]).status_code == 403
    assert client.get(f"{API}/sla/events?since=yesterday", headers=headers).status_code == 422


def test_the_sweep_runs_as_a_job_on_the_real_queue(app, session, queue, t0):
    calendar_time_policy(session)
    order = order_created(session, t0 - timedelta(minutes=31))
    session.commit()

    job = queue.enqueue(sweep_due_clocks)
    with app.app_context():
        SimpleWorker([queue], connection=queue.connection).work(burst=True)

    assert job.latest_result().return_value["raised"] == 1
    assert raised(session, order.id) == [("first_response", 50)]


def test_two_sweepers_at_once_raise_each_warning_exactly_once(app, live_db, t0):
    calendar_time_policy(live_db)
    dispatcher = UserFactory(role=Role.DISPATCHER)
    # 40 orders, each owing 3 warnings on its first-response clock.
    orders = [order_created(live_db, t0 - timedelta(minutes=65)) for _ in range(40)]
    live_db.commit()
    barrier = Barrier(2)

    def sweeper_worker():
        barrier.wait()
        with app.app_context():
            return sweep_due_clocks(batch_orders=7)   # small batches: the two interleave

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: sweeper_worker(), range(2)))

    assert sum(r["raised"] for r in results) == 40 * 3
    live_db.expire_all()
    ids = [o.id for o in orders]
    assert live_db.scalar(select(func.count()).select_from(SlaEvent)) == 120
    assert live_db.scalar(select(func.count()).select_from(WorkOrderEvent).where(
        WorkOrderEvent.kind == EventKind.SLA, WorkOrderEvent.work_order_id.in_(ids))) == 120
    assert live_db.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == dispatcher.id)) == 120
    # And a third sweep afterwards finds nothing left to do.
    with app.app_context():
        assert sweep_due_clocks()["raised"] == 0
