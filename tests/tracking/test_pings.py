"""Recording batches of GPS pings and the engineer's last known position."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from app.db import utcnow
from app.engineers.positions import update_last_position
from app.errors import ValidationFailedError
from app.geo import lon_lat, make_point
from app.workorders import lifecycle
from app.workorders.lifecycle import Action
from app.workorders.models import Status
from tests.factories import EngineerFactory, WorkOrderFactory
from tracking.models import LocationPing
from tracking.pings import Ping, record_pings


def minutes_ago(minutes: float) -> datetime:
    return (utcnow() - timedelta(minutes=minutes)).replace(microsecond=0)


def ping(minutes: float, lon: float = 121.47, lat: float = 31.23, **extra) -> Ping:
    return Ping(recorded_at=minutes_ago(minutes), lon=lon, lat=lat, **extra)


def stored(session, engineer) -> int:
    return session.scalar(select(func.count()).select_from(LocationPing).where(LocationPing.engineer_id == engineer.id))


def test_a_batch_is_stored_and_a_resend_stores_nothing_twice(session):
    engineer = EngineerFactory()
    batch = [ping(30, lat=31.20, accuracy_m=8.5), ping(20, lat=31.21, speed_mps=9.2, heading_deg=359.5),
             ping(10, lat=31.22)]

    first = record_pings(session, engineer=engineer, pings=batch)
    again = record_pings(session, engineer=engineer, pings=batch[1:] + [ping(5, lat=31.23)])

    assert (first.accepted, first.duplicates) == (3, 0)
    assert (again.accepted, again.duplicates) == (1, 2)
    assert stored(session, engineer) == 4
    row = session.scalar(select(LocationPing).where(LocationPing.recorded_at == batch[1].recorded_at))
    assert (row.speed_mps, row.heading_deg, row.accuracy_m) == (9.2, 359.5, None)
    assert row.received_at > row.recorded_at


def test_the_same_time_twice_in_one_batch_counts_once(session):
    engineer = EngineerFactory()
    at = minutes_ago(10)   # one clock reading: two could fall either side of a second
    result = record_pings(session, engineer=engineer, pings=[Ping(recorded_at=at, lon=121.47, lat=31.23),
                                                             Ping(recorded_at=at, lon=121.47, lat=31.3)])
    assert (result.accepted, result.duplicates) == (1, 1)


def test_another_engineer_may_ping_at_the_same_moment(session):
    at = ping(10)
    record_pings(session, engineer=EngineerFactory(), pings=[at])
    assert record_pings(session, engineer=EngineerFactory(), pings=[at]).accepted == 1


def test_a_full_batch_is_one_insert_statement(session, engine):
    engineer = EngineerFactory()
    batch = [ping(600 - i, lat=31 + i / 1000) for i in range(500)]
    inserts = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO location_pings"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = record_pings(session, engineer=engineer, pings=batch)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert result.accepted == 500 and len(inserts) == 1
    assert "ON CONFLICT" in inserts[0]


def test_the_newest_ping_becomes_the_last_position(session):
    engineer = EngineerFactory()
    newest = ping(3, lon=121.50, lat=31.25)
    result = record_pings(session, engineer=engineer, pings=[newest, ping(9, lon=121.40)])
    assert (lon_lat(result.last_position), result.last_position_at) == ((121.50, 31.25), newest.recorded_at)
    assert lon_lat(engineer.last_position) == (121.50, 31.25)


def test_an_offline_batch_after_a_fresher_ping_does_not_move_the_engineer_back(session):
    engineer = EngineerFactory()
    live = ping(2, lon=121.60, lat=31.30)
    record_pings(session, engineer=engineer, pings=[live])

    offline = record_pings(session, engineer=engineer, pings=[ping(60, lon=121.40), ping(45, lon=121.41)])

    assert offline.accepted == 2
    assert lon_lat(offline.last_position) == (121.60, 31.30) and offline.last_position_at == live.recorded_at
    session.expire_all()
    assert lon_lat(engineer.last_position) == (121.60, 31.30)


@pytest.mark.parametrize("bad_time, problem", [
    (lambda: utcnow() + timedelta(minutes=6), "in the future"),
    (lambda: utcnow() - timedelta(days=7, minutes=1), "older than 7 days"),
    (lambda: datetime.now() - timedelta(minutes=1), "UTC offset"),
])
def test_a_ping_with_an_unusable_time_refuses_the_batch_naming_its_index(session, bad_time, problem):
    engineer = EngineerFactory()
    batch = [ping(5), ping(4), Ping(recorded_at=bad_time(), lon=121.4, lat=31.2)]
    with pytest.raises(ValidationFailedError) as refused:
        record_pings(session, engineer=engineer, pings=batch)
    assert list(refused.value.errors["pings"]) == ["2"]
    assert problem in refused.value.errors["pings"]["2"]["recorded_at"][0]
    assert stored(session, engineer) == 0 and engineer.last_position is None


def test_a_few_minutes_of_phone_clock_skew_are_accepted(session):
    engineer = EngineerFactory()
    ahead = Ping(recorded_at=utcnow() + timedelta(minutes=4), lon=121.4, lat=31.2)
    assert record_pings(session, engineer=engineer, pings=[ahead]).accepted == 1


def test_an_empty_or_oversized_batch_is_refused(session):
    engineer = EngineerFactory()
    with pytest.raises(ValidationFailedError):
        record_pings(session, engineer=engineer, pings=[])
    with pytest.raises(ValidationFailedError):
        record_pings(session, engineer=engineer, pings=[ping(600 - i / 10) for i in range(501)])


def test_update_last_position_moves_only_forward(session):
    engineer = EngineerFactory()
    noon = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)
    assert update_last_position(session, engineer=engineer, point=make_point(121.1, 31.1), at=noon) is True
    assert update_last_position(session, engineer=engineer, point=make_point(121.2, 31.2),
                                at=noon - timedelta(seconds=1)) is False
    assert update_last_position(session, engineer=engineer, point=make_point(121.2, 31.2), at=noon) is False
    assert (lon_lat(engineer.last_position), engineer.last_position_at) == ((121.1, 31.1), noon)
    assert update_last_position(session, engineer=engineer, point=make_point(121.3, 31.3),
                                at=noon + timedelta(minutes=1)) is True
    assert lon_lat(engineer.last_position) == (121.3, 31.3)


# --- check-in and start of travel follow the same rule ------------------------------------------

def _travelling(session):
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=Status.ACCEPTED, scheduled_engineer=engineer)
    return engineer, order


def test_a_check_in_uses_the_phone_time_and_does_not_undo_a_fresher_ping(session):
    engineer, order = _travelling(session)
    live = ping(1, lon=121.60, lat=31.30)
    record_pings(session, engineer=engineer, pings=[live])

    # Queued offline ten minutes ago, synced now: older than the live ping.
    lifecycle.transition(session, order=order, action=Action.CHECK_IN, actor=engineer.user,
                         device_time=minutes_ago(10), position=(121.4737, 31.2304))

    assert (lon_lat(engineer.last_position), engineer.last_position_at) == ((121.60, 31.30), live.recorded_at)


def test_a_start_of_travel_with_a_newer_time_moves_the_position(session):
    engineer, order = _travelling(session)
    record_pings(session, engineer=engineer, pings=[ping(30, lon=121.60, lat=31.30)])
    at = minutes_ago(2)

    lifecycle.transition(session, order=order, action=Action.START_TRAVEL, actor=engineer.user,
                         device_time=at, position=(121.45, 31.22))

    assert (lon_lat(engineer.last_position), engineer.last_position_at) == ((121.45, 31.22), at)


def test_a_check_in_without_phone_time_counts_at_server_time(session):
    engineer, order = _travelling(session)
    before = utcnow()
    lifecycle.transition(session, order=order, action=Action.CHECK_IN, actor=engineer.user,
                         position=(121.4737, 31.2304))
    assert lon_lat(engineer.last_position) == (121.4737, 31.2304)
    assert engineer.last_position_at >= before
