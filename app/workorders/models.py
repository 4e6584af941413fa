"""Work orders and everything recorded against them."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (CheckConstraint, ForeignKey, Index, Sequence, SmallInteger, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User, enum_column
from app.customers.models import Asset, Customer, Site
from app.db import Base, TimestampMixin
from app.engineers.models import Engineer, Team


class Channel(str, enum.Enum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    WECHAT = "wechat"
    API = "api"
    IMPORT = "import"


class WorkType(str, enum.Enum):
    REPAIR = "repair"
    INSTALLATION = "installation"
    MAINTENANCE = "maintenance"
    INSPECTION = "inspection"


class Priority(str, enum.Enum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Status(str, enum.Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    AWAITING_FEEDBACK = "awaiting_feedback"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(Status) - {Status.RESOLVED, Status.AWAITING_FEEDBACK, Status.CLOSED,
                                     Status.CANCELLED}

work_order_number_seq = Sequence("work_order_number_seq", metadata=Base.metadata)


class WorkOrder(Base, TimestampMixin):
    __tablename__ = "work_orders"
    __table_args__ = (
        CheckConstraint("estimated_duration_min > 0 AND estimated_duration_min <= 7 * 24 * 60",
                        name="duration_range"),
        CheckConstraint("window_end > window_start", name="window_ordered"),
        CheckConstraint("scheduled_end > scheduled_start", name="schedule_ordered"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_work_orders_scheduled_start", "scheduled_start"),
        Index("ix_work_orders_window_start", "window_start"),
        Index("ix_work_orders_status_priority", "status", "priority"),
        Index("ix_work_orders_created_at", "created_at"),   # KPIs: orders created in a range
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    work_type: Mapped[WorkType] = mapped_column(enum_column(WorkType, "work_type"))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "priority"), default=Priority.NORMAL)
    status: Mapped[Status] = mapped_column(enum_column(Status, "status"), default=Status.NEW)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("work_order_templates.id"))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))

    estimated_duration_min: Mapped[int] = mapped_column(default=60)
    # The customer's appointment window: the visit should start inside it.
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    scheduled_engineer_id: Mapped[int | None] = mapped_column(ForeignKey("engineers.id"), index=True)
    # The team whose queue the order is in (set by agents or automation rules).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # Free labels (`vip-escalation`, `warranty`…), set by people and automation rules.
    tags: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    scheduled_start: Mapped[datetime | None]
    scheduled_end: Mapped[datetime | None]
    # When the plan expects the engineer to arrive (travel done; the visit may start later).
    planned_arrival: Mapped[datetime | None]

    # Where the order goes back to on resume.
    status_before_hold: Mapped[Status | None] = mapped_column(enum_column(Status, "status_before_hold"))
    hold_reason: Mapped[str | None] = mapped_column(String(50))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    resolution_code: Mapped[str | None] = mapped_column(String(50))
    resolution_notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Bumped on every write: the ETag, and the guard against lost updates.
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    site: Mapped[Site] = relationship()
    asset: Mapped[Asset | None] = relationship()
    parent: Mapped[WorkOrder | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[WorkOrder]] = relationship(back_populates="parent")
    scheduled_engineer: Mapped[Engineer | None] = relationship()
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    required_skills: Mapped[list[WorkOrderSkill]] = relationship(
        cascade="all, delete-orphan", order_by="WorkOrderSkill.skill_code")
    template: Mapped[WorkOrderTemplate | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class WorkOrderSkill(Base):
    __tablename__ = "work_order_skills"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),)

    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), primary_key=True)
    skill_code: Mapped[str] = mapped_column(ForeignKey("skills.code"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)


class EventKind(str, enum.Enum):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    UPDATED = "updated"
    NOTE_ADDED = "note_added"
    ATTACHMENT_ADDED = "attachment_added"
    PARTS = "parts"   # parts asked for, sent or unavailable (from the inventory)
    SLA = "sla"       # an SLA clock reached a warning threshold or its deadline
    RULE = "rule"     # an automation rule acted on the order (its audit entry)
    RATED = "rated"   # the customer rated the visit
    CHECKLIST = "checklist"   # the engineer answered checklist items on the phone
    EXPENSE = "expense"   # the engineer claimed a travel, toll, parking or other expense
    CUSTOMER_LINK = "customer_link"   # a rating or tracking link sent, resent, or not sendable


# When an event counts (device time bounded by server receipt), as the KPI indexes see it.
_COUNTED_AT = "LEAST(COALESCE(device_time, server_time), server_time)"
_RESPONSE = "kind = 'status_changed' AND from_status = 'new' AND to_status <> 'cancelled'"
_ARRIVAL = "kind = 'status_changed' AND to_status = 'on_site'"
_RESOLVED = "kind = 'status_changed' AND to_status = 'resolved'"
_STINT = ("kind = 'status_changed' AND (to_status IN ('en_route', 'on_site') "
          "OR from_status IN ('en_route', 'on_site'))")


class WorkOrderEvent(Base):
    """Immutable: a trigger in the migration refuses UPDATE and DELETE."""
    __tablename__ = "work_order_events"
    __table_args__ = (
        Index("ix_work_order_events_order_time", "work_order_id", "server_time"),
        # The KPIs' (migration 0009): when a response, check-in, resolution or a change into
        # or out of travel and work counts; each order's first response and check-in.
        Index("ix_work_order_events_responded_at", text(_COUNTED_AT), postgresql_where=text(_RESPONSE)),
        Index("ix_work_order_events_arrived_at", text(_COUNTED_AT), postgresql_where=text(_ARRIVAL)),
        Index("ix_work_order_events_resolved_at", text(_COUNTED_AT), postgresql_where=text(_RESOLVED)),
        Index("ix_work_order_events_stint_changes", text(_COUNTED_AT), postgresql_where=text(_STINT)),
        Index("ix_work_order_events_first_response", "work_order_id", text(_COUNTED_AT),
              postgresql_where=text(_RESPONSE), postgresql_include=["device_time", "server_time"]),
        Index("ix_work_order_events_first_arrival", "work_order_id", text(_COUNTED_AT),
              postgresql_where=text(_ARRIVAL), postgresql_include=["device_time", "server_time"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    action: Mapped[str | None] = mapped_column(String(40))
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status, "event_from_status"))
    to_status: Mapped[Status | None] = mapped_column(enum_column(Status, "event_to_status"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    server_time: Mapped[datetime]
    device_time: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))

    actor: Mapped[User | None] = relationship()


class NoteVisibility(str, enum.Enum):
    INTERNAL = "internal"
    CUSTOMER = "customer"


class WorkOrderNote(Base, TimestampMixin):
    __tablename__ = "work_order_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    visibility: Mapped[NoteVisibility] = mapped_column(enum_column(NoteVisibility, "note_visibility"))
    body: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship()
    mentions: Mapped[list[NoteMention]] = relationship(cascade="all, delete-orphan")


class NoteMention(Base):
    __tablename__ = "work_order_note_mentions"

    note_id: Mapped[int] = mapped_column(ForeignKey("work_order_notes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)

    user: Mapped[User] = relationship()


class AttachmentKind(str, enum.Enum):
    """What a file is for; each kind accepts its own file types (see app/files/service.py)."""
    DOCUMENT = "document"     # anything filed from the back office (manuals, quotes, reports)
    PHOTO = "photo"           # taken on site
    SIGNATURE = "signature"   # the customer's signature, drawn on the phone
    RECEIPT = "receipt"       # an expense receipt


class Attachment(Base, TimestampMixin):
    """A file of a work order. Uploaded files live in the file store under a
    content-addressed key (`work-orders/{order_id}/{sha256}`) and are unique per
    order, kind and content; rows recorded by metadata only have no `sha256`."""
    __tablename__ = "work_order_attachments"
    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size_non_negative"),
        CheckConstraint("kind <> 'signature' OR signer_name IS NOT NULL", name="signature_has_signer"),
        # Uploading the same bytes as the same kind to the same order twice is one file.
        UniqueConstraint("work_order_id", "kind", "sha256", name="uq_work_order_attachments_order_kind_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind, "attachment_kind"),
                                                 default=AttachmentKind.DOCUMENT,
                                                 server_default=AttachmentKind.DOCUMENT.value)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(500))
    # Hex SHA-256 of the content; null for metadata-only rows (the file is stored elsewhere).
    sha256: Mapped[str | None] = mapped_column(String(64))
    visibility: Mapped[NoteVisibility] = mapped_column(enum_column(NoteVisibility, "attachment_visibility"),
                                                      default=NoteVisibility.INTERNAL)
    caption: Mapped[str | None] = mapped_column(String(500))
    # Who signed (signatures only).
    signer_name: Mapped[str | None] = mapped_column(String(200))
    # When the phone says the file was made, beside the server's created_at.
    device_time: Mapped[datetime | None]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class FieldKind(str, enum.Enum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    BOOLEAN = "boolean"


class WorkOrderTemplate(Base, TimestampMixin):
    """Custom fields for one work type. `fields` is a list of
    ``{key, label, kind, required, choices?}``; at most one active template per type."""
    __tablename__ = "work_order_templates"
    __table_args__ = (
        Index("uq_work_order_templates_active_type", "work_type", unique=True,
              postgresql_where=text("is_active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_type: Mapped[WorkType] = mapped_column(enum_column(WorkType, "template_work_type"))
    name: Mapped[str] = mapped_column(String(200))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)


class Rating(Base):
    """The customer's verdict on a resolved order: CSAT 1–5, NPS 0–10, a comment. One per
    order; it arrives through the rating link or is taken down by an agent on the phone."""
    __tablename__ = "work_order_ratings"
    __table_args__ = (
        CheckConstraint("csat BETWEEN 1 AND 5", name="csat_range"),
        CheckConstraint("nps BETWEEN 0 AND 10", name="nps_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), unique=True)
    csat: Mapped[int] = mapped_column(SmallInteger)
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="link")   # link | agent
    rated_at: Mapped[datetime] = mapped_column(index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
