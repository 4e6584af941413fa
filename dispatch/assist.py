"""Help for a dispatcher deciding by hand: ranked candidates for one order, the check
behind a manual assignment, an urgent order fitted into the live day, and the day's
routes as they stand.

No Flask here; routes own the transactions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2 import Geography
from sqlalchemy import case, cast, func, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import Role, User
from app.customers.models import Site
from app.engineers.models import Engineer
from app.errors import ConflictError, NotFoundError
from app.geo import lon_lat
from app.workorders.assignment import AssignmentWarning, assignment_warnings, missing_skills
from app.workorders.models import OPEN_STATUSES, Status, WorkOrder
from dispatch.candidates import (Booking, EngineerDay, OrderToPlace, Placement, Travel, best_placement,
                                 ranking_key)
from dispatch.models import DispatchRun, RunKind, RunStatus
from dispatch.planning import PlanningSettings, describe_engineer_day, engineer_key
from dispatch.route_times import LunchRule, Visit, day_breaks, travel_legs
from dispatch.solver.travel import HaversineTravel


class NoRoomError(ConflictError):
    code = "no_room"


@dataclass
class Candidate:
    engineer: Engineer
    placement: Placement
    distance_m: int
    position_source: str          # "last_position" or "home_base"
    jobs_that_day: int
    booked_minutes: int


def travel_for(settings: PlanningSettings) -> Travel:
    """The travel model the solver uses, as a (from, to) -> (metres, seconds) function."""
    model = HaversineTravel(speed_kmh=settings.speed_kmh, road_factor=settings.road_factor)
    return lambda a, b: model.between(a, b)


def order_day(order: WorkOrder, *, zone: ZoneInfo, now: datetime) -> date:
    """The day an order is to be done: its schedule, else its appointment window while
    that is still open, else today."""
    if order.scheduled_start is not None:
        moment = order.scheduled_start
    elif order.window_start is not None and order.window_end > now:
        moment = max(order.window_start, now)
    else:
        moment = now
    return moment.astimezone(zone).date()


def candidates_for(session: Session, *, order: WorkOrder, day: date, zone: ZoneInfo, now: datetime,
                   settings: PlanningSettings, limit: int = 20) -> list[Candidate]:
    """Active engineers ranked for `order` on `day`: feasible first (right skills, on
    shift, a gap in their day that keeps every booking where it is), then by the
    travel the order would add, then the earliest start. Each carries its ETA, the
    straight-line distance from where it is now (PostGIS; the last reported position
    when fresh, the home base otherwise), its load that day and its warnings."""
    travel = travel_for(settings)
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    engineers = list(session.scalars(
        select(Engineer).where(Engineer.is_active.is_(True))
        .options(selectinload(Engineer.skills), selectinload(Engineer.working_hours),
                 selectinload(Engineer.time_off), selectinload(Engineer.user))
        .order_by(Engineer.id)))
    bookings = _bookings(session, engineer_ids=[e.id for e in engineers], day_start=day_start, exclude=order.id)
    distances = _distances(session, engineers=engineers, site_id=order.site_id, now=now, settings=settings)
    target = OrderToPlace(location=lon_lat(order.site.location),
                          duration=timedelta(minutes=order.estimated_duration_min),
                          window_start=order.window_start, window_end=order.window_end,
                          not_before=max(now, day_start))
    candidates = []
    for engineer in engineers:
        warnings = ["skill_mismatch"] if missing_skills(order, engineer) else []
        described = describe_engineer_day(engineer, day=day, zone=zone, now=now, settings=settings)
        booked = bookings.get(engineer.id, [])
        if described is None:
            placement = Placement(engineer.id, feasible=False, warnings=[*warnings, "no_shift"])
        else:
            end = described["end"]
            placement = best_placement(EngineerDay(
                engineer_id=engineer.id, start_point=tuple(described["start"]),
                end_point=tuple(end) if end else None,
                shift_start=datetime.fromisoformat(described["shift"][0]),
                shift_end=datetime.fromisoformat(described["shift"][1]),
                bookings=[Booking(o.id, lon_lat(o.site.location), o.scheduled_start, o.scheduled_end) for o in booked],
                max_jobs=engineer.max_jobs_per_day, warnings=warnings), target, travel)
        distance_m, source = distances[engineer.id]
        candidates.append(Candidate(engineer=engineer, placement=placement, distance_m=distance_m,
                                    position_source=source, jobs_that_day=len(booked),
                                    booked_minutes=sum(o.estimated_duration_min for o in booked)))
    return sorted(candidates, key=lambda c: ranking_key(c.placement))[:limit]


def _bookings(session: Session, *, engineer_ids: list[int], day_start: datetime,
              exclude: int) -> dict[int, list[WorkOrder]]:
    rows = session.scalars(
        select(WorkOrder).where(WorkOrder.scheduled_engineer_id.in_(engineer_ids), WorkOrder.id != exclude,
                                WorkOrder.status.in_(list(OPEN_STATUSES)),
                                WorkOrder.scheduled_start >= day_start,
                                WorkOrder.scheduled_start < day_start + timedelta(days=1))
        .options(selectinload(WorkOrder.site)).order_by(WorkOrder.scheduled_start))
    by_engineer: dict[int, list[WorkOrder]] = {}
    for order in rows:
        by_engineer.setdefault(order.scheduled_engineer_id, []).append(order)
    return by_engineer


def _distances(session: Session, *, engineers: list[Engineer], site_id: int, now: datetime,
               settings: PlanningSettings) -> dict[int, tuple[int, str]]:
    """Metres from each engineer's current position (or home base) to the site, in one query."""
    fresh = (Engineer.last_position.is_not(None)
             & (Engineer.last_position_at >= now - settings.position_fresh_for))
    origin = case((fresh, Engineer.last_position), else_=Engineer.home_base)
    site = select(Site.location).where(Site.id == site_id).scalar_subquery()
    rows = session.execute(
        select(Engineer.id, func.ST_Distance(cast(origin, Geography), cast(site, Geography)),
               case((fresh, "last_position"), else_="home_base"))
        .where(Engineer.id.in_([e.id for e in engineers])))
    return {engineer_id: (int(round(metres)), source) for engineer_id, metres, source in rows}


