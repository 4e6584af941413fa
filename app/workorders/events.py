"""Writing the immutable event log of a work order."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent


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
    return event
