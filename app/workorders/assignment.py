"""Can this engineer take this order at that time? The checks behind every manual
assignment, reschedule and candidate list, each answered as a warning.

Blocking warnings (skills, time off, another booking, the day's job limit) refuse an
assignment unless a dispatcher overrides them; soft ones (outside the shift, outside
the customer's appointment window) are recorded with it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.engineers.models import Engineer, TimeOff, WorkingHours
from app.workorders.models import OPEN_STATUSES, WorkOrder

BLOCKING = frozenset({"skill_mismatch", "time_off", "overlap", "max_jobs"})


@dataclass(frozen=True)
class AssignmentWarning:
    code: str
    message: str

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING

    def as_dict(self) -> dict:
        return {**asdict(self), "blocking": self.blocking}


def missing_skills(order: WorkOrder, engineer: Engineer) -> list[tuple[str, int]]:
    """Required (skill, level) pairs the engineer does not reach. Pure."""
    has = {s.skill_code: s.level for s in engineer.skills}
    return sorted((r.skill_code, r.level) for r in order.required_skills if has.get(r.skill_code, 0) < r.level)


def within_working_hours(hours: Iterable[WorkingHours], start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """Whether [start, end) lies inside one working period of its weekday. Pure."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() != (local_end - timedelta(microseconds=1)).date():
        return False
    return any(h.weekday == local_start.weekday() and h.starts <= local_start.time()
               and local_end.time() <= h.ends for h in hours)


def assignment_warnings(session: Session, *, order: WorkOrder, engineer: Engineer, start: datetime,
                        end: datetime, zone: ZoneInfo) -> list[AssignmentWarning]:
    """Everything that speaks against `engineer` doing `order` from `start` to `end`."""
    warnings = []
    missing = missing_skills(order, engineer)
    if missing:
        warnings.append(AssignmentWarning("skill_mismatch", "Lacks " + ", ".join(
            f"{skill} ≥ {level}" for skill, level in missing)))
    off = session.scalar(select(TimeOff).where(
        TimeOff.engineer_id == engineer.id, TimeOff.starts_at < end, TimeOff.ends_at > start))
    if off is not None:
        warnings.append(AssignmentWarning("time_off", f"The engineer has time off from {off.starts_at.astimezone(zone):%H:%M %d.%m}"
                                                      f" to {off.ends_at.astimezone(zone):%H:%M %d.%m}"))
    overlapping = session.scalar(select(WorkOrder.number).where(
        WorkOrder.scheduled_engineer_id == engineer.id, WorkOrder.id != order.id,
        WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.scheduled_start < end, WorkOrder.scheduled_end > start))
    if overlapping is not None:
        warnings.append(AssignmentWarning("overlap", f"The engineer is booked on {overlapping} then"))
    day_start = datetime.combine(start.astimezone(zone).date(), datetime.min.time(), tzinfo=zone)
    booked = session.scalar(select(func.count()).select_from(WorkOrder).where(
        WorkOrder.scheduled_engineer_id == engineer.id, WorkOrder.id != order.id,
        WorkOrder.status.in_(OPEN_STATUSES),
        WorkOrder.scheduled_start >= day_start, WorkOrder.scheduled_start < day_start + timedelta(days=1)))
    if booked >= engineer.max_jobs_per_day:
        warnings.append(AssignmentWarning("max_jobs", f"The engineer already has {booked} jobs that day "
                                                      f"(max {engineer.max_jobs_per_day})"))
    if not within_working_hours(engineer.working_hours, start, end, zone):
        warnings.append(AssignmentWarning("outside_shift", "Outside the engineer's working hours"))
    if order.window_start is not None and not order.window_start <= start <= order.window_end:
        warnings.append(AssignmentWarning("outside_appointment_window", "Starts outside the customer's appointment window"))
    return warnings
