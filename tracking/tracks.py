"""Reading pings back: an engineer's track over a period, its length measured by
PostGIS on the spheroid, and the track of one day in the organisation's time zone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2 import Geography
from sqlalchemy import cast, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from app.geo import lon_lat
from tracking.models import LocationPing


@dataclass(frozen=True)
class TrackLength:
    ping_count: int
    distance_m: float


@dataclass(frozen=True)
class DayTrack:
    """The pings of one engineer's day, oldest first, and the length of the line
    through them."""
    engineer_id: int
    day: date
    starts_at: datetime
    ends_at: datetime
    pings: list[LocationPing]
    distance_m: float


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day as [local midnight, next local midnight) in `zone`. Pure."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def _between(engineer_id: int, start: datetime, end: datetime, *, include_end: bool):
    return (LocationPing.engineer_id == engineer_id, LocationPing.recorded_at >= start,
            LocationPing.recorded_at <= end if include_end else LocationPing.recorded_at < end)


def track_length(session: Session, *, engineer_id: int, start: datetime, end: datetime,
                 include_end: bool = True) -> TrackLength:
    """How many pings the engineer recorded from `start` to `end` (device times), and
    the length in metres of the line through them in time order, measured on the
    WGS84 spheroid (0 with fewer than two pings)."""
    line = func.ST_MakeLine(aggregate_order_by(LocationPing.position, LocationPing.recorded_at))
    count, metres = session.execute(
        select(func.count(), func.ST_Length(cast(line, Geography)))
        .where(*_between(engineer_id, start, end, include_end=include_end))).one()
    return TrackLength(ping_count=count, distance_m=float(metres) if count >= 2 and metres is not None else 0.0)


def day_track(session: Session, *, engineer_id: int, day: date, zone: ZoneInfo) -> DayTrack:
    """The engineer's pings recorded on `day` (midnight to midnight in `zone`)."""
    start, end = day_bounds(day, zone)
    pings = list(session.scalars(select(LocationPing).where(*_between(engineer_id, start, end, include_end=False))
                                 .order_by(LocationPing.recorded_at)))
    length = track_length(session, engineer_id=engineer_id, start=start, end=end, include_end=False)
    return DayTrack(engineer_id=engineer_id, day=day, starts_at=start, ends_at=end, pings=pings,
                    distance_m=length.distance_m)


def as_feature_collection(track: DayTrack) -> dict[str, Any]:
    """The track as GeoJSON for a map: a LineString feature through the pings (when
    there are two or more) followed by a Point feature per ping with its details; the
    collection carries the engineer, the day, the ping count and the distance. Pure."""
    points = [lon_lat(ping.position) for ping in track.pings]
    features: list[dict[str, Any]] = []
    if len(points) >= 2:
        features.append({"type": "Feature",
                         "geometry": {"type": "LineString", "coordinates": [list(p) for p in points]},
                         "properties": {"kind": "track", "starts_at": track.pings[0].recorded_at.isoformat(),
                                        "ends_at": track.pings[-1].recorded_at.isoformat()}})
    for ping, (lon, lat) in zip(track.pings, points):
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"kind": "ping", "recorded_at": ping.recorded_at.isoformat(),
                                        "accuracy_m": ping.accuracy_m, "speed_mps": ping.speed_mps,
                                        "heading_deg": ping.heading_deg}})
    return {"type": "FeatureCollection", "engineer_id": track.engineer_id, "date": track.day,
            "ping_count": len(track.pings), "distance_m": round(track.distance_m, 1), "features": features}
