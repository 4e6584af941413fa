"""An engineer's track: its length in PostGIS, the day's pings, the back office's view."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.auth.models import Role
from app.db import utcnow
from tests.factories import EngineerFactory
from tests.tracking.geodesy import meridian_arc_m
from tracking.pings import Ping, record_pings
from tracking.tracks import as_feature_collection, day_bounds, day_track, track_length

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def hour_ago():
    """Minutes after one fixed moment an hour ago. The moment is read from the clock once
    per test: reading it per call let a second tick between recording the pings and
    asking for a period move the bounds past a ping."""
    origin = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    return lambda minutes: origin + timedelta(minutes=minutes)


def test_a_track_along_a_meridian_measures_what_the_spheroid_says(session, hour_ago):
    engineer = EngineerFactory()
    record_pings(session, engineer=engineer, pings=[
        Ping(recorded_at=hour_ago(0), lon=121.5, lat=31.00), Ping(recorded_at=hour_ago(5), lon=121.5, lat=31.01),
        Ping(recorded_at=hour_ago(10), lon=121.5, lat=31.02)])

    track = track_length(session, engineer_id=engineer.id, start=hour_ago(0), end=hour_ago(10))

    expected = meridian_arc_m(31.00, 31.02)   # about 2.2 km
    assert track.ping_count == 3
    assert track.distance_m == pytest.approx(expected, rel=0.005)


def test_the_line_follows_the_recorded_order_not_the_upload_order(session, hour_ago):
    engineer = EngineerFactory()
    # Uploaded out of order: north, south, middle; driven south → middle → north.
    record_pings(session, engineer=engineer, pings=[
        Ping(recorded_at=hour_ago(10), lon=121.5, lat=31.02), Ping(recorded_at=hour_ago(0), lon=121.5, lat=31.00),
        Ping(recorded_at=hour_ago(5), lon=121.5, lat=31.01)])
    track = track_length(session, engineer_id=engineer.id, start=hour_ago(0), end=hour_ago(10))
    assert track.distance_m == pytest.approx(meridian_arc_m(31.00, 31.02), rel=0.005)


def test_the_period_bounds_which_pings_count(session, hour_ago):
    engineer = EngineerFactory()
    record_pings(session, engineer=engineer, pings=[
        Ping(recorded_at=hour_ago(0), lon=121.5, lat=30.90), Ping(recorded_at=hour_ago(5), lon=121.5, lat=31.00),
        Ping(recorded_at=hour_ago(10), lon=121.5, lat=31.01), Ping(recorded_at=hour_ago(15), lon=121.5, lat=31.50)])
    inside = track_length(session, engineer_id=engineer.id, start=hour_ago(5), end=hour_ago(10))
    single = track_length(session, engineer_id=engineer.id, start=hour_ago(1), end=hour_ago(6))
    assert inside.ping_count == 2 and inside.distance_m == pytest.approx(meridian_arc_m(31.00, 31.01), rel=0.005)
    assert (single.ping_count, single.distance_m) == (1, 0.0)


def test_a_day_runs_from_local_midnight_to_midnight():
    start, end = day_bounds(date(2026, 3, 2), SHANGHAI)
    assert start == datetime(2026, 3, 1, 16, tzinfo=timezone.utc)
    assert end - start == timedelta(days=1)


def _day_with_pings(session, engineer, day: date):
    start, _ = day_bounds(day, SHANGHAI)
    record_pings(session, engineer=engineer, pings=[
        Ping(recorded_at=start - timedelta(seconds=1), lon=121.0, lat=31.0),        # the evening before
        Ping(recorded_at=start, lon=121.5, lat=31.00, accuracy_m=5),
        Ping(recorded_at=start + timedelta(hours=9), lon=121.5, lat=31.01, speed_mps=10, heading_deg=0),
        Ping(recorded_at=start + timedelta(days=1), lon=122.0, lat=32.0)])         # the next day's midnight


def _two_days_ago() -> date:
    # Two days back, so that every ping of the day (and the next midnight) is in the past.
    return datetime.now(SHANGHAI).date() - timedelta(days=2)


def test_the_day_track_holds_that_day_only_as_geojson(session):
    engineer = EngineerFactory()
    day = _two_days_ago()
    _day_with_pings(session, engineer, day)

    layer = as_feature_collection(day_track(session, engineer_id=engineer.id, day=day, zone=SHANGHAI))

    assert (layer["type"], layer["engineer_id"], layer["date"], layer["ping_count"]) == (
        "FeatureCollection", engineer.id, day, 2)
    line, *points = layer["features"]
    assert line["geometry"] == {"type": "LineString", "coordinates": [[121.5, 31.0], [121.5, 31.01]]}
    assert [p["geometry"]["coordinates"] for p in points] == [[121.5, 31.0], [121.5, 31.01]]
    assert points[0]["properties"]["accuracy_m"] == 5 and points[1]["properties"]["speed_mps"] == 10
    assert layer["distance_m"] == pytest.approx(meridian_arc_m(31.00, 31.01), rel=0.005)


def test_a_day_with_one_ping_has_no_line(session):
    engineer = EngineerFactory()
    day = _two_days_ago()
    start, _ = day_bounds(day, SHANGHAI)
    record_pings(session, engineer=engineer, pings=[Ping(recorded_at=start + timedelta(hours=8), lon=121.5, lat=31)])
    layer = as_feature_collection(day_track(session, engineer_id=engineer.id, day=day, zone=SHANGHAI))
    assert [f["geometry"]["type"] for f in layer["features"]] == ["Point"] and layer["distance_m"] == 0


# --- GET /api/v1/engineers/{id}/track ------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.MANAGER, Role.ADMIN])
def test_the_back_office_sees_an_engineers_track(client, as_role, session, role):
    engineer = EngineerFactory()
    day = _two_days_ago()
    _day_with_pings(session, engineer, day)
    _, headers = as_role(role)

    answer = client.get(f"/api/v1/engineers/{engineer.id}/track?date={day.isoformat()}", headers=headers)

    assert answer.status_code == 200, answer.json
    assert answer.json["type"] == "FeatureCollection" and answer.json["date"] == day.isoformat()
    assert answer.json["ping_count"] == 2
    assert answer.json["features"][0]["geometry"]["type"] == "LineString"


def test_without_a_date_the_track_is_todays(client, as_role, session):
    engineer = EngineerFactory()
    record_pings(session, engineer=engineer, pings=[Ping(recorded_at=utcnow(), lon=121.5, lat=31)])
    _, headers = as_role(Role.DISPATCHER)
    answer = client.get(f"/api/v1/engineers/{engineer.id}/track", headers=headers)
    assert answer.json["date"] == datetime.now(SHANGHAI).date().isoformat() and answer.json["ping_count"] == 1


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.PARTNER_ENGINEER, Role.WAREHOUSE, Role.CUSTOMER])
def test_other_roles_may_not_see_tracks(client, as_role, role):
    engineer = EngineerFactory()
    _, headers = as_role(role)
    answer = client.get(f"/api/v1/engineers/{engineer.id}/track", headers=headers)
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"


def test_an_unknown_engineer_or_a_bad_date_is_refused(client, as_role):
    engineer = EngineerFactory()
    _, headers = as_role(Role.MANAGER)
    assert client.get("/api/v1/engineers/999999/track", headers=headers).status_code == 404
    for query in ("date=2026-02-30", "date=yesterday", "day=2026-03-02"):
        answer = client.get(f"/api/v1/engineers/{engineer.id}/track?{query}", headers=headers)
        assert answer.status_code == 422 and answer.json["status"] == "validation_error", query
