"""Serial numbers of serial-tracked parts: which units a movement moves, and where each
unit is now.

Every function here runs inside a stock movement, after the movement has locked the
level rows it changes, and locks the serial rows it touches (in serial order) so two
movements cannot move the same unit. The movement records the serials in the ledger.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import ConflictError, ValidationFailedError
from inventory.models import Part, PartSerial, SerialStatus, StockLocation

MAX_SERIAL_LENGTH = 100


class SerialConflictError(ConflictError):
    code = "serial_conflict"


def checked(part: Part, quantity: int, serials: Sequence[str] | None) -> list[str]:
    """The serials a movement of `quantity` units of `part` names: exactly one per unit
    for a serial-tracked part, none otherwise. Raises ValidationFailedError (422)."""
    serials = [s.strip() for s in serials or []]
    if not part.serial_tracked:
        if serials:
            raise ValidationFailedError(f"{part.sku} is not serial-tracked",
                                        errors={"serials": ["not allowed for this part"]})
        return []
    if len(serials) != quantity:
        raise ValidationFailedError(f"{part.sku} is serial-tracked: give one serial per unit",
                                    errors={"serials": [f"{len(serials)} given for {quantity} units"]})
    if any(not s or len(s) > MAX_SERIAL_LENGTH for s in serials):
        raise ValidationFailedError("A serial is 1 to 100 characters", errors={"serials": ["bad serial"]})
    if len(set(serials)) != len(serials):
        raise ValidationFailedError("A serial is named twice", errors={"serials": ["duplicates"]})
    return serials


def _locked(session: Session, part: Part, serials: Sequence[str]) -> dict[str, PartSerial]:
    rows = session.scalars(select(PartSerial)
                           .where(PartSerial.part_id == part.id, PartSerial.serial.in_(serials))
                           .order_by(PartSerial.serial).with_for_update()
                           .execution_options(populate_existing=True))
    return {row.serial: row for row in rows}


def _place(row: PartSerial, location: StockLocation) -> None:
    row.status, row.location_id = SerialStatus.IN_STOCK, location.id
    row.work_order_id = row.asset_id = None
    row.updated_at = utcnow()


def _new(session: Session, part: Part, serial: str, location: StockLocation) -> PartSerial:
    row = PartSerial(part_id=part.id, serial=serial, status=SerialStatus.IN_STOCK, location_id=location.id,
                     updated_at=utcnow())
    session.add(row)
    return row


def _place_all(session: Session, part: Part, known: dict[str, PartSerial], serials: Sequence[str],
               location: StockLocation) -> None:
    """Put the units in stock at `location`: known ones moved there, new ones created."""
    for serial in serials:
        if serial in known:
            _place(known[serial], location)
        else:
            _new(session, part, serial, location)
    session.flush()


def _describe(row: PartSerial) -> str:
    if row.status is SerialStatus.IN_STOCK:
        return f"in stock at location {row.location_id}"
    if row.status is SerialStatus.ISSUED:
        return f"issued to work order {row.work_order_id}"
    return row.status.value


def receive(session: Session, part: Part, location: StockLocation, serials: Sequence[str]) -> None:
    """New units arrive at `location`. A serial already in stock or issued is refused
    (409 `serial_conflict`); one written off as lost or scrapped may come back."""
    if not serials:
        return
    _bring_in(session, part, location, serials, clash="serials already known")


def _bring_in(session: Session, part: Part, location: StockLocation, serials: Sequence[str], *, clash: str) -> None:
    """Place units in stock at `location` that the books have nowhere live: new ones, or
    ones written off as lost or scrapped. One in stock or issued elsewhere is refused
    (409 `serial_conflict`, saying `clash` and where each is)."""
    rows = _locked(session, part, serials)
    live = {s: _describe(r) for s, r in rows.items() if r.status in (SerialStatus.IN_STOCK, SerialStatus.ISSUED)}
    if live:
        raise SerialConflictError(f"{part.sku}: {clash}: " + ", ".join(sorted(live)), serials=live)
    _place_all(session, part, rows, serials, location)


def take(session: Session, part: Part, location: StockLocation, serials: Sequence[str]) -> list[PartSerial]:
    """The units named, which must all be in stock at `location` (else 409
    `serial_conflict` naming where each one is)."""
    if not serials:
        return []
    rows = _locked(session, part, serials)
    wrong = {s: (_describe(rows[s]) if s in rows else "unknown") for s in serials
             if s not in rows or rows[s].status is not SerialStatus.IN_STOCK or rows[s].location_id != location.id}
    if wrong:
        raise SerialConflictError(f"{part.sku}: not in stock at {location.name}: " + ", ".join(sorted(wrong)),
                                  serials=wrong)
    return [rows[s] for s in serials]


def move(session: Session, part: Part, source: StockLocation, target: StockLocation, serials: Sequence[str]) -> None:
    for row in take(session, part, source, serials):
        _place(row, target)


def issue(session: Session, part: Part, location: StockLocation, serials: Sequence[str], *,
          work_order_id: int, asset_id: int | None) -> None:
    """Units consumed on an order, installed in its asset when it has one."""
    now = utcnow()
    for row in take(session, part, location, serials):
        row.status, row.location_id = SerialStatus.ISSUED, None
        row.work_order_id, row.asset_id, row.updated_at = work_order_id, asset_id, now


def write_off(session: Session, part: Part, location: StockLocation, serials: Sequence[str],
              status: SerialStatus) -> None:
    """Units scrapped, or not found by a stock count (lost)."""
    now = utcnow()
    for row in take(session, part, location, serials):
        row.status, row.location_id, row.updated_at = status, None, now


def return_from_order(session: Session, part: Part, target: StockLocation, serials: Sequence[str], *,
                      work_order_id: int) -> None:
    """Units issued to this order coming back into stock at `target`."""
    if not serials:
        return
    rows = _locked(session, part, serials)
    wrong = {s: (_describe(rows[s]) if s in rows else "unknown") for s in serials
             if s not in rows or rows[s].status is not SerialStatus.ISSUED or rows[s].work_order_id != work_order_id}
    if wrong:
        raise SerialConflictError(f"{part.sku}: not issued to this order: " + ", ".join(sorted(wrong)),
                                  serials=wrong)
    for serial in serials:
        _place(rows[serial], target)


def remove_from_asset(session: Session, part: Part, target: StockLocation, serials: Sequence[str], *,
                      asset_id: int) -> None:
    """Old units taken out of a customer's asset into `target`. A unit we installed in
    this asset is known; one that came with the asset is new to us. A unit recorded
    anywhere else is refused (409 `serial_conflict`)."""
    if not serials:
        return
    rows = _locked(session, part, serials)
    wrong = {s: _describe(r) for s, r in rows.items()
             if r.status is SerialStatus.IN_STOCK or (r.status is SerialStatus.ISSUED and r.asset_id != asset_id)}
    if wrong:
        raise SerialConflictError(f"{part.sku}: not in this asset: " + ", ".join(sorted(wrong)), serials=wrong)
    _place_all(session, part, rows, serials, target)


def count(session: Session, part: Part, location: StockLocation, counted: Sequence[str]) -> tuple[list[str], list[str]]:
    """A stock count by serial at `location`: the units on the books but not found
    become lost, units found but not on the books come into stock here. Returns
    (missing, found). A unit found here that the books place elsewhere in stock or
    issued is refused (409 `serial_conflict`): move it properly first."""
    on_books = set(session.scalars(select(PartSerial.serial).where(
        PartSerial.part_id == part.id, PartSerial.location_id == location.id,
        PartSerial.status == SerialStatus.IN_STOCK)))
    missing = sorted(on_books - set(counted))
    found = sorted(set(counted) - on_books)
    if found:
        _bring_in(session, part, location, found, clash="counted here but recorded elsewhere")
    write_off(session, part, location, missing, SerialStatus.LOST)
    session.flush()
    return missing, found