def check_assignment(session: Session, *, order: WorkOrder, engineer_id: int, start: datetime,
                     end: datetime | None, zone: ZoneInfo) -> list[AssignmentWarning]:
    """What a manual assignment or reschedule would run into (nothing is changed)."""
    engineer = session.get(Engineer, engineer_id)
    if engineer is None or not engineer.is_active:
        raise NotFoundError("Engineer not found or inactive", engineer_id=engineer_id)
    end = end or start + timedelta(minutes=order.estimated_duration_min)
    return assignment_warnings(session, order=order, engineer=engineer, start=start, end=end, zone=zone)


def propose_insertion(session: Session, *, order: WorkOrder, actor: User, zone: ZoneInfo, now: datetime,
                      settings: PlanningSettings) -> DispatchRun:
    """Fit an urgent order into today's live plan without moving anyone's booked work:
    the best feasible candidate becomes a one-change run, applied like any other run.
    Raises NoRoomError (with the ranked candidates) when nobody has a gap."""
    if order.status is not Status.NEW:
        raise ConflictError(f"Only a new order can be inserted; {order.number} is {order.status.value}",
                            current_status=order.status.value)
    day = order_day(order, zone=zone, now=now)
    ranked = candidates_for(session, order=order, day=day, zone=zone, now=now, settings=settings, limit=5)
    best = ranked[0] if ranked and ranked[0].placement.feasible else None
    if best is None:
        raise NoRoomError(f"No engineer has room for {order.number} on {day.isoformat()} without moving other work",
                          candidates=[candidate_as_dict(c) for c in ranked])
    placement = best.placement
    change = {"order_id": order.id, "number": order.number, "kind": "assign", "status": order.status.value,
              "priority": order.priority.value, "previous_engineer_id": None, "previous_start": None,
              "engineer_id": best.engineer.id, "position": placement.position + 1,
              "arrival": placement.arrival.astimezone(zone).isoformat(),
              "start": placement.start.astimezone(zone).isoformat(),
              "end": placement.end.astimezone(zone).isoformat(), "reason": None, "detail": None}
    run = DispatchRun(kind=RunKind.INSERTION, status=RunStatus.SUCCEEDED, plan_date=day, time_limit_s=1,
                      requested_by_id=actor.id, scope={"order_ids": [order.id], "engineer_ids": []},
                      order_versions={str(order.id): order.version}, changes=[change], progress_pct=100,
                      best_objective={"added_travel_s": placement.added_travel_s}, started_at=now, finished_at=now)
    session.add(run)
    session.flush()
    return run


def candidate_as_dict(candidate: Candidate) -> dict[str, Any]:
    placement = candidate.placement
    return {
        "engineer_id": candidate.engineer.id, "name": candidate.engineer.user.name,
        "feasible": placement.feasible, "eta": placement.arrival, "start": placement.start, "end": placement.end,
        "added_travel_s": placement.added_travel_s, "distance_m": candidate.distance_m,
        "position_source": candidate.position_source, "jobs_that_day": candidate.jobs_that_day,
        "booked_minutes": candidate.booked_minutes, "warnings": placement.warnings,
    }


