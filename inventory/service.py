"""Stock movements: every change of stock is a ledger row plus the matching change of
the cached levels, in the caller's transaction, under row locks.

Levels are locked with SELECT … FOR UPDATE in one global order (part, location), so
two movements touching the same rows queue instead of deadlocking, and a check that
stock suffices is made on the locked, current row. The CHECK constraints of the table
are the last line: on-hand can never go negative, whatever the code does.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, Text, cast, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.auth.models import User
from app.db import utcnow
from app.errors import ConflictError, NotFoundError, ValidationFailedError
from app.geo import make_point
from app.workorders.events import record_event
from app.workorders.models import OPEN_STATUSES, EventKind, Status, WorkOrder
from inventory import serials as units
from inventory.models import (LocationKind, MovementKind, Part, PartSerial, ReorderPoint, Reservation,
                              SerialStatus, StockLevel, StockLocation, StockMovement)

MAX_QUANTITY = 100_000


class InsufficientStockError(ConflictError):
    code = "insufficient_stock"


# --- catalogue and locations ----------------------------------------------------------------------

def create_part(session: Session, *, sku: str, name: str, unit: str = "pcs", unit_cost_cents: int = 0,
                serial_tracked: bool = False, compatible_models: list[str] | None = None) -> Part:
    if session.scalar(select(Part.id).where(Part.sku == sku)) is not None:
        raise ConflictError(f"A part with SKU {sku} exists", sku=sku)
    part = Part(sku=sku, name=name, unit=unit, unit_cost_cents=unit_cost_cents, serial_tracked=serial_tracked,
                compatible_models=compatible_models or [])
    session.add(part)
    session.flush()
    return part


def parts_query(*, q: str | None = None) -> Select:
    """Parts by SKU, optionally matching `q` in SKU, name or a compatible model."""
    query = select(Part).order_by(Part.sku)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(Part.sku.ilike(pattern), Part.name.ilike(pattern),
                                cast(Part.compatible_models, Text).ilike(pattern)))
    return query


def create_location(session: Session, *, kind: LocationKind, name: str, location: tuple[float, float] | None = None,
                    engineer_id: int | None = None) -> StockLocation:
    if (kind is LocationKind.VAN) != (engineer_id is not None):
        raise ValidationFailedError("A van belongs to exactly one engineer; other locations to none",
                                    errors={"engineer_id": ["required for a van, not allowed otherwise"]})
    if session.scalar(select(StockLocation.id).where(StockLocation.name == name)) is not None:
        raise ConflictError(f"A stock location named {name} exists", name=name)
    if engineer_id is not None and session.scalar(
            select(StockLocation.id).where(StockLocation.engineer_id == engineer_id)) is not None:
        raise ConflictError("This engineer already has a van", engineer_id=engineer_id)
    row = StockLocation(kind=kind, name=name, engineer_id=engineer_id,
                        location=make_point(*location) if location else None)
    session.add(row)
    session.flush()
    return row


def get_part(session: Session, part_id: int) -> Part:
    part = session.get(Part, part_id)
    if part is None:
        raise NotFoundError(f"Part {part_id} not found", part_id=part_id)
    return part


def get_location(session: Session, location_id: int) -> StockLocation:
    location = session.get(StockLocation, location_id)
    if location is None or not location.is_active:
        raise NotFoundError(f"Stock location {location_id} not found", location_id=location_id)
    return location


def levels_query(*, part_id: int | None = None, location_id: int | None = None, q: str | None = None,
                 low: bool | None = None) -> Select:
    """Stock levels by part SKU then location, with their part, location and reorder
    point loaded. `q` matches the part's SKU or name; `low=True` keeps the levels below
    their reorder point's minimum available, `low=False` the others."""
    minimum = (select(ReorderPoint.minimum).where(ReorderPoint.part_id == StockLevel.part_id,
                                                  ReorderPoint.location_id == StockLevel.location_id)
               .scalar_subquery())
    query = (select(StockLevel).join(Part, Part.id == StockLevel.part_id)
             .options(contains_eager(StockLevel.part), selectinload(StockLevel.location),
                      selectinload(StockLevel.reorder_point))
             .order_by(Part.sku, StockLevel.location_id))
    if part_id is not None:
        query = query.where(StockLevel.part_id == part_id)
    if location_id is not None:
        query = query.where(StockLevel.location_id == location_id)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(Part.sku.ilike(pattern), Part.name.ilike(pattern)))
    if low is not None:
        below = func.coalesce(StockLevel.on_hand - StockLevel.reserved < minimum, False)
        query = query.where(below if low else ~below)
    return query


