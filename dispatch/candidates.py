"""Who could take one more order today: the cheapest place in each engineer's existing
day where it fits without moving anything already booked. Pure: the caller supplies
the days, the order and the travel model.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

Point = tuple[float, float]
# (from, to) -> (distance_m, travel_s)
Travel = Callable[[Point, Point], tuple[int, int]]


@dataclass(frozen=True)
class Booking:
    """A job already in the engineer's day."""
    order_id: int
    location: Point
    start: datetime
    end: datetime


@dataclass(frozen=True)
class EngineerDay:
    engineer_id: int
    start_point: Point
    end_point: Point | None
    shift_start: datetime
    shift_end: datetime
    bookings: Sequence[Booking]   # sorted by start
    max_jobs: int
    warnings: Sequence[str] = ()  # already known: skills, time off…


@dataclass(frozen=True)
class OrderToPlace:
    location: Point
    duration: timedelta
    window_start: datetime | None
    window_end: datetime | None
    not_before: datetime          # now, when placing for today


@dataclass
class Placement:
    engineer_id: int
    feasible: bool
    position: int | None = None           # index in the day's bookings it goes before
    arrival: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    added_travel_s: int | None = None     # insertion cost
    warnings: list[str] = field(default_factory=list)


def best_placement(day: EngineerDay, order: OrderToPlace, travel: Travel) -> Placement:
    """The feasible insertion with the least added travel, keeping every booking where
    it is; infeasible (with why) when there is none."""
    warnings = list(day.warnings)
    if len(day.bookings) >= day.max_jobs:
        warnings.append("max_jobs")
    stops: list[tuple[Point, datetime, datetime]] = [(b.location, b.start, b.end) for b in day.bookings]
    best: Placement | None = None
    saw_gap_too_small = False
    for position in range(len(stops) + 1):
        previous_point, free_from = ((day.start_point, day.shift_start) if position == 0
                                     else (stops[position - 1][0], stops[position - 1][2]))
        if position < len(stops):
            next_point, must_leave_by = stops[position][0], stops[position][1]
        else:
            next_point, must_leave_by = day.end_point, day.shift_end
        _, travel_in = travel(previous_point, order.location)
        arrival = max(free_from, order.not_before) + timedelta(seconds=travel_in)
        start = max(arrival, order.window_start or arrival)
        if order.window_end is not None and start > order.window_end:
            continue
        end = start + order.duration
        travel_out = travel(order.location, next_point)[1] if next_point is not None else 0
        if end + timedelta(seconds=travel_out) > must_leave_by:
            saw_gap_too_small = True
            continue
        direct = travel(previous_point, next_point)[1] if next_point is not None else 0
        added = travel_in + travel_out - direct
        if best is None or added < best.added_travel_s:
            best = Placement(day.engineer_id, feasible=True, position=position, arrival=arrival, start=start,
                             end=end, added_travel_s=added)
    if best is None:
        warnings.append("no_room" if saw_gap_too_small or day.bookings else "window_unreachable")
        return Placement(day.engineer_id, feasible=False, warnings=warnings)
    best.warnings = warnings
    best.feasible = not any(w in BLOCKING_WARNINGS for w in warnings)
    return best


BLOCKING_WARNINGS = frozenset({"skill_mismatch", "time_off", "max_jobs", "no_shift"})


def ranking_key(placement: Placement) -> tuple:
    """Feasible first, then fewest warnings, least added travel, earliest start."""
    return (not placement.feasible, len(placement.warnings),
            placement.added_travel_s if placement.added_travel_s is not None else float("inf"),
            placement.start.timestamp() if placement.start else float("inf"))
