"""Travel for a job: how far the engineer went between setting off and checking in,
measured along their GPS pings, and what that distance is reimbursed at."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.engineers.models import Engineer
from app.errors import ValidationFailedError
from app.workorders.lifecycle import Action
from app.workorders.models import EventKind, WorkOrder, WorkOrderEvent
from tracking.tracks import track_length


class NoGpsTrackError(ValidationFailedError):
    """The distance cannot be measured: the phone should ask the engineer to enter it."""
    code = "no_gps_track"


@dataclass(frozen=True)
class TravelLeg:
    """From the job's start of travel to its check-in, in the phone's times when known."""
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class MeasuredTravel:
    leg: TravelLeg
    ping_count: int
    distance_m: int


def mileage_amount_cents(distance_m: int, rate_cents_per_km: int) -> int:
    """distance × rate in whole cents, half a cent rounded up. Integer arithmetic only:
    money never passes through a float. Pure."""
    return (distance_m * rate_cents_per_km + 500) // 1000


def travel_leg(session: Session, *, order: WorkOrder) -> TravelLeg | None:
    """The job's last start of travel and the first check-in after it, from the order's
    event log (device time, else server time); None when either is missing."""
    events = session.execute(
        select(WorkOrderEvent.action, func.coalesce(WorkOrderEvent.device_time, WorkOrderEvent.server_time))
        .where(WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == EventKind.STATUS_CHANGED,
               WorkOrderEvent.action.in_([Action.START_TRAVEL.value, Action.CHECK_IN.value]))
        .order_by(WorkOrderEvent.server_time, WorkOrderEvent.id)).all()
    starts = [i for i, (action, _) in enumerate(events) if action == Action.START_TRAVEL.value]
    if not starts:
        return None
    arrivals = [at for action, at in events[starts[-1] + 1:] if action == Action.CHECK_IN.value]
    if not arrivals:
        return None
    return TravelLeg(starts_at=events[starts[-1]][1], ends_at=arrivals[0])


def measure_travel(session: Session, *, order: WorkOrder, engineer: Engineer) -> MeasuredTravel:
    """The engineer's distance for the job, along their pings from start of travel to
    check-in, measured by PostGIS on the spheroid and rounded to the metre.

    Raises NoGpsTrackError (422) when the job has no start of travel followed by a
    check-in, or the engineer sent fewer than two pings in between."""
    leg = travel_leg(session, order=order)
    if leg is None:
        raise NoGpsTrackError("The job has no start of travel followed by a check-in to measure; "
                              "enter the distance", errors={"distance_m": ["enter the distance travelled"]})
    track = track_length(session, engineer_id=engineer.id, start=leg.starts_at, end=leg.ends_at)
    if track.ping_count < 2:
        raise NoGpsTrackError(f"Only {track.ping_count} GPS ping(s) between start of travel and check-in; "
                              "enter the distance", errors={"distance_m": ["enter the distance travelled"]},
                              ping_count=track.ping_count)
    return MeasuredTravel(leg=leg, ping_count=track.ping_count, distance_m=round(track.distance_m))