def serials_query(*, part_id: int, location_id: int | None = None,
                  status: SerialStatus | None = SerialStatus.IN_STOCK) -> Select:
    """The units of a serial-tracked part, by serial: by default those in stock,
    optionally at one location."""
    query = select(PartSerial).where(PartSerial.part_id == part_id).order_by(PartSerial.serial)
    if location_id is not None:
        query = query.where(PartSerial.location_id == location_id)
    if status is not None:
        query = query.where(PartSerial.status == status)
    return query


# --- movements ------------------------------------------------------------------------------------

def _order(session: Session, work_order_id: int) -> WorkOrder:
    order = session.get(WorkOrder, work_order_id)
    if order is None:
        raise NotFoundError(f"Work order {work_order_id} not found", work_order_id=work_order_id)
    return order


def _open_order(session: Session, work_order_id: int) -> WorkOrder:
    order = _order(session, work_order_id)
    if order.status not in OPEN_STATUSES:
        raise ConflictError(f"Work order {order.number} is {order.status.value}", current_status=order.status.value)
    return order


def _reservation(session: Session, work_order_id: int, part_id: int, location_id: int) -> Reservation:
    """The order's reservation row (locked; created empty when missing). Called after
    the level row is locked, so the lock order stays level → reservation."""
    session.execute(insert(Reservation).values(work_order_id=work_order_id, part_id=part_id,
                                               location_id=location_id, quantity=0).on_conflict_do_nothing())
    return session.scalars(select(Reservation).where(
        Reservation.work_order_id == work_order_id, Reservation.part_id == part_id,
        Reservation.location_id == location_id).with_for_update().execution_options(populate_existing=True)).one()


def check_quantity(quantity: int) -> None:
    if not 0 < quantity <= MAX_QUANTITY:
        raise ValidationFailedError(f"Quantity must be between 1 and {MAX_QUANTITY}",
                                    errors={"quantity": ["out of range"]})


def _locked_levels(session: Session, part_id: int, location_ids: list[int]) -> dict[int, StockLevel]:
    """The level rows of a part at these locations, created when missing, locked in
    (part, location) order."""
    session.execute(insert(StockLevel).values([{"part_id": part_id, "location_id": location_id, "on_hand": 0,
                                                "reserved": 0, "average_cost_cents": 0}
                                               for location_id in sorted(set(location_ids))])
                    .on_conflict_do_nothing())
    rows = session.scalars(select(StockLevel)
                           .where(StockLevel.part_id == part_id, StockLevel.location_id.in_(location_ids))
                           .order_by(StockLevel.location_id).with_for_update().execution_options(populate_existing=True))
    return {row.location_id: row for row in rows}


def _ensure_available(level: StockLevel, quantity: int, part: Part, location: StockLocation,
                      also_usable: int = 0) -> None:
    """Refuse (409 `insufficient_stock`) unless `quantity` units are free, counting
    `also_usable` reserved units the caller may use. Every check of a movement comes
    before any change, so a refused movement leaves the session as it found it."""
    available = level.on_hand - level.reserved + also_usable
    if available < quantity:
        raise InsufficientStockError(
            f"Only {available} of {part.sku} available at {location.name}, {quantity} asked",
            part_id=part.id, location_id=location.id, available=available, asked=quantity)


