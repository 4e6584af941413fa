"""Read-only views over the inventory: low stock, where parts are near a site, what an
order's parts cost, what an asset holds, and the proof that the cached levels match
the ledger."""
from __future__ import annotations

from geoalchemy2 import Geography
from sqlalchemy import Select, case, cast, func, or_, select
from sqlalchemy.orm import Session

from app.customers.models import Asset, Site
from app.engineers.models import Engineer
from app.errors import NotFoundError
from app.workorders.models import WorkOrder
from inventory.models import (LocationKind, MovementKind, Part, PartSerial, ReorderPoint, Reservation, SerialStatus,
                              StockLevel, StockLocation, StockMovement)
from inventory.service import get_part


def low_stock(session: Session) -> list[dict]:
    """Reorder points whose part has fallen below the minimum available there."""
    available = func.coalesce(StockLevel.on_hand - StockLevel.reserved, 0)
    rows = session.execute(
        select(ReorderPoint, Part.sku, StockLocation.name, available.label("available"))
        .join(Part, Part.id == ReorderPoint.part_id)
        .join(StockLocation, StockLocation.id == ReorderPoint.location_id)
        .outerjoin(StockLevel, (StockLevel.part_id == ReorderPoint.part_id)
                   & (StockLevel.location_id == ReorderPoint.location_id))
        .where(available < ReorderPoint.minimum)
        .order_by(Part.sku, StockLocation.name))
    return [{"part_id": point.part_id, "sku": sku, "location_id": point.location_id, "location": name,
             "available": int(avail), "minimum": point.minimum, "reorder_quantity": point.reorder_quantity}
            for point, sku, name, avail in rows]


def availability_near(session: Session, *, work_order_id: int, part_id: int, quantity: int,
                      limit: int = 10) -> list[dict]:
    """Warehouses and vans holding at least `quantity` free units of a part, nearest
    to the order's site first (PostGIS, metres on the spheroid). A van is where its
    engineer last reported, else at the engineer's home base."""
    order = session.get(WorkOrder, work_order_id)
    if order is None:
        raise NotFoundError(f"Work order {work_order_id} not found", work_order_id=work_order_id)
    get_part(session, part_id)
    site = select(Site.location).where(Site.id == order.site_id).scalar_subquery()
    place = func.coalesce(StockLocation.location, Engineer.last_position, Engineer.home_base)
    distance = func.ST_Distance(cast(place, Geography), cast(site, Geography))
    rows = session.execute(
        select(StockLocation, (StockLevel.on_hand - StockLevel.reserved).label("available"), distance.label("metres"))
        .join(StockLevel, StockLevel.location_id == StockLocation.id)
        .outerjoin(Engineer, Engineer.id == StockLocation.engineer_id)
        .where(StockLevel.part_id == part_id, StockLocation.is_active.is_(True),
               StockLocation.kind != LocationKind.RETURNS,
               StockLevel.on_hand - StockLevel.reserved >= quantity, place.is_not(None))
        .order_by(distance).limit(limit))
    return [{"location_id": location.id, "name": location.name, "kind": location.kind.value,
             "engineer_id": location.engineer_id, "available": int(available), "distance_m": round(float(metres))}
            for location, available, metres in rows]


def parts_lines_of_order(session: Session, work_order_id: int) -> list[dict]:
    """Per part: how many were issued to the order and came back, and what the kept
    ones cost (issue value minus return value), by SKU."""
    value = StockMovement.quantity * StockMovement.unit_cost_cents
    is_issue = StockMovement.kind == MovementKind.ISSUE
    rows = session.execute(
        select(Part.id, Part.sku, Part.name, Part.unit,
               func.sum(case((is_issue, StockMovement.quantity), else_=0)).label("issued"),
               func.sum(case((is_issue, 0), else_=StockMovement.quantity)).label("returned"),
               func.sum(case((is_issue, value), else_=-value)).label("cost"))
        .join(Part, Part.id == StockMovement.part_id)
        .where(StockMovement.work_order_id == work_order_id,
               StockMovement.kind.in_([MovementKind.ISSUE, MovementKind.RETURN]))
        .group_by(Part.id).order_by(Part.sku))
    return [{"part_id": row.id, "sku": row.sku, "name": row.name, "unit": row.unit, "issued": int(row.issued),
             "returned": int(row.returned), "cost_cents": int(row.cost)} for row in rows]


