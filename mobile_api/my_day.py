"""An engineer's day for the phone: the jobs in route order with everything needed on
site, read with a fixed number of queries however many jobs there are (no N+1).

No web imports: the route turns the `DayJob` rows into JSON.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.auth.models import Role, User
from app.customers.models import Contact
from app.engineers.models import Engineer
from app.errors import PermissionDeniedError
from app.workorders.checklists import checklists_for_orders
from app.workorders.lifecycle import allowed_actions
from app.workorders.models import (NoteVisibility, Status, WorkOrder, WorkOrderEvent, WorkOrderNote)
from inventory.models import Part, Reservation, StockLocation

# How many earlier visits to the same asset the engineer sees.
ASSET_HISTORY_LENGTH = 3
# Notes shown with each job: the newest ones (the timeline has the rest).
NOTES_PER_JOB = 10


@dataclass
class DayJob:
    """One job of the day and what the phone shows with it."""
    order: WorkOrder
    sequence: int
    allowed_actions: list[str]
    contacts: list[Contact] = field(default_factory=list)
    asset_visits: list[dict[str, Any]] = field(default_factory=list)
    reserved_parts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[WorkOrderNote] = field(default_factory=list)
    checklist: Any = None


def engineer_of(session: Session, user: User) -> Engineer:
    """The engineer record of a field user; 403 when the user has none."""
    engineer = session.scalar(select(Engineer).where(Engineer.user_id == user.id))
    if engineer is None:
        raise PermissionDeniedError("This user is not an engineer")
    return engineer


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day from local midnight to midnight, as aware datetimes. Pure."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def jobs_of_day(session: Session, *, user: User, day: date, zone: ZoneInfo) -> list[DayJob]:
    """The caller's jobs scheduled on `day` (organisation time zone), in route order
    (scheduled start, then planned arrival). Cancelled jobs are left out; done ones stay,
    so the engineer sees the whole day."""
    engineer = engineer_of(session, user)
    start, end = day_bounds(day, zone)
    orders = session.scalars(
        select(WorkOrder)
        .where(WorkOrder.scheduled_engineer_id == engineer.id,
               WorkOrder.scheduled_start >= start, WorkOrder.scheduled_start < end,
               WorkOrder.status != Status.CANCELLED)
        .options(joinedload(WorkOrder.customer), joinedload(WorkOrder.site), joinedload(WorkOrder.asset),
                 joinedload(WorkOrder.scheduled_engineer), selectinload(WorkOrder.required_skills))
        .order_by(WorkOrder.scheduled_start, WorkOrder.planned_arrival, WorkOrder.id)).unique().all()
    return describe_jobs(session, orders=list(orders), viewer=user)


def describe_jobs(session: Session, *, orders: list[WorkOrder], viewer: User) -> list[DayJob]:
    """Everything the phone shows with each job, a fixed number of queries for all of them."""
    jobs = [DayJob(order=o, sequence=i + 1, allowed_actions=[a.value for a in allowed_actions(o, viewer)])
            for i, o in enumerate(orders)]
    if not jobs:
        return jobs
    by_order = {job.order.id: job for job in jobs}
    order_ids = list(by_order)

    contacts = defaultdict(list)
    for contact in session.scalars(select(Contact).where(
            Contact.customer_id.in_({o.customer_id for o in orders})).order_by(Contact.id)):
        contacts[contact.customer_id].append(contact)
    for job in jobs:
        job.contacts = contacts[job.order.customer_id]

    for order_id, visits in _asset_visits(session, orders).items():
        by_order[order_id].asset_visits = visits

    rows = session.execute(
        select(Reservation.work_order_id, Reservation.quantity, Part.id, Part.sku, Part.name, Part.unit,
               Part.serial_tracked, StockLocation.id.label("location_id"), StockLocation.name.label("location"))
        .join(Part, Part.id == Reservation.part_id).join(StockLocation, StockLocation.id == Reservation.location_id)
        .where(Reservation.work_order_id.in_(order_ids), Reservation.quantity > 0)
        .order_by(Reservation.work_order_id, Part.sku))
    for row in rows:
        by_order[row.work_order_id].reserved_parts.append({
            "part_id": row.id, "sku": row.sku, "name": row.name, "unit": row.unit,
            "serial_tracked": row.serial_tracked, "quantity": row.quantity,
            "location_id": row.location_id, "location": row.location})

    ranked = (select(WorkOrderNote.id, func.row_number().over(
        partition_by=WorkOrderNote.work_order_id,
        order_by=(WorkOrderNote.created_at.desc(), WorkOrderNote.id.desc())).label("rank"))
        .where(WorkOrderNote.work_order_id.in_(order_ids)))
    if viewer.role is Role.CUSTOMER:   # not a field role, but never show a customer internal notes
        ranked = ranked.where(WorkOrderNote.visibility == NoteVisibility.CUSTOMER)
    ranked = ranked.subquery()
    notes = session.scalars(select(WorkOrderNote).join(ranked, ranked.c.id == WorkOrderNote.id)
                            .where(ranked.c.rank <= NOTES_PER_JOB)
                            .options(joinedload(WorkOrderNote.author))
                            .order_by(WorkOrderNote.created_at, WorkOrderNote.id))
    for note in notes:
        by_order[note.work_order_id].notes.append(note)

    for order_id, view in checklists_for_orders(session, orders).items():
        by_order[order_id].checklist = view
    return jobs


def _asset_visits(session: Session, orders: list[WorkOrder]) -> dict[int, list[dict[str, Any]]]:
    """For each order with an asset: the asset's last visits (other orders that reached
    the site), newest first, with the resolution and who came."""
    assets = {o.asset_id for o in orders if o.asset_id is not None}
    if not assets:
        return {}
    arrival = (select(WorkOrderEvent.work_order_id, func.max(WorkOrderEvent.server_time).label("visited_at"))
               .where(WorkOrderEvent.to_status == Status.ON_SITE).group_by(WorkOrderEvent.work_order_id)
               .subquery())
    ranked = (select(WorkOrder.id, WorkOrder.asset_id, WorkOrder.number, WorkOrder.status, WorkOrder.work_type,
                     WorkOrder.resolution_code, WorkOrder.resolution_notes, WorkOrder.scheduled_engineer_id,
                     func.coalesce(arrival.c.visited_at, WorkOrder.scheduled_start).label("visited_at"),
                     func.row_number().over(partition_by=WorkOrder.asset_id, order_by=(
                         func.coalesce(arrival.c.visited_at, WorkOrder.scheduled_start).desc(),
                         WorkOrder.id.desc())).label("rank"))
              .outerjoin(arrival, arrival.c.work_order_id == WorkOrder.id)
              .where(WorkOrder.asset_id.in_(assets),
                     or_(arrival.c.visited_at.is_not(None),
                         WorkOrder.status.in_((Status.RESOLVED, Status.AWAITING_FEEDBACK, Status.CLOSED))))
              .subquery())
    # One more than shown, because an order's own visit is not part of its history.
    rows = session.execute(select(ranked, User.name.label("engineer"))
                           .outerjoin(Engineer, Engineer.id == ranked.c.scheduled_engineer_id)
                           .outerjoin(User, User.id == Engineer.user_id)
                           .where(ranked.c.rank <= ASSET_HISTORY_LENGTH + 1)
                           .order_by(ranked.c.asset_id, ranked.c.rank)).all()
    history: dict[int, list] = defaultdict(list)
    for row in rows:
        history[row.asset_id].append(row)
    visits = {}
    for order in orders:
        if order.asset_id is None:
            continue
        visits[order.id] = [
            {"work_order_id": row.id, "number": row.number, "status": row.status.value,
             "work_type": row.work_type.value, "visited_at": row.visited_at, "engineer": row.engineer,
             "resolution_code": row.resolution_code, "resolution_notes": row.resolution_notes}
            for row in history[order.asset_id] if row.id != order.id][:ASSET_HISTORY_LENGTH]
    return visits