def _record(session: Session, **fields) -> StockMovement:
    movement = StockMovement(created_at=utcnow(), **fields)
    session.add(movement)
    session.flush()
    return movement


def receive(session: Session, *, actor: User, part_id: int, location_id: int, quantity: int,
            unit_cost_cents: int, serials: list[str] | None = None, note: str | None = None) -> StockMovement:
    """Stock arriving from a supplier; the location's moving-average cost absorbs it.
    Serial-tracked parts name one new serial per unit."""
    check_quantity(quantity)
    if unit_cost_cents < 0:
        raise ValidationFailedError("Unit cost cannot be negative", errors={"unit_cost_cents": ["negative"]})
    part, location = get_part(session, part_id), get_location(session, location_id)
    serials = units.checked(part, quantity, serials)
    level = _locked_levels(session, part.id, [location.id])[location.id]
    units.receive(session, part, location, serials)
    total = level.on_hand * level.average_cost_cents + quantity * unit_cost_cents
    level.on_hand += quantity
    level.average_cost_cents = round(total / level.on_hand)
    return _record(session, kind=MovementKind.RECEIPT, part_id=part.id, to_location_id=location.id,
                   quantity=quantity, unit_cost_cents=unit_cost_cents, serials=serials, actor_id=actor.id, note=note)


def transfer(session: Session, *, actor: User, part_id: int, from_location_id: int, to_location_id: int,
             quantity: int, serials: list[str] | None = None, note: str | None = None,
             work_order_id: int | None = None) -> StockMovement:
    """Move stock between locations (warehouse ⇄ van, warehouse → warehouse) at the
    source's average cost. Raises InsufficientStockError."""
    check_quantity(quantity)
    if from_location_id == to_location_id:
        raise ValidationFailedError("Source and destination are the same",
                                    errors={"to_location_id": ["same as from_location_id"]})
    part = get_part(session, part_id)
    source, target = get_location(session, from_location_id), get_location(session, to_location_id)
    serials = units.checked(part, quantity, serials)
    levels = _locked_levels(session, part.id, [source.id, target.id])
    out, into = levels[source.id], levels[target.id]
    _ensure_available(out, quantity, part, source)
    units.move(session, part, source, target, serials)
    out.on_hand -= quantity
    cost = out.average_cost_cents
    into.average_cost_cents = round((into.on_hand * into.average_cost_cents + quantity * cost)
                                    / (into.on_hand + quantity))
    into.on_hand += quantity
    return _record(session, kind=MovementKind.TRANSFER, part_id=part.id, from_location_id=source.id,
                   to_location_id=target.id, quantity=quantity, unit_cost_cents=cost, serials=serials,
                   work_order_id=work_order_id, actor_id=actor.id, note=note)


def issue_to_order(session: Session, *, actor: User, part_id: int, location_id: int, work_order_id: int,
                   quantity: int, serials: list[str] | None = None, note: str | None = None,
                   device_time: datetime | None = None) -> StockMovement:
    """Parts consumed on a work order, at the location's average cost, and installed
    in the order's asset when it has one (serial-tracked parts by serial); the order's
    timeline records it (`parts_used`, with the phone's `device_time` when it came from
    one). Raises InsufficientStockError (409) when not enough is free, NotFoundError for
    unknown ids, ConflictError for a closed order."""
    check_quantity(quantity)
    part, location = get_part(session, part_id), get_location(session, location_id)
    serials = units.checked(part, quantity, serials)
    order = _open_order(session, work_order_id)
    level = _locked_levels(session, part.id, [location.id])[location.id]
    held = _reservation(session, order.id, part.id, location.id)
    # What this order had set aside is used first; the rest must be free stock.
    from_reservation = min(quantity, held.quantity)
    _ensure_available(level, quantity, part, location, also_usable=from_reservation)
    units.issue(session, part, location, serials, work_order_id=order.id, asset_id=order.asset_id)
    held.quantity -= from_reservation
    level.reserved -= from_reservation
    level.on_hand -= quantity
    movement = _record(session, kind=MovementKind.ISSUE, part_id=part.id, from_location_id=location.id,
                       quantity=quantity, unit_cost_cents=level.average_cost_cents, work_order_id=order.id,
                       asset_id=order.asset_id, serials=serials, actor_id=actor.id, note=note)
    record_event(session, order=order, kind=EventKind.PARTS, actor=actor, action="parts_used",
                 device_time=device_time,
                 payload={"movement_id": movement.id, "part_id": part.id, "sku": part.sku, "quantity": quantity,
                          "serials": serials, "location_id": location.id})
    return movement


