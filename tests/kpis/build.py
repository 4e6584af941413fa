"""Hand-built KPI fixtures: orders, events at chosen local times, clocks, ratings, stock
movements. Every time is Shanghai local time (UTC+8) unless it says otherwise."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app import db
from app.workorders.models import EventKind, Status, WorkOrderEvent
from sla.clock import ClockState, TargetKind
from sla.models import SlaClock
from tests.factories import WorkOrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment of 2026 in Shanghai."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def order(created: datetime, **fields):
    return WorkOrderFactory(created_at=created, **fields)


def change(work_order, to_status: str, when: datetime, *, from_status: str | None = None,
           device_time: datetime | None = None, server_time: datetime | None = None) -> WorkOrderEvent:
    """A status change that counts at `when`: received then, or (with `server_time`)
    reported by the phone as `device_time` and received at `server_time`."""
    event = WorkOrderEvent(work_order_id=work_order.id, kind=EventKind.STATUS_CHANGED, action="test",
                           from_status=Status(from_status) if from_status else None, to_status=Status(to_status),
                           server_time=server_time or when, device_time=device_time, payload={})
    db.db_session.add(event)
    db.db_session.flush()
    return event


def path(work_order, *steps: tuple[str, datetime]) -> None:
    """Consecutive status changes, each from the previous status (the first from new)."""
    previous = "new"
    for status, when in steps:
        change(work_order, status, when, from_status=previous)
        previous = status


def clock(work_order, kind: str, state: str, *, stopped_at: datetime | None = None,
          deadline: datetime | None = None) -> SlaClock:
    row = SlaClock(work_order_id=work_order.id, kind=TargetKind(kind), target_minutes=60, business_time=False,
                   state=ClockState(state), started_at=work_order.created_at, stopped_at=stopped_at,
                   deadline=deadline, elapsed_s=0, paused_s=0, computed_at=work_order.created_at + timedelta(days=1))
    db.db_session.add(row)
    db.db_session.flush()
    return row
