"""A link sent to a customer: what it is for, which order, where it went, how long it lives."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import enum_column
from app.customers.models import Contact
from app.db import Base, TimestampMixin
from app.workorders.models import WorkOrder


class LinkKind(str, enum.Enum):
    RATING = "rating"       # rate the visit once (`/r/<token>`)
    TRACKING = "tracking"   # where is my technician (`/t/<token>`)


class MessageChannel(str, enum.Enum):
    EMAIL = "email"
    SMS = "sms"


class CustomerLink(Base, TimestampMixin):
    """One link. The token in the URL is the id signed with the app's secret (a salt per
    kind), so the row is found by id only after the signature checks out; expiry, use and
    revocation live here, and a rating link is used once under a row lock."""
    __tablename__ = "customer_links"
    __table_args__ = (
        CheckConstraint("used_at IS NULL OR kind = 'rating'", name="only_rating_links_are_used"),
        # At most one live link of a kind per order: a resend revokes the old one first.
        Index("uq_customer_links_live_order_kind", "work_order_id", "kind", unique=True,
              postgresql_where=text("used_at IS NULL AND revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LinkKind] = mapped_column(enum_column(LinkKind, "customer_link_kind"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    # The person it went to (null when it went to the customer's own address).
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    channel: Mapped[MessageChannel] = mapped_column(enum_column(MessageChannel, "customer_link_channel"))
    # The e-mail address or phone number the message goes to.
    address: Mapped[str] = mapped_column(String(254))
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    send_attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(String(500))
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    work_order: Mapped[WorkOrder] = relationship()
    contact: Mapped[Contact | None] = relationship()