def reserve(session: Session, *, actor: User, part_id: int, location_id: int, work_order_id: int,
            quantity: int, note: str | None = None) -> StockMovement:
    """Set parts aside at a location for an order. Raises InsufficientStockError."""
    check_quantity(quantity)
    part, location = get_part(session, part_id), get_location(session, location_id)
    order = _open_order(session, work_order_id)
    level = _locked_levels(session, part.id, [location.id])[location.id]
    _ensure_available(level, quantity, part, location)
    _reservation(session, order.id, part.id, location.id).quantity += quantity
    level.reserved += quantity
    return _record(session, kind=MovementKind.RESERVE, part_id=part.id, from_location_id=location.id,
                   to_location_id=location.id, quantity=quantity, unit_cost_cents=level.average_cost_cents,
                   work_order_id=order.id, actor_id=actor.id, note=note)


def release(session: Session, *, actor: User, part_id: int, location_id: int, work_order_id: int,
            quantity: int, note: str | None = None) -> StockMovement:
    """Give back (part of) what an order had reserved."""
    check_quantity(quantity)
    part, location = get_part(session, part_id), get_location(session, location_id)
    _order(session, work_order_id)
    level = _locked_levels(session, part.id, [location.id])[location.id]
    held = _reservation(session, work_order_id, part.id, location.id)
    if held.quantity < quantity:
        raise ConflictError(f"The order has {held.quantity} of {part.sku} reserved at {location.name}",
                            reserved=held.quantity, asked=quantity)
    held.quantity -= quantity
    level.reserved -= quantity
    return _record(session, kind=MovementKind.RELEASE, part_id=part.id, from_location_id=location.id,
                   to_location_id=location.id, quantity=quantity, unit_cost_cents=level.average_cost_cents,
                   work_order_id=work_order_id, actor_id=actor.id, note=note)


def release_all_for_order(session: Session, *, actor: User, work_order_id: int) -> list[StockMovement]:
    """Give back everything an order has reserved, anywhere (the order was cancelled)."""
    held = session.scalars(select(Reservation).where(Reservation.work_order_id == work_order_id,
                                                     Reservation.quantity > 0)
                           .order_by(Reservation.part_id, Reservation.location_id)).all()
    return [release(session, actor=actor, part_id=row.part_id, location_id=row.location_id,
                    work_order_id=work_order_id, quantity=row.quantity, note="order cancelled")
            for row in held]


def release_when_cancelled(session: Session, order: WorkOrder, actor: User, from_status) -> None:
    """Transition hook: reservations follow the order, so a cancelled order frees its parts."""
    if order.status is Status.CANCELLED:
        release_all_for_order(session, actor=actor, work_order_id=order.id)


