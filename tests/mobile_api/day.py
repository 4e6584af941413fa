"""A field engineer's day for the mobile tests: jobs scheduled today, a stocked van."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from app.auth.models import Role, User
from app.engineers.models import Engineer
from app.geo import lon_lat, make_point
from app.workorders.models import Status, WorkOrder
from inventory import service as stock
from inventory.models import LocationKind, Part, StockLocation
from tests.factories import AssetFactory, EngineerFactory, SiteFactory, UserFactory, WorkOrderFactory

ZONE = ZoneInfo("Asia/Shanghai")
MOBILE = "/mobile/v1"
SITE = (121.4737, 31.2304)
_keys = count(1)


def today_at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(datetime.now(ZONE).date(), time(hour, minute), tzinfo=ZONE)


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def new_key() -> str:
    return f"test-key-{next(_keys):06d}"


@dataclass
class Day:
    engineer: Engineer
    van: StockLocation
    filter_part: Part
    board_part: Part
    jobs: list[WorkOrder] = field(default_factory=list)


def engineer_day(session, *, jobs: int = 3, user: User | None = None, **engineer_fields) -> Day:
    """An engineer with `jobs` jobs assigned today (08:00, 08:45, …), each at its own
    site with an asset, and a van holding 10 filters and 2 serial-tracked boards."""
    engineer = EngineerFactory(user=user or UserFactory(role=Role.ENGINEER), **engineer_fields)
    keeper = UserFactory(role=Role.WAREHOUSE)
    suffix = engineer.id
    van = stock.create_location(session, kind=LocationKind.VAN, name=f"Van of engineer {suffix}",
                                engineer_id=engineer.id)
    filter_part = stock.create_part(session, sku=f"FLT-{suffix}", name="Air filter", unit_cost_cents=2500)
    board_part = stock.create_part(session, sku=f"PCB-{suffix}", name="Control board", unit_cost_cents=50000,
                                   serial_tracked=True)
    stock.receive(session, actor=keeper, part_id=filter_part.id, location_id=van.id, quantity=10,
                  unit_cost_cents=2500)
    stock.receive(session, actor=keeper, part_id=board_part.id, location_id=van.id, quantity=2,
                  unit_cost_cents=50000, serials=[f"B{suffix}-1", f"B{suffix}-2"])
    day = Day(engineer=engineer, van=van, filter_part=filter_part, board_part=board_part)
    for index in range(jobs):
        start = today_at(8) + timedelta(minutes=45 * index)
        lon, lat = SITE[0] + 0.01 * index, SITE[1]
        site = SiteFactory(location=make_point(lon, lat))
        day.jobs.append(WorkOrderFactory(
            status=Status.ASSIGNED, scheduled_engineer=engineer, site=site, asset=AssetFactory(site=site),
            scheduled_start=start, scheduled_end=start + timedelta(minutes=40),
            planned_arrival=start - timedelta(minutes=5),
            window_start=start - timedelta(hours=1), window_end=start + timedelta(hours=2)))
    return day


def site_of(order: WorkOrder) -> tuple[float, float]:
    return lon_lat(order.site.location)
