"""Business calendars, SLA policies with their targets, and the clocks of each order.

A clock row is a cache of what `sla.clock.compute_clock` says about an order's history
under its current policy; it is recomputed whenever the order's log grows, and carries
the next moment a warning falls due so the sweeper can find due clocks with an index.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import enum_column
from app.db import Base, TimestampMixin
from app.workorders.models import WorkOrder
from sla.clock import ClockState, TargetKind


class BusinessCalendar(Base, TimestampMixin):
    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # {"0": [["09:00", "12:00"], ["13:00", "18:00"]], …}: weekday (0 = Monday) → hours.
    weekly_hours: Mapped[dict[str, Any]] = mapped_column(JSONB)

    days: Mapped[list[CalendarDay]] = relationship(order_by="CalendarDay.day", cascade="all, delete-orphan")


class DayKind(str, enum.Enum):
    HOLIDAY = "holiday"           # no work, whatever the weekday
    WORKING_DAY = "working_day"   # a make-up working day (调休上班), usually a weekend day


class CalendarDay(Base):
    __tablename__ = "calendar_days"

    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendars.id", ondelete="CASCADE"),
                                             primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[DayKind] = mapped_column(enum_column(DayKind, "calendar_day_kind"))
    name: Mapped[str] = mapped_column(String(100))
    # For a working day: its hours; none means the calendar's Monday hours.
    hours: Mapped[list[list[str]] | None] = mapped_column(JSONB)


class SlaPolicy(Base, TimestampMixin):
    """Chosen for an order when its conditions match (an empty list matches anything);
    the active policy with the lowest `position` wins."""
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(default=100)
    is_active: Mapped[bool] = mapped_column(default=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendars.id"))
    customer_tiers: Mapped[list[str]] = mapped_column(JSONB, default=list)
    priorities: Mapped[list[str]] = mapped_column(JSONB, default=list)
    work_types: Mapped[list[str]] = mapped_column(JSONB, default=list)
    channels: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # Hold reasons during which the clocks stand still.
    pause_on_hold_reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # Percentages of a target at which an SLA event is raised, e.g. [50, 75, 100].
    thresholds: Mapped[list[int]] = mapped_column(JSONB, default=lambda: [50, 75, 100])

    targets: Mapped[list[SlaTarget]] = relationship(cascade="all, delete-orphan", order_by="SlaTarget.kind")
    calendar: Mapped[BusinessCalendar] = relationship()


class SlaTarget(Base):
    __tablename__ = "sla_targets"
    __table_args__ = (CheckConstraint("minutes > 0", name="minutes_positive"),)

    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[TargetKind] = mapped_column(enum_column(TargetKind, "sla_target_kind"), primary_key=True)
    minutes: Mapped[int]
    business_time: Mapped[bool] = mapped_column(default=True)


class SlaClock(Base):
    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("work_order_id", "kind", name="one_clock_per_target"),
        # The sweeper's question: which running clocks have a warning due by now?
        Index("ix_sla_clocks_due", "next_due_at", postgresql_where="next_due_at IS NOT NULL"),
        # SLA compliance (KPIs): clocks that stopped, and running ones falling due, in a range.
        Index("ix_sla_clocks_stopped_at", "stopped_at", postgresql_where="state IN ('met', 'breached')"),
        Index("ix_sla_clocks_running_deadline", "deadline", postgresql_where="state = 'running'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    kind: Mapped[TargetKind] = mapped_column(enum_column(TargetKind, "sla_clock_kind"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    target_minutes: Mapped[int]
    business_time: Mapped[bool]
    state: Mapped[ClockState] = mapped_column(enum_column(ClockState, "sla_clock_state"))
    started_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    elapsed_s: Mapped[int]
    paused_s: Mapped[int]
    # The next threshold (percent) not yet raised, and when it falls due (running clocks only).
    next_threshold: Mapped[int | None]
    next_due_at: Mapped[datetime | None]
    computed_at: Mapped[datetime]


class SlaEvent(Base):
    """A threshold reached by a clock: raised once (the unique key makes a second raise
    impossible, whichever worker tries)."""
    __tablename__ = "sla_events"
    __table_args__ = (UniqueConstraint("clock_id", "threshold", name="once_per_threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id", ondelete="CASCADE"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    threshold: Mapped[int]
    due_at: Mapped[datetime]
    raised_at: Mapped[datetime]

    clock: Mapped[SlaClock] = relationship()


# Lists of work orders show each order's SLA at a glance (`sla.summary`), so the orders
# load their clocks with them. Declared here, beside the clocks, because the core
# `app.workorders` knows nothing of SLAs.
WorkOrder.sla_clocks = relationship(SlaClock, viewonly=True, order_by=SlaClock.kind)
