"""Database ⇄ solver: build a day's problem from work orders and engineers, turn a plan
into changes against the current assignments, and apply it.

The problem is the solver's public JSON format (`dispatch-format.md`), so what the
product solves can be saved, replayed with `python -m dispatch solve`, and checked by
anyone. Job ids are order numbers and engineer ids are `E<id>`, readable in both
directions. One extension: a job's optional `due`, the SLA arrival deadline, which the
solver treats as a soft deadline for the visit's start.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.engineers.models import Engineer
from app.errors import ConflictError
from app.geo import lon_lat
from app.workorders import lifecycle
from app.workorders.events import record_event
from app.workorders.models import EventKind, Priority, Status, WorkOrder
from sla.clock import ClockState, TargetKind
from sla.models import SlaClock

PRIORITY_NUMBER = {Priority.URGENT: 1, Priority.HIGH: 2, Priority.NORMAL: 3, Priority.LOW: 4}
# Orders the optimiser may (re)plan, and orders it must leave with their engineer.
PLANNABLE = frozenset({Status.NEW, Status.ASSIGNED})
PINNED = frozenset({Status.ACCEPTED, Status.EN_ROUTE})


class PlanStaleError(ConflictError):
    code = "plan_stale"


@dataclass(frozen=True)
class PlanningSettings:
    """What the organisation decided about travel, breaks and positions."""
    speed_kmh: float = 30.0
    road_factor: float = 1.3
    lunch_from: time = time(11, 30)
    lunch_to: time = time(13, 30)
    lunch_minutes: int = 30
    position_fresh_for: timedelta = timedelta(minutes=30)
    return_to_base: bool = True

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PlanningSettings:
        lunch_from, lunch_to = (time.fromisoformat(value) for value in config["DISPATCH_LUNCH_WINDOW"])
        return cls(speed_kmh=config["DISPATCH_SPEED_KMH"], road_factor=config["DISPATCH_ROAD_FACTOR"],
                   lunch_from=lunch_from, lunch_to=lunch_to, lunch_minutes=config["DISPATCH_LUNCH_MINUTES"],
                   position_fresh_for=timedelta(minutes=config["DISPATCH_POSITION_FRESH_MINUTES"]),
                   return_to_base=config["DISPATCH_RETURN_TO_BASE"])


@dataclass
class BuiltProblem:
    problem: dict[str, Any]
    # Order id → version when the problem was built (for the stale check on apply).
    order_versions: dict[str, int]


def engineer_key(engineer_id: int) -> str:
    return f"E{engineer_id}"


def engineer_id_of(key: str) -> int:
    return int(key[1:])


# --- building a problem -------------------------------------------------------------------------

def build_problem(session: Session, *, day: date, zone: ZoneInfo, now: datetime, settings: PlanningSettings,
                  order_ids: Collection[int] = (), engineer_ids: Collection[int] = ()) -> BuiltProblem:
    """The problem of one day in `zone`: the engineers on shift (shifts cut by time off,
    a lunch break, starting from a fresh reported position when planning today), the
    orders to plan (new orders whose appointment window opens that day or that have no
    window, and orders assigned for that day but not yet accepted), and the orders
    already accepted or under way, pinned to their engineer while that engineer still
    works that day (otherwise they are left as they are). On-site orders are not
    jobs: their engineer starts the rest of the day from that site.

    `order_ids` / `engineer_ids` narrow the run (an order outside `engineer_ids`'s
    assignments stays untouched)."""
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    day_end = day_start + timedelta(days=1)
    earliest = max(day_start, now) if day_start <= now < day_end else day_start

    engineers = _engineers_on(session, day=day, engineer_ids=engineer_ids)
    in_scope = {engineer.id for engineer in engineers}
    orders = _orders_of(session, day_start=day_start, day_end=day_end, order_ids=order_ids)

    busy_until = {}
    for order in orders:
        if order.status is Status.ON_SITE and order.scheduled_engineer_id in in_scope:
            ends = order.scheduled_end if order.scheduled_end and order.scheduled_end > earliest else earliest
            busy_until[order.scheduled_engineer_id] = (order, ends)

    problem_engineers, working = [], set()
    for engineer in engineers:
        described = describe_engineer_day(engineer, day=day, zone=zone, now=now, settings=settings,
                                          busy=busy_until.get(engineer.id))
        if described is not None:
            problem_engineers.append(described)
            working.add(engineer.id)

    jobs, versions = [], {}
    arrival_deadlines = _arrival_deadlines(session, [order.id for order in orders])
    for order in orders:
        engineer_id = order.scheduled_engineer_id
        if order.status is Status.ON_SITE:
            continue
        # Accepted or under way: stays with its engineer, so it is planned only while
        # that engineer still works today (after the shift it is left as it is).
        if order.status in PINNED and engineer_id not in working:
            continue
        if order.status is Status.ASSIGNED and engineer_id not in in_scope:
            continue
        jobs.append(_job(order, pinned=order.status in PINNED, zone=zone, earliest=earliest,
                         due=arrival_deadlines.get(order.id)))
        versions[str(order.id)] = order.version

    problem = {
        "travel": {"model": "haversine", "speed_kmh": settings.speed_kmh, "road_factor": settings.road_factor},
        "engineers": problem_engineers,
        "jobs": jobs,
    }
    return BuiltProblem(problem=problem, order_versions=versions)


def _engineers_on(session: Session, *, day: date, engineer_ids: Collection[int]) -> list[Engineer]:
    query = (select(Engineer).where(Engineer.is_active.is_(True))
             .options(selectinload(Engineer.skills), selectinload(Engineer.working_hours),
                      selectinload(Engineer.time_off))
             .order_by(Engineer.id))
    if engineer_ids:
        query = query.where(Engineer.id.in_(list(engineer_ids)))
    return [e for e in session.scalars(query) if any(h.weekday == day.weekday() for h in e.working_hours)]


def _orders_of(session: Session, *, day_start: datetime, day_end: datetime,
               order_ids: Collection[int]) -> list[WorkOrder]:
    scheduled_that_day = (WorkOrder.scheduled_start >= day_start) & (WorkOrder.scheduled_start < day_end)
    new_for_that_day = (WorkOrder.status == Status.NEW) & or_(
        WorkOrder.window_start.is_(None),
        (WorkOrder.window_start < day_end) & (WorkOrder.window_end > day_start))
    query = (select(WorkOrder)
             .where(or_(new_for_that_day,
                        WorkOrder.status.in_([*PLANNABLE, *PINNED, Status.ON_SITE]) & scheduled_that_day))
             .options(selectinload(WorkOrder.site), selectinload(WorkOrder.required_skills))
             .order_by(WorkOrder.id))
    if order_ids:
        # Named orders are planned; the day's pinned and on-site work still shapes the routes.
        query = query.where(or_(WorkOrder.id.in_(list(order_ids)),
                                WorkOrder.status.in_([*PINNED, Status.ON_SITE])))
    return list(session.scalars(query))


def _arrival_deadlines(session: Session, order_ids: list[int]) -> dict[int, datetime]:
    """The SLA arrival deadline of each order whose arrival clock is running: the
    solver's soft deadline for the visit's start (a paused clock has none)."""
    if not order_ids:
        return {}
    rows = session.execute(select(SlaClock.work_order_id, SlaClock.deadline).where(
        SlaClock.work_order_id.in_(order_ids), SlaClock.kind == TargetKind.ARRIVAL,
        SlaClock.state == ClockState.RUNNING, SlaClock.deadline.is_not(None)))
    return {order_id: deadline for order_id, deadline in rows}


def _job(order: WorkOrder, *, pinned: bool, zone: ZoneInfo, earliest: datetime,
         due: datetime | None = None) -> dict[str, Any]:
    job: dict[str, Any] = {
        "id": order.number,
        "location": list(lon_lat(order.site.location)),
        "duration_s": order.estimated_duration_min * 60,
        "skills": {row.skill_code: row.level for row in order.required_skills},
        "priority": PRIORITY_NUMBER[order.priority],
        "pinned_to": engineer_key(order.scheduled_engineer_id) if pinned else None,
    }
    if order.window_start is not None:
        start = max(order.window_start, earliest) if order.window_end > earliest else order.window_start
        job["window"] = [_iso(start, zone), _iso(order.window_end, zone)]
    if due is not None:
        job["due"] = _iso(due, zone)
    return job


def describe_engineer_day(engineer: Engineer, *, day: date, zone: ZoneInfo, now: datetime,
                          settings: PlanningSettings,
                          busy: tuple[WorkOrder, datetime] | None = None) -> dict[str, Any] | None:
    """The engineer's day in the solver's format (shift from its working hours, time
    off, a lunch break, where it starts), or None when it does not work that day or
    nothing of the shift is left. `busy`: the on-site order it is finishing, and when."""
    periods = sorted((datetime.combine(day, h.starts, tzinfo=zone), datetime.combine(day, h.ends, tzinfo=zone))
                     for h in engineer.working_hours if h.weekday == day.weekday())
    if not periods:
        return None
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    earliest = max(day_start, now) if day_start <= now < day_start + timedelta(days=1) else day_start
    shift_start, shift_end = max(periods[0][0], earliest), periods[-1][1]
    # Gaps between split shifts and time off inside the day become breaks; time off
    # at either end of the shift shortens it.
    blocked = [(end, start) for (_, end), (start, _) in zip(periods, periods[1:])]
    blocked += [(off.starts_at, off.ends_at) for off in engineer.time_off
                if off.starts_at < shift_end and off.ends_at > shift_start]
    breaks = []
    rests: list[tuple[datetime, datetime]] = []
    for off_start, off_end in _merged(blocked):
        if off_start <= shift_start:
            shift_start = max(shift_start, off_end)
        elif off_end >= shift_end:
            shift_end = min(shift_end, off_start)
        else:
            breaks.append({"window": [_iso(off_start, zone), _iso(off_start, zone)],
                           "duration_s": int((off_end - off_start).total_seconds())})
            rests.append((off_start, off_end))
    start_point = lon_lat(engineer.home_base)
    if busy is not None:
        order, free_at = busy
        start_point = lon_lat(order.site.location)
        shift_start = max(shift_start, free_at)
    elif (engineer.last_position is not None and engineer.last_position_at is not None
          and now - engineer.last_position_at <= settings.position_fresh_for and shift_start <= now + timedelta(hours=1)):
        start_point = lon_lat(engineer.last_position)
    if shift_end <= shift_start:
        return None

    lunch_from = datetime.combine(day, settings.lunch_from, tzinfo=zone)
    lunch_to = datetime.combine(day, settings.lunch_to, tzinfo=zone)
    lunch = timedelta(minutes=settings.lunch_minutes)
    latest_lunch_start = min(lunch_to, shift_end) - lunch
    if (settings.lunch_minutes and shift_start <= lunch_from and latest_lunch_start >= lunch_from
            and _lunch_still_needed(rests, lunch_from, latest_lunch_start, lunch)):
        breaks.append({"window": [_iso(lunch_from, zone), _iso(latest_lunch_start, zone)],
                       "duration_s": settings.lunch_minutes * 60})
    return {
        "id": engineer_key(engineer.id),
        "start": list(start_point),
        "end": list(lon_lat(engineer.home_base)) if settings.return_to_base else None,
        "shift": [_iso(shift_start, zone), _iso(shift_end, zone)],
        "skills": {row.skill_code: row.level for row in engineer.skills},
        "max_jobs": engineer.max_jobs_per_day,
        "breaks": sorted(breaks, key=lambda b: b["window"][0]),
    }


def _merged(periods: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """`periods` in order, those that overlap or touch joined into one: two breaks
    for overlapping time off could never both be taken, and the engineer would be
    off duty all day."""
    joined: list[tuple[datetime, datetime]] = []
    for start, end in sorted(periods):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def _lunch_still_needed(rests: list[tuple[datetime, datetime]], earliest: datetime, latest: datetime,
                        lunch: timedelta) -> bool:
    """Whether a lunch starting between `earliest` and `latest` is still to be taken
    besides the time off inside the shift (`rests`): not when time off already gives
    a lunch's length of rest in those hours, nor when no start clear of the time off
    is left (a lunch that cannot be taken would leave the engineer off duty all day)."""
    if any(min(end, latest + lunch) - max(start, earliest) >= lunch for start, end in rests):
        return False
    starts = [earliest] + [end for _, end in rests if earliest <= end <= latest]
    return any(all(begin + lunch <= start or begin >= end for start, end in rests) for begin in starts)


def _iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


# --- what a plan changes --------------------------------------------------------------------------

def plan_changes(session: Session, plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every order of the plan compared with its current assignment: `assign` (had no
    engineer), `reassign` (another engineer), `reschedule` (same engineer, another
    start), `unchanged`, `unplanned` (assigned now, left out by the plan: applying
    keeps its assignment) or `unassigned` (no engineer, none found), with the
    solver's reason."""
    numbers = [stop["job"] for route in plan["routes"] for stop in route["stops"]]
    numbers += [entry["job"] for entry in plan["unassigned"]]
    orders = {order.number: order for order in session.scalars(
        select(WorkOrder).where(WorkOrder.number.in_(numbers)))}
    changes = []
    for route in plan["routes"]:
        engineer_id = engineer_id_of(route["engineer"])
        for position, stop in enumerate(route["stops"], start=1):
            order = orders[stop["job"]]
            start = datetime.fromisoformat(stop["start"])
            if order.scheduled_engineer_id is None:
                kind = "assign"
            elif order.scheduled_engineer_id != engineer_id:
                kind = "reassign"
            elif order.scheduled_start is None or abs(order.scheduled_start - start) >= timedelta(minutes=1):
                kind = "reschedule"
            else:
                kind = "unchanged"
            changes.append(_change(order, kind, engineer_id=engineer_id, position=position,
                                   arrival=stop["arrival"], start=stop["start"], end=stop["end"]))
    for entry in plan["unassigned"]:
        order = orders[entry["job"]]
        kind = "unplanned" if order.scheduled_engineer_id is not None else "unassigned"
        changes.append(_change(order, kind, reason=entry["reason"], detail=entry["detail"]))
    return changes


