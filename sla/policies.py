"""Editing business calendars and SLA policies. Every edit that can move a deadline
re-computes the clocks of the open orders in the same transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ConflictError, NotFoundError
from sla import service
from sla.models import BusinessCalendar, CalendarDay, DayKind, SlaPolicy, SlaTarget


def get_calendar(session: Session, calendar_id: int) -> BusinessCalendar:
    row = session.get(BusinessCalendar, calendar_id)
    if row is None:
        raise NotFoundError(f"Calendar {calendar_id} not found", calendar_id=calendar_id)
    return row


def create_calendar(session: Session, *, name: str, timezone: str, weekly_hours: dict) -> BusinessCalendar:
    if session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.name == name)) is not None:
        raise ConflictError(f"A calendar named {name} exists", name=name)
    row = BusinessCalendar(name=name, timezone=timezone, weekly_hours=weekly_hours)
    session.add(row)
    session.flush()
    return row


def set_day(session: Session, *, calendar_id: int, day: date, kind: DayKind, name: str,
            hours: list[list[str]] | None = None) -> CalendarDay:
    """Make a date a holiday or a (make-up) working day of the calendar."""
    get_calendar(session, calendar_id)
    row = session.get(CalendarDay, (calendar_id, day))
    if row is None:
        row = CalendarDay(calendar_id=calendar_id, day=day)
        session.add(row)
    row.kind, row.name, row.hours = kind, name, hours if kind is DayKind.WORKING_DAY else None
    session.flush()
    service.refresh_open_orders(session)
    return row


def remove_day(session: Session, *, calendar_id: int, day: date) -> None:
    """The date follows the weekly hours again."""
    row = session.get(CalendarDay, (calendar_id, day))
    if row is None:
        raise NotFoundError(f"{day} is neither a holiday nor a working day of calendar {calendar_id}")
    session.delete(row)
    session.flush()
    service.refresh_open_orders(session)


def get_policy(session: Session, policy_id: int) -> SlaPolicy:
    row = session.get(SlaPolicy, policy_id)
    if row is None:
        raise NotFoundError(f"SLA policy {policy_id} not found", policy_id=policy_id)
    return row


def save_policy(session: Session, policy: SlaPolicy | None = None, **fields) -> SlaPolicy:
    """Create (policy None) or change a policy; its targets are replaced when given."""
    if "calendar_id" in fields:
        get_calendar(session, fields["calendar_id"])
    name = fields.get("name")
    if name is not None and session.scalar(select(SlaPolicy.id).where(
            SlaPolicy.name == name, SlaPolicy.id != (policy.id if policy else -1))) is not None:
        raise ConflictError(f"A policy named {name} exists", name=name)
    targets = fields.pop("targets", None)
    if policy is None:
        policy = SlaPolicy()
        session.add(policy)
    for field, value in fields.items():
        setattr(policy, field, value)
    if targets is not None:
        policy.targets = [SlaTarget(kind=t["kind"], minutes=t["minutes"], business_time=t["business_time"])
                          for t in targets]
    session.flush()
    service.refresh_open_orders(session)
    return policy
