"""Dispatch runs: one optimisation of a day, from the problem it was given to the plan
it produced and whether that plan was applied."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User, enum_column
from app.db import Base, TimestampMixin


class RunKind(str, enum.Enum):
    OPTIMISE = "optimise"      # plan a whole day (or a part of it) afresh
    INSERTION = "insertion"    # fit one urgent order into the live plan, disturbing little


class RunStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    APPLIED = "applied"
    DISCARDED = "discarded"


FINISHED_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.APPLIED, RunStatus.DISCARDED})


class DispatchRun(Base, TimestampMixin):
    __tablename__ = "dispatch_runs"
    __table_args__ = (
        CheckConstraint("progress_pct BETWEEN 0 AND 100", name="progress_in_range"),
        CheckConstraint("time_limit_s BETWEEN 1 AND 3600", name="time_limit_in_range"),
        Index("ix_dispatch_runs_plan_date_created_at", "plan_date", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RunKind] = mapped_column(enum_column(RunKind, "dispatch_run_kind"))
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus, "dispatch_run_status"))
    plan_date: Mapped[date]
    time_limit_s: Mapped[int] = mapped_column(SmallInteger)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # What the run was limited to; empty lists mean "all that qualify".
    scope: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # The problem in the solver's public format, and each order's version when it was
    # built: applying refuses when any of those orders changed since.
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    order_versions: Mapped[dict[str, int] | None] = mapped_column(JSONB)
    progress_pct: Mapped[int] = mapped_column(SmallInteger, default=0)
    best_objective: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    applied_at: Mapped[datetime | None]
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # How many changes of each kind applying made.
    applied_counts: Mapped[dict[str, int] | None] = mapped_column(JSONB)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    applied_by: Mapped[User | None] = relationship(foreign_keys=[applied_by_id])