def day_routes(session: Session, *, viewer: User, day: date, zone: ZoneInfo, settings: PlanningSettings,
               engineer_id: int | None = None) -> list[dict[str, Any]]:
    """The day's routes as booked: each engineer's open orders in order of start, with
    its shift, the travel legs between them (the dispatch travel model, from and back
    to the home base) and its breaks, for the dispatcher's timeline. Engineers and
    partner engineers only ever get their own."""
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    query = (select(WorkOrder)
             .join(Engineer, Engineer.id == WorkOrder.scheduled_engineer_id)
             .where(WorkOrder.status.in_(list(OPEN_STATUSES)), WorkOrder.scheduled_start >= day_start,
                    WorkOrder.scheduled_start < day_start + timedelta(days=1))
             .options(selectinload(WorkOrder.site),
                      selectinload(WorkOrder.scheduled_engineer).options(
                          selectinload(Engineer.user), selectinload(Engineer.working_hours),
                          selectinload(Engineer.time_off)))
             .order_by(WorkOrder.scheduled_engineer_id, WorkOrder.scheduled_start))
    if viewer.role in (Role.ENGINEER, Role.PARTNER_ENGINEER):
        query = query.where(Engineer.user_id == viewer.id)
    if engineer_id is not None:
        query = query.where(WorkOrder.scheduled_engineer_id == engineer_id)
    routes: dict[int, dict[str, Any]] = {}
    booked: dict[int, tuple[Engineer, list[WorkOrder]]] = {}
    for order in session.scalars(query):
        engineer = order.scheduled_engineer
        booked.setdefault(engineer.id, (engineer, []))[1].append(order)
        route = routes.setdefault(engineer.id, {"engineer_id": engineer.id, "engineer_key": engineer_key(engineer.id),
                                                "name": engineer.user.name, "stops": []})
        route["stops"].append({"order_id": order.id, "number": order.number, "status": order.status.value,
                               "priority": order.priority.value, "location": order.site.location,
                               "planned_arrival": order.planned_arrival, "scheduled_start": order.scheduled_start,
                               "scheduled_end": order.scheduled_end})
    travel = travel_for(settings)
    for engineer_id_, (engineer, orders) in booked.items():
        routes[engineer_id_].update(_route_timeline(engineer, orders, day=day, zone=zone, settings=settings,
                                                    travel=travel))
    return list(routes.values())


def _route_timeline(engineer: Engineer, orders: list[WorkOrder], *, day: date, zone: ZoneInfo,
                    settings: PlanningSettings, travel: Travel) -> dict[str, Any]:
    """Shift, home base, travel legs and breaks of one engineer's booked day."""
    periods = sorted((datetime.combine(day, h.starts, tzinfo=zone), datetime.combine(day, h.ends, tzinfo=zone))
                     for h in engineer.working_hours if h.weekday == day.weekday())
    home = lon_lat(engineer.home_base)
    visits = [Visit(o.id, lon_lat(o.site.location), o.planned_arrival, o.scheduled_start, o.scheduled_end)
              for o in orders]
    legs = travel_legs(start_point=home, end_point=home if settings.return_to_base else None,
                       shift_start=periods[0][0] if periods else None, visits=visits, travel=travel)
    lunch = None
    if periods and settings.lunch_minutes:
        lunch = LunchRule(earliest=datetime.combine(day, settings.lunch_from, tzinfo=zone),
                          latest_end=min(datetime.combine(day, settings.lunch_to, tzinfo=zone), periods[-1][1]),
                          duration=timedelta(minutes=settings.lunch_minutes))
    busy = [(v.start, v.end) for v in visits] + [(leg.depart, leg.arrive) for leg in legs]
    breaks = day_breaks(periods=periods, time_off=[(off.starts_at, off.ends_at) for off in engineer.time_off],
                        lunch=lunch, busy=busy)
    return {
        "home_base": engineer.home_base,
        "shift": {"start": periods[0][0], "end": periods[-1][1]} if periods else None,
        "legs": [{"from_order_id": leg.from_order_id, "to_order_id": leg.to_order_id, "depart": leg.depart,
                  "arrive": leg.arrive, "distance_m": leg.distance_m, "travel_s": leg.travel_s, "tight": leg.tight}
                 for leg in legs],
        "breaks": [{"kind": b.kind, "start": b.start, "end": b.end, "fits": b.fits} for b in breaks],
    }
