"""What an engineer does to a job from the phone: lifecycle actions with device time
and position, parts used from the van, parts asked for. No web imports.

Every function takes the acting user and a job id, and refuses another engineer's job
(403) the same way, through `get_field_order`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.engineers.models import Engineer
from app.errors import ConflictError, PermissionDeniedError
from app.workorders import lifecycle
from app.workorders.access import get_field_order, visible_orders_clause
from app.workorders.lifecycle import Action
from app.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent
from inventory import part_requests, service as stock
from inventory.models import Part, PartRequest, PartSerial, SerialStatus, StockLevel, StockLocation
from inventory.queries import parts_lines_of_order
from mobile_api.my_day import describe_jobs

# Parts are used, and the checklist filled, with the engineer at the site.
ON_SITE_STATUSES = frozenset({Status.ON_SITE, Status.ON_HOLD})


class JobNotOnSiteError(ConflictError):
    code = "job_not_on_site"


def act(session: Session, *, user: User, job_id: int, action: Action, device_time: datetime,
        **params: Any) -> tuple[WorkOrder, WorkOrderEvent]:
    """Apply a lifecycle action to the caller's job (locked) and return it with the
    event written. 403 for another engineer's job, 409 `invalid_transition` when the
    job is no longer where the phone thought (cancelled, reassigned…)."""
    order = get_field_order(session, job_id, user, for_update=True)
    before = session.scalar(select(func.max(WorkOrderEvent.id)).where(WorkOrderEvent.work_order_id == order.id))
    lifecycle.transition(session, order=order, action=action, actor=user, device_time=device_time, **params)
    # The action's own status change: hooks may write events after it (a resolve asks the
    # customer for feedback), so it is the first one since, not the last.
    event = session.scalar(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id,
                                                        WorkOrderEvent.id > (before or 0),
                                                        WorkOrderEvent.kind == EventKind.STATUS_CHANGED)
                           .order_by(WorkOrderEvent.id).limit(1))
    return order, event


def job_state(session: Session, *, user: User, job_id: int, event: WorkOrderEvent | None = None,
              order: WorkOrder | None = None) -> dict[str, Any]:
    """The job as the server has it now, for the phone: after an action, or in a sync
    conflict. A job the caller may no longer see shows only that it is not theirs."""
    if order is None:
        order = session.scalar(select(WorkOrder).where(WorkOrder.id == job_id, visible_orders_clause(user)))
    if order is None:
        return {"id": job_id, "assigned_to_you": False, "allowed_actions": []}
    engineer = order.scheduled_engineer
    return {"id": order.id, "number": order.number, "status": order.status, "version": order.version,
            "assigned_to_you": engineer is not None and engineer.user_id == user.id,
            "scheduled_start": order.scheduled_start, "scheduled_end": order.scheduled_end,
            "allowed_actions": [a.value for a in lifecycle.allowed_actions(order, user)], "event": event}


def own_van(session: Session, user: User) -> StockLocation | None:
    """The active van of the user's engineer record, if any."""
    return session.scalar(select(StockLocation).join(Engineer, Engineer.id == StockLocation.engineer_id)
                          .where(Engineer.user_id == user.id, StockLocation.is_active.is_(True)))


def van_stock(session: Session, *, user: User) -> dict[str, Any]:
    """What is in the caller's van: per part on hand, reserved, available, and the
    serials of serial-tracked units."""
    van = own_van(session, user)
    if van is None:
        return {"location_id": None, "name": None, "parts": []}
    rows = session.execute(select(StockLevel, Part).join(Part, Part.id == StockLevel.part_id)
                           .where(StockLevel.location_id == van.id, StockLevel.on_hand > 0)
                           .order_by(Part.sku)).all()
    serials: dict[int, list[str]] = {}
    for part_id, serial in session.execute(
            select(PartSerial.part_id, PartSerial.serial)
            .where(PartSerial.location_id == van.id, PartSerial.status == SerialStatus.IN_STOCK)
            .order_by(PartSerial.part_id, PartSerial.serial)):
        serials.setdefault(part_id, []).append(serial)
    return {"location_id": van.id, "name": van.name, "parts": [
        {"part_id": part.id, "sku": part.sku, "name": part.name, "unit": part.unit,
         "serial_tracked": part.serial_tracked, "on_hand": level.on_hand, "reserved": level.reserved,
         "available": level.on_hand - level.reserved, "serials": serials.get(part.id, [])}
        for level, part in rows]}


def _assigned_job(session: Session, user: User, job_id: int) -> WorkOrder:
    """The caller's job, locked, which they must be the assigned engineer of (a partner
    may see colleagues' jobs but uses parts only on their own)."""
    order = get_field_order(session, job_id, user, for_update=True)
    engineer = order.scheduled_engineer
    if engineer is None or engineer.user_id != user.id:
        raise PermissionDeniedError("Only the assigned engineer records parts on this job", work_order_id=job_id)
    return order


def use_part(session: Session, *, user: User, job_id: int, part_id: int, quantity: int, device_time: datetime,
             serials: list[str] | None = None, note: str | None = None):
    """Consume parts from the caller's van on their job, at the site (on site or on
    hold there): the inventory service checks stock (never negative) and serials."""
    order = _assigned_job(session, user, job_id)
    if order.status not in ON_SITE_STATUSES:
        raise JobNotOnSiteError(f"Parts are recorded on site; the job is {order.status.value}",
                                current_status=order.status.value)
    van = own_van(session, user)
    if van is None:
        raise PermissionDeniedError("You have no van to use parts from")
    return stock.issue_to_order(session, actor=user, part_id=part_id, location_id=van.id, work_order_id=order.id,
                                quantity=quantity, serials=serials, note=note, device_time=device_time)


def request_part(session: Session, *, user: User, job_id: int, part_id: int, quantity: int, device_time: datetime,
                 note: str | None = None) -> PartRequest:
    """Ask the warehouse for parts for the caller's job, delivered to their van."""
    order = _assigned_job(session, user, job_id)
    return part_requests.create(session, actor=user, work_order_id=order.id, part_id=part_id, quantity=quantity,
                                note=note, device_time=device_time)


def parts_of_job(session: Session, *, user: User, job_id: int) -> dict[str, Any]:
    """Parts used on the job (issued, returned, cost), still reserved for it, and asked for."""
    order = get_field_order(session, job_id, user)
    described = describe_jobs(session, orders=[order], viewer=user)[0]
    requests = session.scalars(select(PartRequest).where(PartRequest.work_order_id == order.id)
                               .order_by(PartRequest.id)).all()
    return {"used": parts_lines_of_order(session, order.id), "reserved": described.reserved_parts,
            "requests": list(requests)}