def return_from_order(session: Session, *, actor: User, part_id: int, work_order_id: int, to_location_id: int,
                      quantity: int, defective: bool = False, serials: list[str] | None = None,
                      note: str | None = None) -> StockMovement:
    """Parts coming back from an order: unused ones to a stock location, defective
    ones to a return location. At most what the order was issued and has not
    returned (by serial for serial-tracked parts); the order's parts cost drops by
    their issue cost, and the order's asset no longer has them."""
    check_quantity(quantity)
    part, target = get_part(session, part_id), get_location(session, to_location_id)
    serials = units.checked(part, quantity, serials)
    order = _order(session, work_order_id)
    if defective != (target.kind is LocationKind.RETURNS):
        raise ValidationFailedError("Defective parts go to a return location, unused ones to stock",
                                    errors={"to_location_id": ["wrong kind of location for this return"]})
    level = _locked_levels(session, part.id, [target.id])[target.id]
    issued, returned, cost = _issued_to_order(session, work_order_id, part.id)
    if issued - returned < quantity:
        raise ConflictError(f"The order has {issued - returned} of {part.sku} that could come back",
                            outstanding=issued - returned, asked=quantity)
    units.return_from_order(session, part, target, serials, work_order_id=order.id)
    level.average_cost_cents = round((level.on_hand * level.average_cost_cents + quantity * cost)
                                     / (level.on_hand + quantity))
    level.on_hand += quantity
    return _record(session, kind=MovementKind.RETURN, part_id=part.id, to_location_id=target.id, quantity=quantity,
                   unit_cost_cents=cost, work_order_id=order.id, asset_id=order.asset_id, serials=serials,
                   actor_id=actor.id, note=note or ("defective" if defective else "unused"))


def remove_from_asset(session: Session, *, actor: User, part_id: int, work_order_id: int, to_location_id: int,
                      quantity: int, serials: list[str] | None = None, note: str | None = None) -> StockMovement:
    """An old part taken out of the order's asset (the one a new part replaced), booked
    into a return location. It was never our stock, so it carries no cost and does
    not change the order's parts cost; the asset's history shows it removed."""
    check_quantity(quantity)
    part, target = get_part(session, part_id), get_location(session, to_location_id)
    serials = units.checked(part, quantity, serials)
    order = _order(session, work_order_id)
    if order.status is Status.CANCELLED:
        raise ConflictError(f"Work order {order.number} is cancelled", current_status=order.status.value)
    if order.asset_id is None:
        raise ValidationFailedError(f"Work order {order.number} has no asset to remove parts from",
                                    errors={"work_order_id": ["the order has no asset"]})
    if target.kind is not LocationKind.RETURNS:
        raise ValidationFailedError("Removed parts go to a return location",
                                    errors={"to_location_id": ["not a return location"]})
    level = _locked_levels(session, part.id, [target.id])[target.id]
    units.remove_from_asset(session, part, target, serials, asset_id=order.asset_id)
    level.average_cost_cents = round(level.on_hand * level.average_cost_cents / (level.on_hand + quantity))
    level.on_hand += quantity
    return _record(session, kind=MovementKind.REMOVAL, part_id=part.id, to_location_id=target.id, quantity=quantity,
                   unit_cost_cents=0, work_order_id=order.id, asset_id=order.asset_id, serials=serials,
                   actor_id=actor.id, note=note or "replaced")


def _issued_to_order(session: Session, work_order_id: int, part_id: int) -> tuple[int, int, int]:
    """(issued, returned, average issue cost) of a part on an order."""
    rows = dict(session.execute(
        select(StockMovement.kind, func.sum(StockMovement.quantity))
        .where(StockMovement.work_order_id == work_order_id, StockMovement.part_id == part_id,
               StockMovement.kind.in_([MovementKind.ISSUE, MovementKind.RETURN]))
        .group_by(StockMovement.kind)).all())
    issued_value = session.scalar(select(func.coalesce(func.sum(StockMovement.quantity * StockMovement.unit_cost_cents), 0))
                                  .where(StockMovement.work_order_id == work_order_id,
                                         StockMovement.part_id == part_id, StockMovement.kind == MovementKind.ISSUE))
    issued = int(rows.get(MovementKind.ISSUE, 0))
    return issued, int(rows.get(MovementKind.RETURN, 0)), round(issued_value / issued) if issued else 0


