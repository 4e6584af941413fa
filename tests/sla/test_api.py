"""SLA over HTTP: a manager sets a policy; an order's clocks start when it is created,
stand still while it waits for parts, follow a change of priority and stop on their
events — all from the order's event log."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.auth.models import Role
from tests.factories import SiteFactory

API = "/api/v1"
CHINA = "China mainland 中国大陆"


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def manager(as_role):
    return as_role(Role.MANAGER)[1]


@pytest.fixture
def china(client, manager) -> int:
    calendars = client.get(f"{API}/sla/calendars", headers=manager).json
    return next(c["id"] for c in calendars if c["name"] == CHINA)


def policy(client, manager, calendar_id, **overrides):
    body = {"name": "Standard", "calendar_id": calendar_id, "targets": [
        {"kind": "first_response", "minutes": 60, "business_time": False},
        {"kind": "arrival", "minutes": 240, "business_time": False},
        {"kind": "resolution", "minutes": 480, "business_time": False}], **overrides}
    return client.post(f"{API}/sla/policies", headers=manager, json=body)


def create_order(client, headers, **fields) -> dict:
    site = SiteFactory()
    answer = client.post(f"{API}/work-orders", headers=headers, json={
        "channel": "phone", "work_type": "installation", "title": "Install a split unit", "site_id": site.id,
        "customer_id": site.customer_id, **fields})
    assert answer.status_code == 201, answer.json
    return answer.json


def clocks(client, headers, order_id) -> dict[str, dict]:
    return {c["kind"]: c for c in client.get(f"{API}/work-orders/{order_id}/sla", headers=headers).json}


def test_the_seeded_china_calendar_knows_the_2026_holidays(client, manager, china):
    days = client.get(f"{API}/sla/calendars/{china}/days?year=2026", headers=manager).json
    holidays = {d["day"] for d in days if d["kind"] == "holiday"}
    working = {d["day"] for d in days if d["kind"] == "working_day"}
    assert {"2026-02-15", "2026-02-23", "2026-10-01", "2026-10-07"} <= holidays
    assert working == {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}


def test_clocks_start_pause_follow_priority_and_stop(client, manager, china, as_role):
    assert policy(client, manager, china).status_code == 201
    urgent = policy(client, manager, china, name="Urgent", position=10, priorities=["urgent"], targets=[
        {"kind": "resolution", "minutes": 120, "business_time": False}])
    assert urgent.status_code == 201, urgent.json
    _, agent = as_role(Role.AGENT)
    order = create_order(client, agent)
    started = clocks(client, manager, order["id"])
    assert {k: c["state"] for k, c in started.items()} == {"first_response": "running", "arrival": "running",
                                                           "resolution": "running"}
    resolution = started["resolution"]
    assert parse(resolution["deadline"]) - parse(resolution["started_at"]) == timedelta(minutes=480)
    assert resolution["next_threshold"] == 50
    assert parse(resolution["next_due_at"]) - parse(resolution["started_at"]) == timedelta(minutes=240)

    held = client.post(f"{API}/work-orders/{order['id']}/hold", headers=agent, json={"reason": "waiting_parts"})
    assert held.status_code == 200, held.json
    paused = clocks(client, manager, order["id"])
    assert paused["first_response"]["state"] == "met"        # the order left `new`
    assert paused["resolution"]["state"] == "paused" and paused["resolution"]["deadline"] is None
    assert paused["resolution"]["next_due_at"] is None

    resumed = client.post(f"{API}/work-orders/{order['id']}/resume", headers=agent, json={})
    assert resumed.status_code == 200, resumed.json
    running = clocks(client, manager, order["id"])["resolution"]
    assert running["state"] == "running" and running["paused_s"] >= 0
    # The deadline moved by exactly the time spent paused.
    moved = parse(running["deadline"]) - parse(running["started_at"]) - timedelta(minutes=480)
    assert abs(moved.total_seconds() - running["paused_s"]) < 1

    tag = client.get(f"{API}/work-orders/{order['id']}", headers=agent).headers["ETag"]
    changed = client.patch(f"{API}/work-orders/{order['id']}", headers={**agent, "If-Match": tag},
                           json={"priority": "urgent"})
    assert changed.status_code == 200, changed.json
    now_urgent = clocks(client, manager, order["id"])
    assert now_urgent["resolution"]["target_minutes"] == 120
    assert now_urgent["resolution"]["policy_id"] == urgent.json["id"]
    # The urgent policy has no arrival target: that clock is cancelled, not deleted.
    assert now_urgent["arrival"]["state"] == "cancelled"


def test_a_calendar_day_and_a_policy_need_a_manager(client, as_role, china):
    _, dispatcher = as_role(Role.DISPATCHER)
    put = client.put(f"{API}/sla/calendars/{china}/days/2026-12-24", headers=dispatcher,
                     json={"kind": "holiday", "name": "Christmas Eve"})
    assert put.status_code == 403
    assert policy(client, dispatcher, china).status_code == 403
    _, engineer = as_role(Role.ENGINEER)
    assert client.get(f"{API}/sla/policies", headers=engineer).status_code == 403


def test_a_manager_edits_the_calendar(client, manager, china):
    put = client.put(f"{API}/sla/calendars/{china}/days/2026-12-31", headers=manager,
                     json={"kind": "holiday", "name": "Company day off"})
    assert put.status_code == 200 and put.json["kind"] == "holiday"
    assert client.delete(f"{API}/sla/calendars/{china}/days/2026-12-31", headers=manager).status_code == 204
    assert client.delete(f"{API}/sla/calendars/{china}/days/2026-12-31", headers=manager).status_code == 404


@pytest.mark.parametrize("body", [
    {"targets": []}, {"targets": [{"kind": "resolution", "minutes": 0}]},
    {"targets": [{"kind": "resolution", "minutes": 60}, {"kind": "resolution", "minutes": 90}]},
    {"priorities": ["whenever"]}, {"pause_on_hold_reasons": ["lunch"]}, {"colour": "red"}])
def test_bad_policies_are_refused(client, manager, china, body):
    answer = policy(client, manager, china, **body)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"


@pytest.mark.parametrize("body", [
    {"name": "X", "weekly_hours": {"7": [["09:00", "18:00"]]}},
    {"name": "X", "weekly_hours": {"0": [["18:00", "09:00"]]}},
    {"name": "X", "weekly_hours": {"0": [["09:00", "13:00"], ["12:00", "18:00"]]}},
    {"name": "X", "weekly_hours": {"0": [["nine", "18:00"]]}},
    {"name": "X", "timezone": "Mars/Olympus", "weekly_hours": {}}])
def test_bad_calendars_are_refused(client, manager, body):
    answer = client.post(f"{API}/sla/calendars", headers=manager, json=body)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"


def test_unknown_calendar_for_a_policy_is_404(client, manager):
    assert policy(client, manager, 999999).status_code == 404


def test_a_policy_is_changed_field_by_field(client, manager, china):
    created = policy(client, manager, china).json

    renamed = client.patch(f"{API}/sla/policies/{created['id']}", headers=manager, json={"name": "Renamed"})
    stricter = client.patch(f"{API}/sla/policies/{created['id']}", headers=manager, json={"thresholds": [80, 100]})

    assert renamed.status_code == 200 and renamed.json["name"] == "Renamed"
    assert stricter.status_code == 200 and stricter.json["thresholds"] == [80, 100]
    assert len(stricter.json["targets"]) == 3 and stricter.json["calendar_id"] == china
    bad = client.patch(f"{API}/sla/policies/{created['id']}", headers=manager, json={"targets": []})
    assert bad.status_code == 422
    assert client.patch(f"{API}/sla/policies/999999", headers=manager, json={"name": "X"}).status_code == 404


def test_a_customer_becoming_vip_moves_its_open_orders_to_the_vip_policy(client, manager, china, as_role):
    policy(client, manager, china)
    vip = policy(client, manager, china, name="VIP", position=1, customer_tiers=["vip"], targets=[
        {"kind": "first_response", "minutes": 15, "business_time": False}]).json
    _, agent = as_role(Role.AGENT)
    order = create_order(client, agent)
    assert clocks(client, agent, order["id"])["first_response"]["target_minutes"] == 60

    answer = client.patch(f"{API}/customers/{order['customer']['id']}", headers=manager, json={"tier": "vip"})

    assert answer.status_code == 200
    after = clocks(client, agent, order["id"])
    assert after["first_response"]["policy_id"] == vip["id"] and after["first_response"]["target_minutes"] == 15
    started = parse(after["first_response"]["started_at"])
    assert parse(after["first_response"]["deadline"]) == started + timedelta(minutes=15)
    # The VIP policy has no arrival or resolution target: those clocks are cancelled.
    assert after["arrival"]["state"] == "cancelled" and after["resolution"]["state"] == "cancelled"
