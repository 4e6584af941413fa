"""One GPS fix reported by an engineer's phone."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.geo import point_column_type


class LocationPing(Base):
    """A position as the phone measured it at `recorded_at` (device clock, with offset);
    `received_at` is when the server got it. Pings arrive in batches, often late (a
    phone offline in a basement car park uploads when it is back on the network)."""
    __tablename__ = "location_pings"
    __table_args__ = (
        # A phone resending a batch it got no answer for must not store its pings twice.
        # The constraint's index also serves every read, which is by engineer and time.
        UniqueConstraint("engineer_id", "recorded_at", name="uq_location_pings_engineer_recorded_at"),
        CheckConstraint("accuracy_m >= 0", name="accuracy_non_negative"),
        CheckConstraint("speed_mps >= 0", name="speed_non_negative"),
        CheckConstraint("heading_deg >= 0 AND heading_deg < 360", name="heading_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineers.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime]
    received_at: Mapped[datetime]
    position = mapped_column(point_column_type(), nullable=False)
    # Radius of 68% confidence in metres, as Android and iOS report it.
    accuracy_m: Mapped[float | None]
    speed_mps: Mapped[float | None]
    heading_deg: Mapped[float | None]
