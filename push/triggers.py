"""What is pushed when, read from the order's event log (an `after_event` hook):

- assignment: `assigned` to the engineer; a move to another engineer also tells the
  previous one (`unassigned`); the same engineer at another time is `rescheduled`;
- cancellation of an order that had an engineer: `cancelled`;
- parts sent for the order: `parts_ready` to the order's engineer.

The data payload is small and carries no personal data: the order's id and number and
the kind of change; the app fetches the rest over the API. Engineers without a phone
registered get nothing queued (a day planned for them would otherwise fill the worker's
queue with fan-outs that find no device); a phone registered later fetches its day.
"""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.engineers.models import Engineer
from app.workorders.models import EventKind, WorkOrder, WorkOrderEvent
from push.models import Device
from push.outbox import queue_push


def push_after_event(session: Session, order: WorkOrder, event: WorkOrderEvent) -> None:
    for engineer_id, change in changes_for_engineers(order, event):
        user_id = session.scalar(select(Engineer.user_id).where(
            Engineer.id == engineer_id, exists().where(Device.user_id == Engineer.user_id)))
        if user_id is not None:
            queue_push(session, [user_id], payload(order, change))


def changes_for_engineers(order: WorkOrder, event: WorkOrderEvent) -> list[tuple[int, str]]:
    """(engineer id, change) pairs an event means for engineers' phones."""
    payload = event.payload or {}
    if event.kind is EventKind.STATUS_CHANGED and event.action == "assign":
        engineer, previous = payload.get("engineer_id"), payload.get("previous_engineer_id")
        if previous == engineer:
            return [(engineer, "rescheduled")]
        return [(engineer, "assigned")] + ([(previous, "unassigned")] if previous is not None else [])
    if event.kind is EventKind.STATUS_CHANGED and event.action == "cancel" and order.scheduled_engineer_id:
        return [(order.scheduled_engineer_id, "cancelled")]
    if event.kind is EventKind.PARTS and event.action == "parts_ready" and order.scheduled_engineer_id:
        return [(order.scheduled_engineer_id, "parts_ready")]
    return []


def payload(order: WorkOrder, change: str) -> dict[str, str]:
    # FCM data values must be strings.
    return {"order_id": str(order.id), "number": order.number, "change": change}
