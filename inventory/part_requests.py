"""Part requests: parts asked for a work order, which the warehouse works as a queue —
pick, send to the van (a transfer plus a reservation for the order), or mark as
unavailable with an expected date, which may put the order on hold for parts.

Each request leaves a `parts` event in the order's timeline, so the agent, the
dispatcher and the engineer see what happened to the parts of their job.

Lock order, as everywhere in the inventory: the work order, then the request, then
the stock levels (then serials).
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.auth.models import Role, User
from app.db import utcnow
from app.engineers.models import Engineer
from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailedError
from app.workorders import lifecycle
from app.workorders.events import record_event
from app.workorders.lifecycle import Action
from app.workorders.models import OPEN_STATUSES, EventKind, Status, WorkOrder
from inventory import service
from inventory.models import (PENDING_REQUEST_STATUSES, LocationKind, PartRequest, PartRequestStatus,
                              StockLocation)

WAITING_PARTS = "waiting_parts"
VIA = "part_request"
FIELD_ROLES = (Role.ENGINEER, Role.PARTNER_ENGINEER)


def _locked_order(session: Session, work_order_id: int) -> WorkOrder:
    order = session.scalar(select(WorkOrder).where(WorkOrder.id == work_order_id).with_for_update(of=WorkOrder))
    if order is None:
        raise NotFoundError(f"Work order {work_order_id} not found", work_order_id=work_order_id)
    return order


def _locked_request(session: Session, request_id: int) -> tuple[WorkOrder, PartRequest]:
    """The request and its order, both locked (order first)."""
    request = session.get(PartRequest, request_id)
    if request is None:
        raise NotFoundError(f"Part request {request_id} not found", part_request_id=request_id)
    order = _locked_order(session, request.work_order_id)
    session.refresh(request, with_for_update=True)
    return order, request


def _event(session: Session, order: WorkOrder, actor: User, request: PartRequest, what: str,
           device_time: datetime | None = None, **extra) -> None:
    record_event(session, order=order, kind=EventKind.PARTS, actor=actor, action=f"parts_{what}",
                 device_time=device_time, payload={"part_request_id": request.id, "part_id": request.part_id, "sku": request.part.sku,
                          "quantity": request.quantity, **extra})


def create(session: Session, *, actor: User, work_order_id: int, part_id: int, quantity: int,
           to_location_id: int | None = None, note: str | None = None,
           device_time: datetime | None = None) -> PartRequest:
    """Ask for parts for an open order, to be sent to `to_location_id` — by default
    the van of the order's engineer. An engineer may ask only for their own orders
    and only to their own van (the caller checks the order is visible to them).
    `device_time` is when the phone asked (recorded in the order's timeline)."""
    order = _locked_order(session, work_order_id)
    if order.status not in OPEN_STATUSES:
        raise ConflictError(f"Work order {order.number} is {order.status.value}", current_status=order.status.value)
    part = service.get_part(session, part_id)
    service.check_quantity(quantity)
    engineer_van = None
    if order.scheduled_engineer_id is not None:
        engineer_van = session.scalar(select(StockLocation).where(
            StockLocation.engineer_id == order.scheduled_engineer_id, StockLocation.is_active.is_(True)))
    if to_location_id is None:
        if engineer_van is None:
            raise ValidationFailedError("The order has no engineer with a van: say where the parts go",
                                        errors={"to_location_id": ["required: no van for this order"]})
        target = engineer_van
    else:
        target = service.get_location(session, to_location_id)
    if target.kind is LocationKind.RETURNS:
        raise ValidationFailedError("Parts are not sent to a return location",
                                    errors={"to_location_id": ["a return location"]})
    if actor.role in FIELD_ROLES and (engineer_van is None or target.id != engineer_van.id):
        raise PermissionDeniedError("Engineers ask for parts to their own van")
    request = PartRequest(work_order_id=order.id, part_id=part.id, part=part, quantity=quantity,
                          to_location_id=target.id, status=PartRequestStatus.OPEN, requested_by_id=actor.id,
                          note=note)
    session.add(request)
    session.flush()
    _event(session, order, actor, request, "requested", device_time=device_time, to_location_id=target.id)
    return request


def queue_query(*, statuses: list[PartRequestStatus] | None = None, work_order_id: int | None = None,
                to_location_id: int | None = None) -> Select:
    """Requests, the warehouse's queue order: the visit soonest first (orders without
    a schedule after), then the oldest request."""
    query = (select(PartRequest).join(WorkOrder, WorkOrder.id == PartRequest.work_order_id)
             .options(contains_eager(PartRequest.work_order)
                      .selectinload(WorkOrder.scheduled_engineer).selectinload(Engineer.user),
                      selectinload(PartRequest.part), selectinload(PartRequest.to_location))
             .order_by(WorkOrder.scheduled_start.asc().nulls_last(), PartRequest.created_at, PartRequest.id))
    query = query.where(PartRequest.status.in_(statuses or list(PENDING_REQUEST_STATUSES)))
    if work_order_id is not None:
        query = query.where(PartRequest.work_order_id == work_order_id)
    if to_location_id is not None:
        query = query.where(PartRequest.to_location_id == to_location_id)
    return query


def get(session: Session, request_id: int) -> PartRequest:
    request = session.get(PartRequest, request_id)
    if request is None:
        raise NotFoundError(f"Part request {request_id} not found", part_request_id=request_id)
    return request


def _require(request: PartRequest, *allowed: PartRequestStatus, doing: str) -> None:
    if request.status not in allowed:
        raise ConflictError(f"Cannot {doing} a request that is {request.status.value}",
                            current_status=request.status.value)


def pick(session: Session, *, actor: User, request_id: int) -> PartRequest:
    """Someone at the warehouse takes the request, so two people do not pick the same
    parts. Taking one another person is picking is refused (409)."""
    order, request = _locked_request(session, request_id)
    _require(request, PartRequestStatus.OPEN, PartRequestStatus.UNAVAILABLE, PartRequestStatus.PICKING,
             doing="pick")
    if request.status is PartRequestStatus.PICKING and request.handled_by_id != actor.id:
        raise ConflictError("Someone else is picking this request", handled_by_id=request.handled_by_id)
    request.status, request.handled_by_id = PartRequestStatus.PICKING, actor.id
    session.flush()
    return request


def fulfil(session: Session, *, actor: User, request_id: int, from_location_id: int,
           serials: list[str] | None = None, note: str | None = None) -> PartRequest:
    """Send the parts: transfer them from `from_location_id` to the request's van and
    reserve them there for the order. An order on hold for parts because of this
    request resumes when nothing else it waits for is pending."""
    order, request = _locked_request(session, request_id)
    _require(request, *PENDING_REQUEST_STATUSES, doing="fulfil")
    if request.status is PartRequestStatus.PICKING and request.handled_by_id not in (None, actor.id):
        raise ConflictError("Someone else is picking this request", handled_by_id=request.handled_by_id)
    if order.status not in OPEN_STATUSES:
        raise ConflictError(f"Work order {order.number} is {order.status.value}; cancel the request instead",
                            current_status=order.status.value)
    service.transfer(session, actor=actor, part_id=request.part_id, from_location_id=from_location_id,
                     to_location_id=request.to_location_id, quantity=request.quantity, serials=serials,
                     work_order_id=order.id, note=note or f"part request {request.id}")
    service.reserve(session, actor=actor, part_id=request.part_id, location_id=request.to_location_id,
                    work_order_id=order.id, quantity=request.quantity, note=f"part request {request.id}")
    request.status, request.handled_by_id = PartRequestStatus.FULFILLED, actor.id
    request.from_location_id, request.fulfilled_at = from_location_id, utcnow()
    session.flush()
    _event(session, order, actor, request, "ready", from_location_id=from_location_id,
           to_location_id=request.to_location_id)
    _resume_if_nothing_missing(session, order, actor)
    return request


def mark_unavailable(session: Session, *, actor: User, request_id: int, expected_date: date,
                     hold_order: bool = False, note: str | None = None, timezone: str = "Asia/Shanghai") -> PartRequest:
    """None to send now; `expected_date` says when. With `hold_order`, an order that
    can be held goes on hold (`waiting_parts`) until the parts are sent."""
    order, request = _locked_request(session, request_id)
    _require(request, *PENDING_REQUEST_STATUSES, doing="mark unavailable")
    if expected_date < datetime.now(ZoneInfo(timezone)).date():
        raise ValidationFailedError("The expected date is in the past", errors={"expected_date": ["in the past"]})
    request.status, request.handled_by_id = PartRequestStatus.UNAVAILABLE, actor.id
    request.expected_date = expected_date
    if note:
        request.note = note
    held = False
    if hold_order and order.status in lifecycle.TRANSITIONS[Action.HOLD].sources:
        lifecycle.transition(session, order=order, action=Action.HOLD, actor=actor, via=VIA, reason=WAITING_PARTS,
                             comment=f"part request {request.id}: {request.part.sku} expected {expected_date}",
                             expected_resume=datetime.combine(expected_date, time(9), ZoneInfo(timezone)))
        held = True
    request.held_order = request.held_order or held
    session.flush()
    _event(session, order, actor, request, "unavailable", expected_date=expected_date.isoformat(), held_order=held)
    return request


def cancel(session: Session, *, actor: User, request_id: int, reason: str) -> PartRequest:
    """Withdraw a pending request (the requester, or the back office). An order held
    for it resumes when nothing else it waits for is pending."""
    order, request = _locked_request(session, request_id)
    _require(request, *PENDING_REQUEST_STATUSES, doing="cancel")
    if actor.role in FIELD_ROLES and request.requested_by_id != actor.id:
        raise PermissionDeniedError("Engineers cancel only their own requests")
    _close_cancelled(session, order, actor, request, reason)
    if order.status in OPEN_STATUSES:
        _resume_if_nothing_missing(session, order, actor)
    return request


def _close_cancelled(session: Session, order: WorkOrder, actor: User, request: PartRequest, reason: str) -> None:
    request.status, request.handled_by_id = PartRequestStatus.CANCELLED, actor.id
    request.note = "\n".join(filter(None, [request.note, f"cancelled: {reason}"]))
    session.flush()
    _event(session, order, actor, request, "cancelled", reason=reason)


def _resume_if_nothing_missing(session: Session, order: WorkOrder, actor: User) -> None:
    """An order this desk put on hold for parts goes back to work once no request that
    held it is still pending. Holds someone else made are theirs to lift."""
    if order.status is not Status.ON_HOLD or order.hold_reason != WAITING_PARTS:
        return
    requests = session.scalars(select(PartRequest).where(PartRequest.work_order_id == order.id)).all()
    if not any(r.held_order for r in requests):
        return
    if any(r.held_order and r.status in PENDING_REQUEST_STATUSES for r in requests):
        return
    lifecycle.transition(session, order=order, action=Action.RESUME, actor=actor, via=VIA,
                         comment="parts sent")


def cancel_when_order_cancelled(session: Session, order: WorkOrder, actor: User, from_status: Status) -> None:
    """Transition hook: a cancelled order's pending part requests are withdrawn."""
    if order.status is not Status.CANCELLED:
        return
    pending = session.scalars(select(PartRequest).where(PartRequest.work_order_id == order.id,
                                                        PartRequest.status.in_(PENDING_REQUEST_STATUSES))
                              .order_by(PartRequest.id).with_for_update()).all()
    for request in pending:
        _close_cancelled(session, order, actor, request, "order cancelled")
