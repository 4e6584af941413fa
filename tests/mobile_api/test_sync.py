"""Offline sync: queued requests applied in device-time order, each answered applied,
duplicate, conflict (with the server's state) or rejected."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.workorders.models import EventKind, WorkOrderEvent
from inventory.models import StockMovement
from tests.factories import EngineerFactory
from tests.mobile_api.day import MOBILE, engineer_day, point, site_of


@pytest.fixture
def day(session):
    return engineer_day(session, jobs=2)


@pytest.fixture
def phone(day, token_for):
    return token_for(day.engineer.user)


def at(minutes_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).isoformat()


def queued(key, minutes_ago, path, **body):
    device_time = at(minutes_ago)
    return {"key": key, "device_time": device_time, "path": MOBILE + path,
            "body": {"device_time": device_time, **body}}


def morning(day):
    job = day.jobs[0]
    return [
        queued("a1", 60, f"/jobs/{job.id}/accept"),
        queued("a2", 50, f"/jobs/{job.id}/start-travel", position=point(121.40, 31.20)),
        queued("a3", 40, f"/jobs/{job.id}/check-in", position=point(*site_of(job))),
        queued("a4", 30, f"/jobs/{job.id}/parts-used", part_id=day.filter_part.id, quantity=2),
        queued("a5", 20, f"/jobs/{job.id}/complete", resolution_code="replaced_filter"),
    ]


def counts(session):
    return (session.scalar(select(func.count()).select_from(WorkOrderEvent)),
            session.scalar(select(func.count()).select_from(StockMovement)))


def sync(client, phone, actions):
    response = client.post(f"{MOBILE}/sync", json={"actions": actions}, headers=phone)
    assert response.status_code == 200, response.json
    return response.json["results"]


def test_a_shuffled_batch_is_applied_in_device_time_order(client, session, day, phone):
    actions = morning(day)
    results = sync(client, phone, [actions[i] for i in (3, 0, 4, 2, 1)])
    assert [r["key"] for r in results] == ["a1", "a2", "a3", "a4", "a5"]
    assert [r["index"] for r in results] == [1, 4, 3, 0, 2]
    assert {r["outcome"] for r in results} == {"applied"}, results
    assert results[-1]["response"]["status"] == "resolved"
    assert results[2]["response"]["event"]["payload"]["within_geofence"] is True
    recorded = session.scalars(select(WorkOrderEvent.device_time).where(
        WorkOrderEvent.work_order_id == day.jobs[0].id, WorkOrderEvent.action.is_not(None),
        # The server's own entry (no rating link: the customer has no contact) has no device time.
        WorkOrderEvent.kind != EventKind.CUSTOMER_LINK)
        .order_by(WorkOrderEvent.id)).all()
    assert recorded == [datetime.fromisoformat(a["device_time"]) for a in actions]


def test_sending_the_batch_again_changes_nothing(client, session, day, phone):
    actions = morning(day)
    sync(client, phone, actions)
    before = counts(session)
    again = sync(client, phone, actions + actions)
    assert {r["outcome"] for r in again} == {"duplicate"}
    assert counts(session) == before


def test_an_action_sent_online_whose_answer_was_lost_is_a_duplicate(client, session, day, phone):
    actions = morning(day)
    first = actions[0]
    online = client.post(first["path"], json=first["body"], headers={**phone, "Idempotency-Key": first["key"]})
    assert online.status_code == 200
    results = sync(client, phone, actions)
    assert [r["outcome"] for r in results] == ["duplicate"] + ["applied"] * 4
    assert results[0]["response"] == online.json


def test_a_job_cancelled_while_offline_is_a_conflict_with_the_servers_state(client, session, day, phone, as_role):
    _, agent = as_role(Role.AGENT)
    cancelled, other = day.jobs
    assert client.post(f"/api/v1/work-orders/{cancelled.id}/cancel", json={"reason": "customer_request"},
                       headers=agent).status_code == 200
    results = sync(client, phone, morning(day) + [queued("b1", 10, f"/jobs/{other.id}/accept")])
    assert [r["outcome"] for r in results] == ["conflict"] * 5 + ["applied"]
    assert results[0]["http_status"] == 409 and results[0]["response"]["status"] == "invalid_transition"
    assert results[0]["job"]["status"] == "cancelled" and results[0]["job"]["assigned_to_you"] is True


def test_a_job_reassigned_while_offline_is_a_conflict_showing_it_is_no_longer_yours(client, session, day, phone,
                                                                                     as_role):
    _, dispatcher = as_role(Role.DISPATCHER)
    job = day.jobs[0]
    colleague = EngineerFactory()
    moved = client.post(f"/api/v1/work-orders/{job.id}/assign", headers=dispatcher, json={
        "engineer_id": colleague.id, "scheduled_start": job.scheduled_start.isoformat(), "override": True})
    assert moved.status_code == 200, moved.json
    results = sync(client, phone, morning(day)[:1])
    assert results[0]["outcome"] == "conflict" and results[0]["http_status"] == 403
    # The phone learns the job is gone from it, and nothing about the colleague's plans.
    assert results[0]["job"] == {"id": job.id, "assigned_to_you": False, "allowed_actions": []}


def test_invalid_actions_are_rejected_and_the_rest_applied(client, session, day, phone):
    job = day.jobs[0]
    actions = [queued("c1", 30, f"/jobs/{job.id}/accept", colour="red"),
               queued("c2", 20, f"/jobs/{job.id}/accept"),
               queued("c2", 10, f"/jobs/{job.id}/decline", reason="sick"),
               queued("c3", 5, "/no-such-thing")]
    results = sync(client, phone, actions)
    assert [r["outcome"] for r in results] == ["rejected", "applied", "rejected", "rejected"]
    assert results[0]["response"]["status"] == "validation_error"
    assert results[2]["response"]["status"] == "idempotency_key_reused"
    assert results[3]["http_status"] == 404


@pytest.mark.parametrize("body", [
    {},
    {"actions": []},
    {"actions": [{"key": "k", "device_time": "2026-01-01T00:00:00+08:00", "path": "/api/v1/work-orders"}]},
    {"actions": [{"key": "k", "device_time": "2026-01-01T00:00:00+08:00", "path": "/mobile/v1/sync"}]},
    {"actions": [{"key": "k", "device_time": "2026-01-01T00:00:00", "path": "/mobile/v1/van"}]},
    {"actions": [{"key": "", "device_time": "2026-01-01T00:00:00+08:00", "path": "/mobile/v1/van"}]},
    {"actions": [{"key": "k", "device_time": "2026-01-01T00:00:00+08:00", "path": "/mobile/v1/x", "extra": 1}]},
])
def test_a_malformed_batch_is_422_and_applies_nothing(client, session, day, phone, body):
    before = counts(session)
    response = client.post(f"{MOBILE}/sync", json=body, headers=phone)
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert counts(session) == before


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER, Role.WAREHOUSE, Role.CUSTOMER])
def test_only_field_roles_sync(client, as_role, day, role):
    _, headers = as_role(role)
    response = client.post(f"{MOBILE}/sync", json={"actions": morning(day)}, headers=headers)
    assert response.status_code == 403


def test_another_engineers_jobs_in_a_batch_are_refused(client, session, day, token_for):
    stranger = token_for(EngineerFactory().user)
    before = counts(session)
    results = sync(client, stranger, morning(day))
    assert {r["outcome"] for r in results} == {"conflict"}
    assert {r["http_status"] for r in results} == {403}
    assert all(r["job"]["assigned_to_you"] is False and "status" not in r["job"] for r in results)
    assert counts(session) == before