def adjust(session: Session, *, actor: User, part_id: int, location_id: int, counted: int, reason: str,
           serials: list[str] | None = None) -> list[StockMovement]:
    """Set on-hand to what a stock count found, recording the difference and why
    (nothing when the count matches). Refused below what is reserved. Serial-tracked
    parts are counted by serial: the serials found are listed, units not found
    become lost and units found but not on the books come into stock."""
    if not 0 <= counted <= MAX_QUANTITY:
        raise ValidationFailedError(f"A count is between 0 and {MAX_QUANTITY}", errors={"counted": ["out of range"]})
    part, location = get_part(session, part_id), get_location(session, location_id)
    serials = units.checked(part, counted, serials)
    level = _locked_levels(session, part.id, [location.id])[location.id]
    if counted < level.reserved:
        raise ConflictError(f"{level.reserved} of {part.sku} are reserved at {location.name}; release them first",
                            reserved=level.reserved, counted=counted)
    if part.serial_tracked:
        return _count_by_serial(session, actor, part, location, level, serials, reason)
    difference = counted - level.on_hand
    if difference == 0:
        return []
    level.on_hand = counted
    return [_record(session, kind=MovementKind.ADJUSTMENT, part_id=part.id,
                    to_location_id=location.id if difference > 0 else None,
                    from_location_id=location.id if difference < 0 else None, quantity=abs(difference),
                    unit_cost_cents=level.average_cost_cents, actor_id=actor.id, note=reason)]


def _count_by_serial(session: Session, actor: User, part: Part, location: StockLocation, level: StockLevel,
                     counted: list[str], reason: str) -> list[StockMovement]:
    """A count that found some units missing and others unexpected books both, one
    ledger row each way, so every serial's story stays in the ledger."""
    missing, found = units.count(session, part, location, counted)
    movements = []
    if missing:
        level.on_hand -= len(missing)
        movements.append(_record(session, kind=MovementKind.ADJUSTMENT, part_id=part.id, from_location_id=location.id,
                                 quantity=len(missing), unit_cost_cents=level.average_cost_cents, serials=missing,
                                 actor_id=actor.id, note=reason))
    if found:
        level.on_hand += len(found)
        movements.append(_record(session, kind=MovementKind.ADJUSTMENT, part_id=part.id, to_location_id=location.id,
                                 quantity=len(found), unit_cost_cents=level.average_cost_cents, serials=found,
                                 actor_id=actor.id, note=reason))
    return movements


def scrap(session: Session, *, actor: User, part_id: int, location_id: int, quantity: int,
          reason: str, serials: list[str] | None = None) -> StockMovement:
    """Write stock off (damaged, expired). Raises InsufficientStockError."""
    check_quantity(quantity)
    part, location = get_part(session, part_id), get_location(session, location_id)
    serials = units.checked(part, quantity, serials)
    level = _locked_levels(session, part.id, [location.id])[location.id]
    _ensure_available(level, quantity, part, location)
    units.write_off(session, part, location, serials, SerialStatus.SCRAPPED)
    level.on_hand -= quantity
    return _record(session, kind=MovementKind.SCRAP, part_id=part.id, from_location_id=location.id,
                   quantity=quantity, unit_cost_cents=level.average_cost_cents, serials=serials,
                   actor_id=actor.id, note=reason)


def set_reorder_point(session: Session, *, part_id: int, location_id: int, minimum: int,
                      reorder_quantity: int) -> ReorderPoint:
    """Create or change the reorder point of a part at a location."""
    get_part(session, part_id), get_location(session, location_id)
    session.execute(insert(ReorderPoint).values(part_id=part_id, location_id=location_id, minimum=minimum,
                                                reorder_quantity=reorder_quantity)
                    .on_conflict_do_update(index_elements=["part_id", "location_id"],
                                           set_={"minimum": minimum, "reorder_quantity": reorder_quantity}))
    return session.get(ReorderPoint, (part_id, location_id), populate_existing=True)
