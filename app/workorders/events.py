"""Writing the immutable event log of a work order.

Other parts of the system that follow the log (SLA clocks) register a function with
`after_event`; it runs in the same transaction right after each event is written.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent


EventHook = Callable[[Session, WorkOrder, WorkOrderEvent], None]
_after_event: list[EventHook] = []


def after_event(hook: EventHook) -> EventHook:
    """Register `hook` (once) to run after every event is appended."""
    if hook not in _after_event:
        _after_event.append(hook)
    return hook


def record_event(session: Session, *, order: WorkOrder, kind: EventKind, actor: User | None,
                 action: str | None = None, from_status: Status | None = None,
                 to_status: Status | None = None, device_time: datetime | None = None,
                 payload: dict[str, Any] | None = None) -> WorkOrderEvent:
    """Append one event (server time now; device time as the phone reported it)."""
    event = WorkOrderEvent(work_order_id=order.id, kind=kind, action=action, from_status=from_status,
                           to_status=to_status, actor_id=actor.id if actor else None,
                           server_time=utcnow(), device_time=device_time, payload=payload or {})
    session.add(event)
    session.flush()
    for hook in _after_event:
        hook(session, order, event)
    return event
