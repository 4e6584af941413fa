"""Spare parts: the catalogue, where stock is kept, the append-only ledger of every
movement, and the cached stock level per part and location that the ledger proves."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import enum_column
from app.db import Base, TimestampMixin
from app.geo import point_column_type
from app.workorders.models import WorkOrder


class Part(Base, TimestampMixin):
    __tablename__ = "parts"
    __table_args__ = (CheckConstraint("unit_cost_cents >= 0", name="unit_cost_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    # List price for new stock; what an issue costs is the location's moving average.
    unit_cost_cents: Mapped[int] = mapped_column(default=0)
    serial_tracked: Mapped[bool] = mapped_column(default=False)
    compatible_models: Mapped[list[str]] = mapped_column(JSONB, default=list)


class LocationKind(str, enum.Enum):
    WAREHOUSE = "warehouse"
    VAN = "van"
    RETURNS = "returns"   # where defective parts go back to


class StockLocation(Base, TimestampMixin):
    __tablename__ = "stock_locations"
    __table_args__ = (
        CheckConstraint("(kind = 'van') = (engineer_id IS NOT NULL)", name="vans_belong_to_engineers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind, "stock_location_kind"))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    location: Mapped[Any | None] = mapped_column(point_column_type())
    # One van per engineer.
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("engineers.id"), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class StockLevel(Base):
    """On hand and reserved per part and location, changed in the same transaction as
    the ledger row that explains it, under a row lock."""
    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("average_cost_cents >= 0", name="average_cost_not_negative"),
    )

    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), primary_key=True, index=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    average_cost_cents: Mapped[int] = mapped_column(default=0)

    part: Mapped[Part] = relationship()
    location: Mapped[StockLocation] = relationship()
    # The reorder point of this part at this location, when one is set (read-only view).
    reorder_point: Mapped[ReorderPoint | None] = relationship(
        primaryjoin="and_(StockLevel.part_id == foreign(ReorderPoint.part_id), "
                    "StockLevel.location_id == foreign(ReorderPoint.location_id))",
        viewonly=True, uselist=False)

    @property
    def available(self) -> int:
        """On hand minus what is reserved for orders."""
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        """Below the reorder point's minimum available (False without one)."""
        return self.reorder_point is not None and self.available < self.reorder_point.minimum


class ReorderPoint(Base):
    """Below `minimum` available units of a part at a location, it should be reordered."""
    __tablename__ = "reorder_points"
    __table_args__ = (CheckConstraint("minimum >= 0", name="minimum_not_negative"),
                      CheckConstraint("reorder_quantity > 0", name="reorder_quantity_positive"))

    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), primary_key=True)
    minimum: Mapped[int]
    reorder_quantity: Mapped[int]


class Reservation(Base):
    """What is set aside for one order of one part at one location (the ledger's
    reserve/release/issue rows explain it); the level's `reserved` is their sum."""
    __tablename__ = "stock_reservations"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(default=0)


class MovementKind(str, enum.Enum):
    RECEIPT = "receipt"
    TRANSFER = "transfer"
    RESERVE = "reserve"        # set aside for a work order (on-hand unchanged)
    RELEASE = "release"        # a reservation given back
    ISSUE = "issue"            # consumed on a work order
    RETURN = "return"          # back from an order: unused to stock, or defective to a return location
    ADJUSTMENT = "adjustment"  # a stock count found more or less than the books
    SCRAP = "scrap"            # written off
    REMOVAL = "removal"        # an old part taken out of a customer's asset, into a return location


class StockMovement(Base):
    """Immutable: a trigger in the migration refuses UPDATE and DELETE."""
    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_location_id IS NOT NULL OR to_location_id IS NOT NULL", name="has_a_location"),
        CheckConstraint("kind NOT IN ('reserve', 'release') OR from_location_id = to_location_id",
                        name="reservations_stay_in_place"),
        Index("ix_stock_movements_part_created", "part_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MovementKind] = mapped_column(enum_column(MovementKind, "stock_movement_kind"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    from_location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"))
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"))
    quantity: Mapped[int]
    unit_cost_cents: Mapped[int]
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    # The asset the parts went into (issue) or came out of (return, removal).
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    # Serial numbers of the units moved, for serial-tracked parts (as many as `quantity`).
    serials: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class SerialStatus(str, enum.Enum):
    IN_STOCK = "in_stock"   # at `location_id`
    ISSUED = "issued"       # consumed on `work_order_id`, installed in `asset_id` when the order has one
    SCRAPPED = "scrapped"
    LOST = "lost"           # a stock count did not find it


class PartSerial(Base):
    """Where each unit of a serial-tracked part is now; the ledger's `serials` say how
    it got there."""
    __tablename__ = "part_serials"
    __table_args__ = (
        CheckConstraint("(status = 'in_stock') = (location_id IS NOT NULL)", name="in_stock_has_a_location"),
        Index("ix_part_serials_part_location", "part_id", "location_id"),
    )

    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), primary_key=True)
    serial: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[SerialStatus] = mapped_column(enum_column(SerialStatus, "serial_status"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    updated_at: Mapped[datetime]


class PartRequestStatus(str, enum.Enum):
    OPEN = "open"                 # in the warehouse queue
    PICKING = "picking"           # someone at the warehouse is on it
    UNAVAILABLE = "unavailable"   # none to send now; `expected_date` says when
    FULFILLED = "fulfilled"       # transferred to the van and reserved for the order
    CANCELLED = "cancelled"


PENDING_REQUEST_STATUSES = (PartRequestStatus.OPEN, PartRequestStatus.PICKING, PartRequestStatus.UNAVAILABLE)


class PartRequest(Base, TimestampMixin):
    """Parts asked for a work order, to be sent to a van (usually the assigned
    engineer's). The warehouse works these as a queue."""
    __tablename__ = "part_requests"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_part_requests_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int]
    to_location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"))
    status: Mapped[PartRequestStatus] = mapped_column(enum_column(PartRequestStatus, "part_request_status"),
                                                      default=PartRequestStatus.OPEN)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"))
    expected_date: Mapped[date | None]
    # True when marking it unavailable put the order on hold (waiting_parts).
    held_order: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    fulfilled_at: Mapped[datetime | None]

    part: Mapped[Part] = relationship()
    work_order: Mapped[WorkOrder] = relationship()
    to_location: Mapped[StockLocation] = relationship(foreign_keys=[to_location_id])
