"""The timeline of an engineer's booked day: the travel legs between its visits, its
breaks (time off and split-shift gaps inside the shift, lunch in the first free gap
of its window) and its shift. Pure: the caller supplies the visits, the shift and the
travel model; what the dispatcher's Gantt chart draws.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.candidates import Point, Travel


@dataclass(frozen=True)
class Visit:
    """A booked visit, in route order."""
    order_id: int
    location: Point
    planned_arrival: datetime | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Leg:
    """Driving from one place to the next; `None` ids are the start and end of the day."""
    from_order_id: int | None
    to_order_id: int | None
    depart: datetime
    arrive: datetime
    distance_m: int
    travel_s: int
    # The drive does not fit between the previous visit (or the shift start) and this one.
    tight: bool


@dataclass(frozen=True)
class Break:
    kind: str                  # "lunch", "time_off" or "off_shift" (between two working periods)
    start: datetime
    end: datetime
    # False when no gap of the lunch window is long enough: the lunch is drawn at the
    # window's start, over booked work.
    fits: bool = True


@dataclass(frozen=True)
class LunchRule:
    earliest: datetime
    latest_end: datetime
    duration: timedelta


def travel_legs(*, start_point: Point, end_point: Point | None, shift_start: datetime | None,
                visits: Sequence[Visit], travel: Travel) -> list[Leg]:
    """One leg into each visit and, with an end point, one home after the last.

    A leg arrives at the visit's planned arrival when that is consistent with the
    previous visit's end (the plan's arrival, waiting for the window after it), else
    just in time for the visit's start; it departs its travel time earlier."""
    legs: list[Leg] = []
    previous_point, previous_id, free_from = start_point, None, shift_start
    for visit in visits:
        distance_m, travel_s = travel(previous_point, visit.location)
        drive = timedelta(seconds=travel_s)
        arrive = visit.start
        if (visit.planned_arrival is not None and visit.planned_arrival <= visit.start
                and (free_from is None or visit.planned_arrival - drive >= free_from)):
            arrive = visit.planned_arrival
        depart = arrive - drive
        legs.append(Leg(previous_id, visit.order_id, depart, arrive, distance_m, travel_s,
                        tight=free_from is not None and depart < free_from))
        previous_point, previous_id, free_from = visit.location, visit.order_id, visit.end
    if end_point is not None and visits:
        distance_m, travel_s = travel(previous_point, end_point)
        depart = visits[-1].end
        legs.append(Leg(previous_id, None, depart, depart + timedelta(seconds=travel_s), distance_m, travel_s,
                        tight=False))
    return legs


def day_breaks(*, periods: Sequence[tuple[datetime, datetime]], time_off: Sequence[tuple[datetime, datetime]],
               lunch: LunchRule | None, busy: Sequence[tuple[datetime, datetime]]) -> list[Break]:
    """The breaks of a working day, in time order.

    `periods` are the day's working periods (sorted); the gaps between them are
    `off_shift`, time off inside the shift is `time_off` (clipped to the shift), and
    lunch (when the shift spans the start of its window) takes the first moment of
    its window where it overlaps no visit, leg or other break."""
    if not periods:
        return []
    shift_start, shift_end = periods[0][0], periods[-1][1]
    breaks = [Break("off_shift", end, start) for (_, end), (start, _) in zip(periods, periods[1:])]
    breaks += [Break("time_off", max(start, shift_start), min(end, shift_end))
               for start, end in time_off if start < shift_end and end > shift_start]
    if lunch is not None and shift_start <= lunch.earliest and lunch.earliest + lunch.duration <= shift_end:
        taken = sorted([*busy, *((b.start, b.end) for b in breaks)])
        breaks.append(_place_lunch(lunch, taken))
    return sorted(breaks, key=lambda b: b.start)


def _place_lunch(lunch: LunchRule, taken: Sequence[tuple[datetime, datetime]]) -> Break:
    candidates = [lunch.earliest, *(end for _, end in taken if lunch.earliest < end)]
    for start in sorted(candidates):
        end = start + lunch.duration
        if end > lunch.latest_end:
            break
        if not any(start < other_end and other_start < end for other_start, other_end in taken):
            return Break("lunch", start, end)
    return Break("lunch", lunch.earliest, lunch.earliest + lunch.duration, fits=False)