def parts_reserved_for_order(session: Session, work_order_id: int) -> dict[int, dict]:
    """Per part id: how many units are set aside for the order (reserved, not yet used),
    with the part's SKU, name and unit."""
    rows = session.execute(
        select(Part.id, Part.sku, Part.name, Part.unit, func.sum(Reservation.quantity).label("reserved"))
        .join(Part, Part.id == Reservation.part_id)
        .where(Reservation.work_order_id == work_order_id, Reservation.quantity > 0)
        .group_by(Part.id))
    return {row.id: {"part_id": row.id, "sku": row.sku, "name": row.name, "unit": row.unit,
                     "reserved": int(row.reserved)} for row in rows}


def order_parts_with_reservations(session: Session, work_order_id: int) -> list[dict]:
    """`parts_lines_of_order` plus what is still reserved for the order: one line per
    part issued, returned or reserved, by SKU (`reserved` 0 when none is set aside)."""
    reserved = parts_reserved_for_order(session, work_order_id)
    lines = [{**line, "reserved": reserved.pop(line["part_id"], {}).get("reserved", 0)}
             for line in parts_lines_of_order(session, work_order_id)]
    lines += [{**held, "issued": 0, "returned": 0, "cost_cents": 0} for held in reserved.values()]
    return sorted(lines, key=lambda line: line["sku"])


def parts_cost_of_order(session: Session, work_order_id: int) -> int:
    """What was issued to the order minus what came back, in cents."""
    value = StockMovement.quantity * StockMovement.unit_cost_cents
    signed = case((StockMovement.kind == MovementKind.ISSUE, value), else_=-value)
    return int(session.scalar(select(func.coalesce(func.sum(signed), 0))
                              .where(StockMovement.work_order_id == work_order_id,
                                     StockMovement.kind.in_([MovementKind.ISSUE, MovementKind.RETURN]))))


def reconcile(session: Session) -> list[dict]:
    """Every cached figure that differs from the ledger: on-hand against the sum of
    movements in and out, reserved against the open reservations. Empty when all agree."""
    incoming = (select(StockMovement.part_id, StockMovement.to_location_id.label("location_id"),
                       StockMovement.quantity.label("delta")).where(StockMovement.to_location_id.is_not(None)))
    outgoing = (select(StockMovement.part_id, StockMovement.from_location_id.label("location_id"),
                       (-StockMovement.quantity).label("delta")).where(StockMovement.from_location_id.is_not(None)))
    moves = incoming.union_all(outgoing).subquery()
    ledger = (select(moves.c.part_id, moves.c.location_id, func.sum(moves.c.delta).label("on_hand"))
              .group_by(moves.c.part_id, moves.c.location_id).subquery())
    held = (select(Reservation.part_id, Reservation.location_id, func.sum(Reservation.quantity).label("reserved"))
            .group_by(Reservation.part_id, Reservation.location_id).subquery())
    rows = session.execute(
        select(StockLevel.part_id, StockLevel.location_id, StockLevel.on_hand, StockLevel.reserved,
               func.coalesce(ledger.c.on_hand, 0).label("ledger_on_hand"),
               func.coalesce(held.c.reserved, 0).label("ledger_reserved"))
        .outerjoin(ledger, (ledger.c.part_id == StockLevel.part_id) & (ledger.c.location_id == StockLevel.location_id))
        .outerjoin(held, (held.c.part_id == StockLevel.part_id) & (held.c.location_id == StockLevel.location_id))
        .order_by(StockLevel.part_id, StockLevel.location_id))
    differences = []
    for row in rows:
        for what, cached, ledger_value in (("on_hand", row.on_hand, row.ledger_on_hand),
                                           ("reserved", row.reserved, row.ledger_reserved)):
            if cached != ledger_value:
                differences.append({"part_id": row.part_id, "location_id": row.location_id, "what": what,
                                    "cached": cached, "ledger": int(ledger_value)})
    return differences + _serial_differences(session)


