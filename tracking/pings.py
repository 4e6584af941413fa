"""Recording the GPS pings a phone uploads in batches.

A batch is written with one INSERT … ON CONFLICT DO NOTHING: a phone that resends a
batch it got no answer for (or a replay of its offline queue) stores nothing twice,
and a batch of 500 pings costs one round trip, not 500. The newest ping then moves
the engineer's last known position, unless a later one is already stored."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from geoalchemy2 import WKBElement
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.db import utcnow
from app.engineers.models import Engineer
from app.engineers.positions import update_last_position
from app.errors import ValidationFailedError
from app.geo import make_point
from app.workorders.events import MAX_DEVICE_CLOCK_SKEW
from tracking.models import LocationPing

MAX_PINGS_PER_BATCH = 500
# A phone keeps its queue for days when offline; older positions are no use to anyone.
MAX_PING_AGE = timedelta(days=7)


@dataclass(frozen=True)
class Ping:
    """One fix as the phone reported it; `recorded_at` is the phone's clock, with offset."""
    recorded_at: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None


@dataclass(frozen=True)
class PingResult:
    """What a batch did: pings stored, pings already there (a resend), and the engineer's
    last known position after it (which an older batch leaves where it was)."""
    accepted: int
    duplicates: int
    last_position: WKBElement | None
    last_position_at: datetime | None


def ping_time_errors(pings: Sequence[Ping], now: datetime) -> dict[str, dict[str, list[str]]]:
    """Pings whose device time is unusable, by their index in the batch (as a string,
    as JSON keys are): no offset, ahead of the server by more than the allowed clock
    skew, or older than MAX_PING_AGE. Pure."""
    errors: dict[str, dict[str, list[str]]] = {}
    for index, ping in enumerate(pings):
        if ping.recorded_at.tzinfo is None:
            problem = "needs a UTC offset"
        elif ping.recorded_at > now + MAX_DEVICE_CLOCK_SKEW:
            problem = f"is more than {int(MAX_DEVICE_CLOCK_SKEW.total_seconds() // 60)} minutes in the future"
        elif ping.recorded_at < now - MAX_PING_AGE:
            problem = f"is older than {MAX_PING_AGE.days} days"
        else:
            continue
        errors[str(index)] = {"recorded_at": [problem]}
    return errors


def record_pings(session: Session, *, engineer: Engineer, pings: Sequence[Ping]) -> PingResult:
    """Store a batch of pings of `engineer` and move their last known position to the
    newest one if it is newer than what is stored.

    The whole batch is refused (ValidationFailedError, errors keyed by the pings'
    indexes) when it is empty, too long, or a ping's device time is unusable: nothing
    of it is written, so the phone can fix its queue and resend it whole."""
    if not 1 <= len(pings) <= MAX_PINGS_PER_BATCH:
        raise ValidationFailedError(f"Send 1 to {MAX_PINGS_PER_BATCH} pings at a time",
                                    errors={"pings": [f"length must be 1 to {MAX_PINGS_PER_BATCH}"]})
    now = utcnow()
    if errors := ping_time_errors(pings, now):
        raise ValidationFailedError(f"{len(errors)} ping(s) have an unusable recorded_at",
                                    errors={"pings": errors})
    rows = [{"engineer_id": engineer.id, "recorded_at": p.recorded_at, "received_at": now,
             "position": make_point(p.lon, p.lat), "accuracy_m": p.accuracy_m, "speed_mps": p.speed_mps,
             "heading_deg": p.heading_deg} for p in pings]
    inserted = session.execute(
        insert(LocationPing).values(rows)
        .on_conflict_do_nothing(constraint="uq_location_pings_engineer_recorded_at")
        .returning(LocationPing.id)).all()
    accepted = len(inserted)
    newest = max(pings, key=lambda p: p.recorded_at)
    update_last_position(session, engineer=engineer, point=make_point(newest.lon, newest.lat),
                         at=newest.recorded_at)
    return PingResult(accepted=accepted, duplicates=len(pings) - accepted,
                      last_position=engineer.last_position, last_position_at=engineer.last_position_at)
