"""A plan compared with the current assignments, and applied all or nothing."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.workorders.models import EventKind, Status, WorkOrderEvent
from dispatch.planning import PlanStaleError, apply_changes, engineer_key, plan_changes
from tests.factories import EngineerFactory, UserFactory, WorkOrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute, tzinfo=SHANGHAI)


def stop(order, arrival, start, end) -> dict:
    return {"job": order.number, "arrival": arrival.isoformat(), "start": start.isoformat(), "end": end.isoformat()}


@pytest.fixture
def day(session):
    """Two engineers and orders in every situation a plan can meet."""
    first, second = EngineerFactory(skills={"hvac": 2}), EngineerFactory(skills={"hvac": 2})
    window = {"window_start": at(8), "window_end": at(17)}
    orders = {
        "new": WorkOrderFactory(**window),
        "moved": WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=first, scheduled_start=at(9),
                                  scheduled_end=at(10), **window),
        "later": WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=second, scheduled_start=at(9),
                                  scheduled_end=at(10), **window),
        "same": WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=second, scheduled_start=at(13),
                                 scheduled_end=at(14), **window),
        "accepted": WorkOrderFactory(status=Status.ACCEPTED, scheduled_engineer=first, scheduled_start=at(14),
                                     scheduled_end=at(15), **window),
        "dropped": WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=first, scheduled_start=at(16),
                                    scheduled_end=at(17), **window),
        "hopeless": WorkOrderFactory(skills={"plumbing": 3}, **window),
    }
    plan = {
        "routes": [
            {"engineer": engineer_key(first.id), "stops": [
                stop(orders["new"], at(8, 50), at(9), at(10)),
                stop(orders["accepted"], at(14, 20), at(14, 30), at(15, 30))]},
            {"engineer": engineer_key(second.id), "stops": [
                stop(orders["moved"], at(8, 40), at(9), at(10)),
                stop(orders["later"], at(10, 20), at(10, 30), at(11, 30)),
                stop(orders["same"], at(12, 50), at(13), at(14))]},
        ],
        "unassigned": [
            {"job": orders["dropped"].number, "reason": "capacity", "detail": "no room left"},
            {"job": orders["hopeless"].number, "reason": "skill_unavailable", "detail": "no engineer has plumbing ≥ 3"},
        ],
    }
    return first, second, orders, plan


def test_changes_name_what_applying_would_do(session, day):
    first, second, orders, plan = day
    changes = {change["number"]: change for change in plan_changes(session, plan)}
    kinds = {name: changes[order.number]["kind"] for name, order in orders.items()}
    assert kinds == {"new": "assign", "moved": "reassign", "later": "reschedule", "same": "unchanged",
                     "accepted": "reschedule", "dropped": "unplanned", "hopeless": "unassigned"}
    moved = changes[orders["moved"].number]
    assert (moved["engineer_id"], moved["previous_engineer_id"], moved["position"]) == (second.id, first.id, 1)
    assert changes[orders["hopeless"].number]["reason"] == "skill_unavailable"


def test_applying_assigns_reschedules_and_records_events(session, day):
    first, second, orders, plan = day
    dispatcher = UserFactory(role=Role.DISPATCHER)
    versions = {str(order.id): order.version for order in orders.values()}
    counts = apply_changes(session, changes=plan_changes(session, plan), order_versions=versions,
                           actor=dispatcher, run_id=41)
    assert counts == {"assign": 1, "reassign": 1, "reschedule": 2, "unchanged": 1}
    new, moved, accepted = orders["new"], orders["moved"], orders["accepted"]
    assert (new.status, new.scheduled_engineer_id, new.scheduled_start, new.planned_arrival) == \
        (Status.ASSIGNED, first.id, at(9), at(8, 50))
    assert moved.scheduled_engineer_id == second.id
    assert (accepted.status, accepted.scheduled_start) == (Status.ACCEPTED, at(14, 30))
    assert orders["same"].planned_arrival == at(12, 50)
    assert orders["dropped"].scheduled_engineer_id == first.id  # left as it was
    assign_event = session.scalar(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == new.id, WorkOrderEvent.action == "assign"))
    assert assign_event.payload["dispatch_run_id"] == 41
    update_event = session.scalar(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == accepted.id, WorkOrderEvent.kind == EventKind.UPDATED))
    assert update_event.payload["dispatch_run_id"] == 41


def test_an_order_changed_since_the_run_started_refuses_the_whole_plan(session, day):
    first, second, orders, plan = day
    dispatcher = UserFactory(role=Role.DISPATCHER)
    versions = {str(order.id): order.version for order in orders.values()}
    changes = plan_changes(session, plan)
    orders["later"].description = "edited by an agent meanwhile"
    session.flush()
    with pytest.raises(PlanStaleError) as refused:
        apply_changes(session, changes=changes, order_versions=versions, actor=dispatcher, run_id=41)
    assert refused.value.details["changed"] == [orders["later"].number]
    session.expire_all()
    assert orders["new"].status is Status.NEW