def _serial_differences(session: Session) -> list[dict]:
    """Serial-tracked parts: the units in stock at a location must number its on-hand."""
    in_stock = (select(PartSerial.part_id, PartSerial.location_id, func.count().label("units"))
                .where(PartSerial.status == SerialStatus.IN_STOCK)
                .group_by(PartSerial.part_id, PartSerial.location_id).subquery())
    rows = session.execute(
        select(StockLevel.part_id, StockLevel.location_id, StockLevel.on_hand,
               func.coalesce(in_stock.c.units, 0).label("units"))
        .join(Part, Part.id == StockLevel.part_id)
        .outerjoin(in_stock, (in_stock.c.part_id == StockLevel.part_id)
                   & (in_stock.c.location_id == StockLevel.location_id))
        .where(Part.serial_tracked.is_(True), StockLevel.on_hand != func.coalesce(in_stock.c.units, 0)))
    return [{"part_id": row.part_id, "location_id": row.location_id, "what": "serials",
             "cached": row.on_hand, "ledger": int(row.units)} for row in rows]


def asset_parts(session: Session, asset_id: int) -> dict:
    """What went into and came out of an asset, from the ledger: parts issued to its
    orders (installed), returned from them and old parts removed, oldest first; and
    the serial-tracked units in it now."""
    if session.get(Asset, asset_id) is None:
        raise NotFoundError(f"Asset {asset_id} not found", asset_id=asset_id)
    changes = {MovementKind.ISSUE: "installed", MovementKind.RETURN: "removed", MovementKind.REMOVAL: "removed"}
    rows = session.execute(
        select(StockMovement, Part.sku, Part.name, WorkOrder.number)
        .join(Part, Part.id == StockMovement.part_id)
        .join(WorkOrder, WorkOrder.id == StockMovement.work_order_id)
        .where(StockMovement.asset_id == asset_id, StockMovement.kind.in_(list(changes)))
        .order_by(StockMovement.created_at, StockMovement.id))
    history = [{"movement_id": m.id, "at": m.created_at, "change": changes[m.kind], "kind": m.kind.value,
                "part_id": m.part_id, "sku": sku, "name": name, "quantity": m.quantity, "serials": m.serials,
                "work_order_id": m.work_order_id, "work_order_number": number, "note": m.note}
               for m, sku, name, number in rows]
    installed = session.execute(
        select(PartSerial, Part.sku, Part.name).join(Part, Part.id == PartSerial.part_id)
        .where(PartSerial.asset_id == asset_id, PartSerial.status == SerialStatus.ISSUED)
        .order_by(Part.sku, PartSerial.serial))
    return {"asset_id": asset_id, "history": history,
            "installed": [{"part_id": unit.part_id, "sku": sku, "name": name, "serial": unit.serial,
                           "work_order_id": unit.work_order_id, "since": unit.updated_at}
                          for unit, sku, name in installed]}


def movements_query(*, part_id: int | None = None, location_id: int | None = None,
                    work_order_id: int | None = None, kind: MovementKind | None = None) -> Select:
    """Ledger rows, newest first."""
    query = select(StockMovement).order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
    if part_id is not None:
        query = query.where(StockMovement.part_id == part_id)
    if location_id is not None:
        query = query.where(or_(StockMovement.from_location_id == location_id,
                                StockMovement.to_location_id == location_id))
    if work_order_id is not None:
        query = query.where(StockMovement.work_order_id == work_order_id)
    if kind is not None:
        query = query.where(StockMovement.kind == kind)
    return query
