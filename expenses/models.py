"""An expense an engineer incurred for a work order."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User, enum_column
from app.db import Base
from app.engineers.models import Engineer
from app.workorders.models import Attachment

DEFAULT_CURRENCY = "CNY"


class ExpenseKind(str, enum.Enum):
    TRAVEL = "travel"
    TOLL = "toll"
    PARKING = "parking"
    OTHER = "other"


class DistanceSource(str, enum.Enum):
    GPS = "gps"           # measured along the engineer's pings between start of travel and check-in
    ENTERED = "entered"   # typed in on the phone (no usable GPS track)


# When an expense counts for reports: the phone's time when it sent one, else the server's.
OCCURRED_AT_SQL = "COALESCE(device_time, created_at)"


class Expense(Base):
    """Money in integer minor units (cents/fen) of `currency`. A travel expense records
    its distance and where that came from; its amount is distance × `rate_cents_per_km`
    unless the engineer entered an amount (then the rate is empty)."""
    __tablename__ = "expenses"
    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="amount_non_negative"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso_4217"),
        CheckConstraint("distance_m >= 0", name="distance_non_negative"),
        CheckConstraint("rate_cents_per_km >= 0", name="rate_non_negative"),
        # Only travel has a distance; travel always has one, and says where it came from.
        CheckConstraint("CASE WHEN kind = 'travel' THEN distance_m IS NOT NULL AND distance_source IS NOT NULL "
                        "ELSE distance_m IS NULL AND distance_source IS NULL END", name="distance_only_for_travel"),
        CheckConstraint("rate_cents_per_km IS NULL OR kind = 'travel'", name="rate_only_for_travel"),
        Index("ix_expenses_engineer_occurred_at", "engineer_id", text(OCCURRED_AT_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineers.id"))
    kind: Mapped[ExpenseKind] = mapped_column(enum_column(ExpenseKind, "expense_kind"))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default=DEFAULT_CURRENCY)
    distance_m: Mapped[int | None]
    distance_source: Mapped[DistanceSource | None] = mapped_column(enum_column(DistanceSource, "distance_source"))
    rate_cents_per_km: Mapped[int | None]
    # Kept while the expense exists: a receipt backing a claim is not deleted under it.
    receipt_attachment_id: Mapped[int | None] = mapped_column(ForeignKey("work_order_attachments.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    device_time: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    engineer: Mapped[Engineer] = relationship()
    receipt: Mapped[Attachment | None] = relationship()
    created_by: Mapped[User] = relationship()
