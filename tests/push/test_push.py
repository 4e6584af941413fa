"""Pushes to engineers' phones: devices registered over the mobile API, pushes made by
assignment, reschedule, cancellation and parts, sent after commit by the real RQ worker
through the real firebase-admin library to a local fake FCM."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from firebase_admin import messaging
from rq import SimpleWorker
from sqlalchemy import func, select

from app.auth.models import Role
from bench.fake_fcm import FakeFcm
from push.jobs import send_to_device
from push.models import Device
from push.sender import FcmSender, make_sender
from tests.factories import EngineerFactory, WorkOrderFactory

MOBILE = "/mobile/v1"
TOKEN = "fcm-token-of-the-demo-phone-0001"


@pytest.fixture
def fake_fcm(app, tmp_path, monkeypatch):
    fake = FakeFcm()
    credentials_file = fake.write_service_account(tmp_path / "service-account.json")
    # google-auth would look up the service account's access boundary at Google, in the background.
    from google.auth.credentials import CredentialsWithRegionalAccessBoundary
    monkeypatch.setattr(CredentialsWithRegionalAccessBoundary, "_is_regional_access_boundary_lookup_required",
                        lambda self: False, raising=False)
    monkeypatch.setitem(app.config, "FCM_CREDENTIALS_FILE", str(credentials_file))
    monkeypatch.setitem(app.config, "FCM_SEND_URL", fake.send_url)
    yield fake
    fake.close()


def work_off(app, queue) -> None:
    with app.app_context():
        SimpleWorker([queue], connection=queue.connection).work(burst=True)


def engineer_with_phone(client, token_for, token: str = TOKEN):
    engineer = EngineerFactory()
    headers = token_for(engineer.user)
    answer = client.post(f"{MOBILE}/devices", headers=headers,
                         json={"platform": "android", "app_version": "1.4.2", "fcm_token": token})
    assert answer.status_code == 200, answer.json
    return engineer, headers


def assign(client, headers, order_id: int, engineer_id: int, start: datetime):
    return client.post(f"/api/v1/work-orders/{order_id}/assign", headers=headers, json={
        "engineer_id": engineer_id, "scheduled_start": start.isoformat(), "override": True})


def tomorrow(hour: int) -> datetime:
    day = (datetime.now(timezone.utc) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


# --- devices ---------------------------------------------------------------------------------

def test_an_engineer_registers_a_phone_once_however_often_it_asks(client, token_for, session):
    engineer, headers = engineer_with_phone(client, token_for)
    again = client.post(f"{MOBILE}/devices", headers=headers,
                        json={"platform": "android", "app_version": "1.5.0", "fcm_token": TOKEN})

    listed = client.get(f"{MOBILE}/devices", headers=headers).json
    assert again.status_code == 200 and [d["app_version"] for d in listed] == ["1.5.0"]
    assert listed[0]["token_end"] == TOKEN[-8:] and "fcm_token" not in listed[0]
    assert session.scalar(select(func.count()).select_from(Device)) == 1


def test_a_token_moves_to_whoever_registers_it_and_devices_are_private(client, token_for):
    first, first_headers = engineer_with_phone(client, token_for)
    second, second_headers = engineer_with_phone(client, token_for)   # the same phone, another account
    assert client.get(f"{MOBILE}/devices", headers=first_headers).json == []
    device_id = client.get(f"{MOBILE}/devices", headers=second_headers).json[0]["id"]

    assert client.delete(f"{MOBILE}/devices/{device_id}", headers=first_headers).status_code == 404
    assert client.delete(f"{MOBILE}/devices/{device_id}", headers=second_headers).status_code == 204
    assert client.get(f"{MOBILE}/devices", headers=second_headers).json == []


@pytest.mark.parametrize("body", [
    {"platform": "android", "app_version": "1.0", "fcm_token": "short"},
    {"platform": "symbian", "app_version": "1.0", "fcm_token": TOKEN},
    {"platform": "android", "fcm_token": TOKEN},
    {"platform": "android", "app_version": "1.0", "fcm_token": TOKEN, "colour": "red"}])
def test_bad_registrations_are_refused(client, token_for, body):
    headers = token_for(EngineerFactory().user)
    answer = client.post(f"{MOBILE}/devices", headers=headers, json=body)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"


def test_devices_are_for_field_engineers(client, as_role):
    _, headers = as_role(Role.DISPATCHER)
    assert client.get(f"{MOBILE}/devices", headers=headers).status_code == 403
    assert client.post(f"{MOBILE}/devices", headers=headers, json={
        "platform": "ios", "app_version": "1.0", "fcm_token": TOKEN}).status_code == 403
    assert client.get(f"{MOBILE}/devices").status_code == 401


# --- what is pushed ----------------------------------------------------------------------------

def test_an_assignment_reaches_the_engineers_phone_through_the_worker(client, token_for, as_role, app, queue,
                                                                      fake_fcm):
    engineer, _ = engineer_with_phone(client, token_for)
    order = WorkOrderFactory()
    _, dispatcher = as_role(Role.DISPATCHER)

    assert assign(client, dispatcher, order.id, engineer.id, tomorrow(2)).status_code == 200
    work_off(app, queue)

    assert [(m["token"], m["data"]) for m in fake_fcm.messages] == [
        (TOKEN, {"order_id": str(order.id), "number": order.number, "change": "assigned"})]
    assert fake_fcm.messages[0]["android"] == {"priority": "high"}


def test_reassign_reschedule_and_cancel_each_tell_the_right_phone(client, token_for, as_role, app, queue,
                                                                  fake_fcm):
    first, _ = engineer_with_phone(client, token_for, "fcm-token-of-the-first-phone-AAAAAA")
    second, _ = engineer_with_phone(client, token_for, "fcm-token-of-the-second-phone-BBBBBB")
    order_id, number = (lambda o: (o.id, o.number))(WorkOrderFactory())
    _, dispatcher = as_role(Role.DISPATCHER)

    assign(client, dispatcher, order_id, first.id, tomorrow(2))
    assign(client, dispatcher, order_id, first.id, tomorrow(3))     # same engineer, another time
    assign(client, dispatcher, order_id, second.id, tomorrow(3))    # another engineer
    client.post(f"/api/v1/work-orders/{order_id}/cancel", headers=dispatcher, json={"reason": "duplicate"})
    work_off(app, queue)

    sent = sorted((m["token"][-6:], m["data"]["change"]) for m in fake_fcm.messages)
    assert sent == sorted([("AAAAAA", "assigned"), ("AAAAAA", "rescheduled"), ("AAAAAA", "unassigned"),
                           ("BBBBBB", "assigned"), ("BBBBBB", "cancelled")])
    assert {m["data"]["number"] for m in fake_fcm.messages} == {number}


def test_an_engineer_without_a_phone_gets_nothing_queued(client, as_role, queue):
    order_id = WorkOrderFactory().id
    phoneless = EngineerFactory()
    _, dispatcher = as_role(Role.DISPATCHER)

    assert assign(client, dispatcher, order_id, phoneless.id, tomorrow(2)).status_code == 200

    assert queue.count == 0


def test_a_refused_assignment_pushes_nothing(client, token_for, as_role, app, queue, fake_fcm):
    engineer, _ = engineer_with_phone(client, token_for)
    order_id = WorkOrderFactory(skills={"welding": 3}).id
    _, dispatcher = as_role(Role.DISPATCHER)

    answer = client.post(f"/api/v1/work-orders/{order_id}/assign", headers=dispatcher, json={
        "engineer_id": engineer.id, "scheduled_start": tomorrow(2).isoformat()})   # lacks the skill
    work_off(app, queue)

    assert answer.status_code == 422 and fake_fcm.messages == []


def test_a_token_fcm_no_longer_knows_is_dropped(client, token_for, app, session, fake_fcm):
    engineer_with_phone(client, token_for)
    fake_fcm.unregistered.add(TOKEN)
    device_id = session.scalar(select(Device.id))

    with app.app_context():
        assert send_to_device(device_id, {"order_id": "1", "number": "WO-1", "change": "assigned"}) == "unregistered"
    assert session.scalar(select(func.count()).select_from(Device)) == 0


def test_without_credentials_pushes_are_only_logged(client, token_for, app, session, monkeypatch, caplog):
    engineer_with_phone(client, token_for)
    monkeypatch.setitem(app.config, "FCM_CREDENTIALS_FILE", None)
    device_id = session.scalar(select(Device.id))
    with app.app_context(), caplog.at_level("INFO", logger="push.sender"):
        assert send_to_device(device_id, {"order_id": "1", "number": "WO-1", "change": "assigned"}) == "logged"
    assert "FCM not configured" in caplog.text


def test_parts_sent_for_an_order_tell_its_engineer_and_other_events_tell_nobody():
    from app.workorders.models import EventKind, WorkOrder, WorkOrderEvent
    from push.triggers import changes_for_engineers
    order = WorkOrder(id=7, number="WO-7", scheduled_engineer_id=3)
    parts_ready = WorkOrderEvent(kind=EventKind.PARTS, action="parts_ready", payload={"part_request_id": 1})
    requested = WorkOrderEvent(kind=EventKind.PARTS, action="parts_requested", payload={})
    note = WorkOrderEvent(kind=EventKind.NOTE_ADDED, action=None, payload={})
    assert changes_for_engineers(order, parts_ready) == [(3, "parts_ready")]
    assert changes_for_engineers(order, requested) == changes_for_engineers(order, note) == []
    assert changes_for_engineers(WorkOrder(id=8, number="WO-8"), parts_ready) == []


# --- where pushes go -------------------------------------------------------------------------

def test_fcm_send_url_sends_to_that_endpoint_and_unset_to_google(fake_fcm, tmp_path):
    credentials_file = str(fake_fcm.write_service_account(tmp_path / "other.json"))
    data = {"order_id": "1", "number": "WO-1", "change": "assigned"}

    name = make_sender(credentials_file, fake_fcm.send_url).send(TOKEN, data)
    google = FcmSender(credentials_file)

    assert name == "projects/gongdan-test/messages/1" and [m["data"] for m in fake_fcm.messages] == [data]
    # Only the configured app is redirected: the same credentials without a URL reach Google.
    assert messaging._get_messaging_service(google.app)._fcm_url == \
        "https://fcm.googleapis.com/v1/projects/gongdan-test/messages:send"
    assert messaging._MessagingService.FCM_URL.startswith("https://fcm.googleapis.com/")


def test_the_fake_fcm_answers_what_it_received_over_http(fake_fcm, tmp_path):
    import urllib.request
    make_sender(str(fake_fcm.write_service_account(tmp_path / "sa.json")), fake_fcm.send_url).send(
        TOKEN, {"order_id": "2", "number": "WO-2", "change": "cancelled"})

    def get(query: str = "") -> list[dict]:
        with urllib.request.urlopen(f"{fake_fcm.url}/messages{query}") as answer:
            return json.loads(answer.read())["messages"]

    assert [m["data"]["change"] for m in get()] == ["cancelled"]
    assert get("?token=" + TOKEN) == get() and get("?token=another-token-of-twenty") == []
