"""POST/GET /mobile/v1/locations: the phone's batches of GPS pings and its own track."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.db import utcnow
from app.workorders.models import Status
from tests.factories import EngineerFactory, UserFactory, WorkOrderFactory
from tracking.models import LocationPing

URL = "/mobile/v1/locations"


def at(minutes_ago: float) -> str:
    return (utcnow() - timedelta(minutes=minutes_ago)).replace(microsecond=0).isoformat()


def ping(minutes_ago: float, lon: float = 121.47, lat: float = 31.23, **extra) -> dict:
    return {"recorded_at": at(minutes_ago), "position": {"type": "Point", "coordinates": [lon, lat]}, **extra}


def pings_of(session, engineer) -> int:
    return session.scalar(select(func.count()).select_from(LocationPing).where(LocationPing.engineer_id == engineer.id))


@pytest.fixture
def phone(token_for):
    engineer = EngineerFactory()
    return engineer, token_for(engineer.user)


def test_a_batch_is_accepted_and_moves_the_engineer(client, phone, session):
    engineer, headers = phone
    batch = [ping(15, lat=31.21, accuracy_m=12.5), ping(10, lat=31.22, speed_mps=8.3, heading_deg=90),
             ping(5, lon=121.48, lat=31.23)]

    answer = client.post(URL, headers=headers, json={"pings": batch})

    assert answer.status_code == 200, answer.json
    assert answer.json == {"accepted": 3, "duplicates": 0, "last_position_at": batch[2]["recorded_at"],
                           "last_position": {"type": "Point", "coordinates": [121.48, 31.23]}}
    assert pings_of(session, engineer) == 3


def test_a_resent_batch_stores_nothing_twice(client, phone, session):
    engineer, headers = phone
    batch = [ping(15), ping(10)]
    client.post(URL, headers=headers, json={"pings": batch})
    again = client.post(URL, headers=headers, json={"pings": batch + [ping(1)]})
    assert (again.json["accepted"], again.json["duplicates"]) == (1, 2)
    assert pings_of(session, engineer) == 3


def test_the_same_idempotency_key_replays_the_first_answer(client, phone, session):
    engineer, headers = phone
    keyed = {**headers, "Idempotency-Key": "pings-0001"}
    body = {"pings": [ping(10), ping(5)]}
    first = client.post(URL, headers=keyed, json=body)
    retry = client.post(URL, headers=keyed, json=body)
    other = client.post(URL, headers=keyed, json={"pings": [ping(2)]})

    assert first.status_code == retry.status_code == 200
    assert retry.json == first.json and retry.json["accepted"] == 2
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert other.status_code == 422 and other.json["status"] == "idempotency_key_reused"
    assert pings_of(session, engineer) == 2


def test_an_offline_batch_after_a_live_ping_leaves_the_last_position(client, phone, as_role):
    engineer, headers = phone
    live = ping(1, lon=121.60, lat=31.30)
    client.post(URL, headers=headers, json={"pings": [live]})

    late = client.post(URL, headers=headers, json={"pings": [ping(90, lon=121.40), ping(60, lon=121.41)]})

    assert late.json["accepted"] == 2
    assert late.json["last_position"]["coordinates"] == [121.60, 31.30]
    assert late.json["last_position_at"] == live["recorded_at"]
    _, dispatcher = as_role(Role.DISPATCHER)
    on_map = client.get("/api/v1/map/engineers", headers=dispatcher).json["features"]
    assert [f["geometry"]["coordinates"] for f in on_map if f["properties"]["id"] == engineer.id] == [[121.60, 31.30]]


def test_a_check_in_queued_offline_does_not_undo_a_live_ping(client, phone):
    engineer, headers = phone
    order = WorkOrderFactory(status=Status.EN_ROUTE, scheduled_engineer=engineer)
    client.post(URL, headers=headers, json={"pings": [ping(1, lon=121.60, lat=31.30)]})

    checked_in = client.post(f"/api/v1/work-orders/{order.id}/check-in", headers=headers, json={
        "device_time": at(20), "position": {"type": "Point", "coordinates": [121.4737, 31.2304]}})

    assert checked_in.status_code == 200, checked_in.json
    assert client.get(f"/api/v1/engineers/{engineer.id}", headers=headers).json["last_position"] == {
        "type": "Point", "coordinates": [121.60, 31.30]}


@pytest.mark.parametrize("bad_ping, field", [
    ({"position": {"type": "Point", "coordinates": [181, 31]}}, "position"),
    ({"position": {"type": "Point", "coordinates": [121]}}, "position"),
    ({"position": {"type": "LineString", "coordinates": [[121, 31], [122, 31]]}}, "position"),
    ({"recorded_at": "2026-03-02T08:00:00"}, "recorded_at"),        # no offset
    ({"recorded_at": "not a time"}, "recorded_at"),
    ({"accuracy_m": -1}, "accuracy_m"),
    ({"speed_mps": "fast"}, "speed_mps"),
    ({"heading_deg": 360}, "heading_deg"),
    ({"altitude_m": 12}, "altitude_m"),
])
def test_a_malformed_ping_is_refused_by_its_index(client, phone, session, bad_ping, field):
    engineer, headers = phone
    batch = [ping(10), ping(5), {**ping(3), **bad_ping}]
    answer = client.post(URL, headers=headers, json={"pings": batch})
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"
    assert list(answer.json["errors"]["json"]["pings"]) == ["2"]
    assert field in answer.json["errors"]["json"]["pings"]["2"]
    assert pings_of(session, engineer) == 0


@pytest.mark.parametrize("when, problem", [(lambda: utcnow() + timedelta(minutes=10), "future"),
                                           (lambda: utcnow() - timedelta(days=8), "older than 7 days")])
def test_a_ping_too_far_in_the_future_or_past_is_refused_by_its_index(client, phone, session, when, problem):
    engineer, headers = phone
    batch = [ping(10), {**ping(5), "recorded_at": when().isoformat()}, ping(1)]
    answer = client.post(URL, headers=headers, json={"pings": batch})
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"
    assert problem in answer.json["errors"]["pings"]["1"]["recorded_at"][0]
    assert pings_of(session, engineer) == 0 and client.get(URL, headers=headers).json["ping_count"] == 0


@pytest.mark.parametrize("body", [{"pings": []}, {}, {"pings": "none"}, {"pings": [ping(1)], "device": "x"}])
def test_a_malformed_batch_is_refused(client, phone, body):
    _, headers = phone
    answer = client.post(URL, headers=headers, json=body)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"


def test_more_than_500_pings_is_refused(client, phone):
    _, headers = phone
    answer = client.post(URL, headers=headers, json={"pings": [ping(600 - i / 10) for i in range(501)]})
    assert answer.status_code == 422 and "pings" in answer.json["errors"]["json"]


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.MANAGER, Role.WAREHOUSE, Role.CUSTOMER])
def test_only_field_engineers_send_pings(client, as_role, role):
    _, headers = as_role(role)
    assert client.post(URL, headers=headers, json={"pings": [ping(1)]}).status_code == 403
    assert client.get(URL, headers=headers).status_code == 403


def test_a_field_account_without_an_engineer_record_is_refused(client, token_for):
    user = UserFactory(role=Role.ENGINEER)
    answer = client.post(URL, headers=token_for(user), json={"pings": [ping(1)]})
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"


def test_my_track_of_a_day_is_mine_only(client, phone, token_for):
    engineer, headers = phone
    colleague = EngineerFactory()
    # The pings must fall on one Shanghai day, also when the test runs just after midnight.
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    since_midnight = (now - now.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds() / 60
    back = 0 if since_midnight > 25 else since_midnight + 1
    client.post(URL, headers=headers, json={"pings": [ping(back + 20, lat=31.20), ping(back + 10, lat=31.21)]})
    client.post(URL, headers=token_for(colleague.user), json={"pings": [ping(back + 15, lat=35.0)]})

    day = (now - timedelta(minutes=back + 10)).date()
    mine = client.get(f"{URL}?date={day.isoformat()}", headers=headers)

    assert mine.status_code == 200, mine.json
    assert mine.json["engineer_id"] == engineer.id and mine.json["ping_count"] == 2
    assert mine.json["features"][0]["geometry"] == {"type": "LineString",
                                                    "coordinates": [[121.47, 31.2], [121.47, 31.21]]}
    assert mine.json["distance_m"] > 1000
    yesterday = client.get(f"{URL}?date={(day - timedelta(days=1)).isoformat()}", headers=headers)
    assert yesterday.json["ping_count"] == 0 and yesterday.json["features"] == []


def test_a_bad_day_is_refused(client, phone):
    _, headers = phone
    for query in ("date=2026-13-01", "when=today"):
        answer = client.get(f"{URL}?{query}", headers=headers)
        assert answer.status_code == 422 and answer.json["status"] == "validation_error", query


def test_partner_engineers_send_pings_too(client, as_role, token_for):
    partner_user, _ = as_role(Role.PARTNER_ENGINEER)
    engineer = EngineerFactory(user=partner_user, partner_company=partner_user.partner_company)
    answer = client.post(URL, headers=token_for(engineer.user), json={"pings": [ping(1)]})
    assert answer.status_code == 200 and answer.json["accepted"] == 1
