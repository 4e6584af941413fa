"""Writing the immutable event log of a work order.

Other parts of the system that follow the log (SLA clocks) register a function with
`after_event`; it runs in the same transaction right after each event is written.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.errors import ValidationFailedError
from app.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent

# A phone's clock may run a little fast; beyond this a device time is refused.
MAX_DEVICE_CLOCK_SKEW = timedelta(minutes=5)

EventHook = Callable[[Session, WorkOrder, WorkOrderEvent], None]
_after_event: list[EventHook] = []


def after_event(hook: EventHook) -> EventHook:
    """Register `hook` (once) to run after every event is appended."""
    if hook not in _after_event:
        _after_event.append(hook)
    return hook


def bounded_device_time(device_time: datetime | None, now: datetime) -> datetime | None:
    """A phone's device time, checked: it needs a UTC offset and may not lie more than
    MAX_DEVICE_CLOCK_SKEW after `now`. Raises ValidationFailedError (422)."""
    if device_time is None:
        return None
    if device_time.tzinfo is None:
        raise ValidationFailedError("device_time needs a UTC offset", errors={"device_time": ["naive datetime"]})
    if device_time > now + MAX_DEVICE_CLOCK_SKEW:
        raise ValidationFailedError("device_time is in the future", errors={"device_time": ["in the future"]})
    return device_time


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
