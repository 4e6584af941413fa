"""What the "where is my technician" page shows: the visit's state, the expected arrival,
and while the engineer is on the way their last position — coarsened to the centre of a
grid cell (about 500 m), and only when it is fresh. Never the exact point, and nothing
once they have arrived or the visit is over.

The pure parts (`coarsen`, `estimate_arrival`) sit beside `tracking_view`, which reads
the database."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from geoalchemy2 import Geography
from sqlalchemy import cast, func, select
from sqlalchemy.orm import Session

from app.customers.models import Site
from app.db import utcnow
from app.geo import lon_lat, make_point
from app.workorders.models import Status, WorkOrder
from customer_links.models import CustomerLink
from customer_links.service import LinkSettings, settings

METRES_PER_DEGREE_LAT = 111_320.0
# The page asks again this often (seconds).
REFRESH_S = 15
# Arrival times are rounded up to this, so they do not give away the exact distance.
ETA_STEP = timedelta(minutes=5)


def coarsen(lon: float, lat: float, cell_m: float) -> tuple[float, float]:
    """The centre of the grid cell, `cell_m` metres a side, that holds (lon, lat): every
    point in a cell gives the same answer, so the exact position cannot be recovered."""
    lat_step = cell_m / METRES_PER_DEGREE_LAT
    lat_centre = (math.floor(lat / lat_step) + 0.5) * lat_step
    # Columns are as wide in metres as rows are high, measured at the row's centre.
    lon_step = cell_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat_centre)), 0.01))
    lon_centre = (math.floor(lon / lon_step) + 0.5) * lon_step
    return round(lon_centre, 5), round(lat_centre, 5)


def _round_up(moment: datetime, step: timedelta) -> datetime:
    seconds = step.total_seconds()
    epoch = moment.timestamp()
    return datetime.fromtimestamp(math.ceil(epoch / seconds) * seconds, tz=moment.tzinfo)


def estimate_arrival(*, now: datetime, status: Status, distance_m: float | None, planned_arrival: datetime | None,
                     scheduled_start: datetime | None, speed_kmh: float, road_factor: float) -> datetime | None:
    """When the engineer should arrive: on the way with a fresh position, now plus the
    travel time from there (rounded up to 5 minutes); otherwise the planned arrival or the
    scheduled start while they lie ahead. None when there is no good guess."""
    if status is Status.EN_ROUTE and distance_m is not None:
        travel = timedelta(hours=distance_m * road_factor / 1000.0 / speed_kmh)
        return _round_up(now + travel, ETA_STEP)
    for guess in (planned_arrival, scheduled_start):
        if guess is not None and guess > now:
            return guess
    return None


@dataclass(frozen=True)
class TrackingView:
    """The tracking page's content (also its JSON, polled every `refresh_s` seconds).

    `state`: on_the_way, arrived, scheduled (assigned or accepted, or on hold), ended
    (resolved, closed, cancelled, or the link expired)."""
    state: str
    number: str
    title: str
    engineer_name: str | None
    eta: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    site_position: tuple[float, float] | None
    engineer_position: tuple[float, float] | None
    position_at: datetime | None
    position_cell_m: int
    expires_at: datetime
    refresh_s: int = REFRESH_S


def _state(order: WorkOrder, link: CustomerLink, now: datetime) -> str:
    if link.revoked_at is not None or link.expires_at <= now:
        return "ended"
    if order.status is Status.EN_ROUTE:
        return "on_the_way"
    if order.status is Status.ON_SITE:
        return "arrived"
    if order.status in (Status.ASSIGNED, Status.ACCEPTED, Status.ON_HOLD):
        return "scheduled"
    return "ended"


def tracking_view(session: Session, *, link: CustomerLink, now: datetime | None = None,
                  config: LinkSettings | None = None) -> TrackingView:
    """The tracking page of `link` now."""
    now = now or utcnow()
    config = config or settings()
    order = link.work_order
    state = _state(order, link, now)
    engineer = order.scheduled_engineer
    position = position_at = distance_m = None
    if state == "on_the_way" and engineer is not None and engineer.last_position_at is not None \
            and now - engineer.last_position_at <= timedelta(minutes=config.position_fresh_minutes):
        exact = lon_lat(engineer.last_position)
        if exact is not None:
            position = coarsen(*exact, config.position_cell_m)
            position_at = engineer.last_position_at
            # Measured from the exact position (the ETA, rounded, does not give it away).
            distance_m = session.scalar(
                select(func.ST_Distance(cast(Site.location, Geography), cast(make_point(*exact), Geography)))
                .where(Site.id == order.site_id))
    eta = None
    if state in ("on_the_way", "scheduled"):
        eta = estimate_arrival(now=now, status=order.status, distance_m=distance_m,
                               planned_arrival=order.planned_arrival, scheduled_start=order.scheduled_start,
                               speed_kmh=config.speed_kmh, road_factor=config.road_factor)
    return TrackingView(
        state=state, number=order.number, title=order.title,
        engineer_name=engineer.user.name if engineer is not None else None, eta=eta,
        window_start=order.window_start, window_end=order.window_end,
        site_position=lon_lat(order.site.location) if state != "ended" else None,
        engineer_position=position, position_at=position_at, position_cell_m=config.position_cell_m,
        expires_at=link.expires_at)