def _change(order: WorkOrder, kind: str, **fields: Any) -> dict[str, Any]:
    return {"order_id": order.id, "number": order.number, "kind": kind, "status": order.status.value,
            "priority": order.priority.value, "previous_engineer_id": order.scheduled_engineer_id,
            "previous_start": order.scheduled_start.isoformat() if order.scheduled_start else None,
            "engineer_id": None, "position": None, "arrival": None, "start": None, "end": None,
            "reason": None, "detail": None, **fields}


# --- applying a plan ----------------------------------------------------------------------------

def apply_changes(session: Session, *, changes: Iterable[dict[str, Any]], order_versions: dict[str, int],
                  actor: User, run_id: int) -> dict[str, int]:
    """Make the plan's assignments real, all or nothing (the caller's transaction).

    Every order the problem held is locked and compared with its version at build time:
    any change since (edited, assigned by hand, cancelled…) raises PlanStaleError and
    nothing is written. Then new and assigned orders are assigned through the lifecycle
    (an `assign` event each); accepted and travelling ones keep their status and get the
    new times. Returns counts per kind of change applied."""
    ids = sorted(int(order_id) for order_id in order_versions)
    orders = {order.id: order for order in session.scalars(
        select(WorkOrder).where(WorkOrder.id.in_(ids)).order_by(WorkOrder.id).with_for_update())}
    stale = sorted(order.number for order_id, order in orders.items()
                   if order.version != order_versions[str(order_id)])
    missing = sorted(set(ids) - set(orders))
    if stale or missing:
        raise PlanStaleError("Orders changed since the plan was made: " + ", ".join(stale or map(str, missing)),
                             changed=stale, missing=missing)
    counts: dict[str, int] = {}
    for change in changes:
        if change["engineer_id"] is None:
            continue
        order = orders[change["order_id"]]
        if change["kind"] != "unchanged":
            _move(session, order, change, actor=actor, run_id=run_id)
        order.planned_arrival = datetime.fromisoformat(change["arrival"])
        counts[change["kind"]] = counts.get(change["kind"], 0) + 1
    session.flush()
    return counts


def _move(session: Session, order: WorkOrder, change: dict[str, Any], *, actor: User, run_id: int) -> None:
    start, end = datetime.fromisoformat(change["start"]), datetime.fromisoformat(change["end"])
    if order.status in PLANNABLE:
        # The plan was checked as a whole (shifts, overlaps, job counts); checking each
        # assignment alone would trip over orders that this same plan moves away.
        lifecycle.transition(session, order=order, action=lifecycle.Action.ASSIGN, actor=actor,
                             engineer_id=change["engineer_id"], scheduled_start=start, scheduled_end=end,
                             check_availability=False, dispatch_run_id=run_id)
        return
    old_start = order.scheduled_start.isoformat() if order.scheduled_start else None
    order.scheduled_start, order.scheduled_end = start, end
    session.flush()
    record_event(session, order=order, kind=EventKind.UPDATED, actor=actor,
                 payload={"changes": {"scheduled_start": {"old": old_start, "new": change["start"]}},
                          "dispatch_run_id": run_id})
