"""A job travelled with the phone pinging along a meridian, for the expense tests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app import db
from app.db import utcnow
from app.engineers.models import Engineer
from app.workorders import lifecycle, notes
from app.workorders.lifecycle import Action
from app.workorders.models import Attachment, Status, WorkOrder
from tests.factories import EngineerFactory, WorkOrderFactory
from tests.tracking.geodesy import meridian_arc_m
from tracking.pings import Ping, record_pings

# Three pings from 31.00°N to 31.02°N along 121.5°E while travelling: about 2.2 km.
TRACK_LATITUDES = (31.00, 31.01, 31.02)
TRACK_M = meridian_arc_m(31.00, 31.02)


@dataclass
class TravelledJob:
    engineer: Engineer
    order: WorkOrder
    set_off: datetime
    arrived: datetime


def travelled_job(*, engineer: Engineer | None = None, pings_on_the_way: int = 3,
                  check_in: bool = True) -> TravelledJob:
    """An order the engineer travelled to an hour ago (start of travel and check-in with
    the phone's times), with pings on the way and others before and after that must
    not count."""
    session = db.db_session()
    engineer = engineer or EngineerFactory()
    order = WorkOrderFactory(status=Status.ACCEPTED, scheduled_engineer=engineer)
    set_off = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    arrived = set_off + timedelta(minutes=12)
    lifecycle.transition(session, order=order, action=Action.START_TRAVEL, actor=engineer.user, device_time=set_off)
    pings = [Ping(recorded_at=set_off - timedelta(minutes=5), lon=121.5, lat=30.50),      # before setting off
             Ping(recorded_at=arrived + timedelta(minutes=30), lon=121.5, lat=31.50)]     # after arriving
    pings += [Ping(recorded_at=set_off + timedelta(minutes=1 + 5 * i), lon=121.5, lat=lat)
              for i, lat in enumerate(TRACK_LATITUDES[:pings_on_the_way])]
    record_pings(session, engineer=engineer, pings=pings)
    if check_in:
        lifecycle.transition(session, order=order, action=Action.CHECK_IN, actor=engineer.user, device_time=arrived)
    return TravelledJob(engineer=engineer, order=order, set_off=set_off, arrived=arrived)


def attach(order: WorkOrder, content_type: str = "image/jpeg", filename: str = "receipt.jpg") -> Attachment:
    return notes.add_attachment(db.db_session(), order=order, uploader=order.scheduled_engineer.user,
                                filename=filename, content_type=content_type, size_bytes=120_000,
                                storage_key=f"orders/{order.id}/{filename}")
