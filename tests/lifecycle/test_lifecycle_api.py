"""Lifecycle actions, timeline, notes and attachments over HTTP."""
from datetime import datetime, timedelta, timezone

import pytest

from app.auth.models import Role
from app.geo import make_point
from tests.factories import ContactFactory, EngineerFactory, SiteFactory, UserFactory, WorkOrderFactory

START = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
OFFICE = (Role.MANAGER, Role.AGENT, Role.DISPATCHER, Role.WAREHOUSE, Role.CUSTOMER)


@pytest.fixture
def planned(as_role):
    """An order assigned to an engineer: (order_id, engineer_headers, dispatcher_headers)."""
    return _planned(as_role)


def _planned(as_role, token_for=None):
    site = SiteFactory(location=make_point(121.4737, 31.2304), geofence_radius_m=150)
    order = WorkOrderFactory(site=site, skills={"hvac": 1})
    engineer = EngineerFactory(skills={"hvac": 2})
    _, dispatcher = as_role(Role.DISPATCHER)
    return order.id, engineer, dispatcher


def post(client, order_id, action, headers, body=None):
    return client.post(f"/api/v1/work-orders/{order_id}/{action}", json=body or {}, headers=headers)


def test_visit_over_http_with_timeline(client, as_role, token_for, planned):
    order_id, engineer, dispatcher = planned
    me = token_for(engineer.user)
    engineer_id = engineer.id

    assigned = post(client, order_id, "assign", dispatcher,
                    {"engineer_id": engineer_id, "scheduled_start": START.isoformat()})
    assert assigned.status_code == 200, assigned.json
    assert assigned.json["status"] == "assigned"
    assert assigned.json["scheduled_engineer"]["id"] == engineer_id
    first_etag = assigned.headers["ETag"]

    device_time = (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat()
    assert post(client, order_id, "accept", me, {"device_time": device_time}).json["status"] == "accepted"
    assert post(client, order_id, "start-travel", me).json["status"] == "en_route"
    checked_in = post(client, order_id, "check-in", me,
                      {"position": {"type": "Point", "coordinates": [121.4737, 31.2309]}})
    assert checked_in.json["status"] == "on_site"
    assert checked_in.headers["ETag"] != first_etag
    assert post(client, order_id, "hold", me, {"reason": "waiting_parts"}).json["hold_reason"] == "waiting_parts"
    assert post(client, order_id, "resume", dispatcher).json["status"] == "on_site"
    resolved = post(client, order_id, "resolve", me, {"resolution_code": "replaced_part", "time_spent_min": 45})
    assert resolved.json["status"] == "resolved" and resolved.json["resolution_code"] == "replaced_part"
    _, agent = as_role(Role.AGENT)
    assert post(client, order_id, "request-feedback", agent).json["status"] == "awaiting_feedback"
    assert post(client, order_id, "close", agent).json["status"] == "closed"

    timeline = client.get(f"/api/v1/work-orders/{order_id}/timeline", headers=dispatcher)
    assert timeline.status_code == 200
    changes = [(e["action"], e["from_status"], e["to_status"]) for e in timeline.json if e["kind"] == "status_changed"]
    assert changes == [
        ("assign", "new", "assigned"), ("accept", "assigned", "accepted"), ("start_travel", "accepted", "en_route"),
        ("check_in", "en_route", "on_site"), ("hold", "on_site", "on_hold"), ("resume", "on_hold", "on_site"),
        ("resolve", "on_site", "resolved"), ("request_feedback", "resolved", "awaiting_feedback"),
        ("close", "awaiting_feedback", "closed")]
    accept = next(e for e in timeline.json if e["action"] == "accept")
    assert accept["device_time"] is not None and accept["actor"]["role"] == "engineer"
    check_in = next(e for e in timeline.json if e["action"] == "check_in")
    assert check_in["payload"]["within_geofence"] is True


def test_invalid_transition_is_409(client, planned):
    order_id, _, dispatcher = planned
    response = post(client, order_id, "resume", dispatcher)
    assert response.status_code == 409
    assert response.json["status"] == "invalid_transition"
    assert response.json["details"]["current_status"] == "new"


@pytest.mark.parametrize("role", OFFICE)
def test_office_roles_cannot_do_field_actions(client, as_role, planned, role):
    order_id, engineer, dispatcher = planned
    post(client, order_id, "assign", dispatcher, {"engineer_id": engineer.id, "scheduled_start": START.isoformat()})
    _, headers = as_role(role)
    response = post(client, order_id, "accept", headers)
    assert response.status_code == 403
    assert response.json["status"] == "forbidden"


@pytest.mark.parametrize("role", [Role.AGENT, Role.WAREHOUSE, Role.CUSTOMER, Role.ENGINEER, Role.PARTNER_ENGINEER])
def test_only_dispatchers_and_managers_assign(client, as_role, planned, role):
    order_id, engineer, _ = planned
    _, headers = as_role(role)
    response = post(client, order_id, "assign", headers,
                    {"engineer_id": engineer.id, "scheduled_start": START.isoformat()})
    assert response.status_code == 403


def test_another_engineer_cannot_see_or_act_on_the_order(client, token_for, planned):
    order_id, engineer, dispatcher = planned
    post(client, order_id, "assign", dispatcher, {"engineer_id": engineer.id, "scheduled_start": START.isoformat()})
    stranger = EngineerFactory(skills={"hvac": 3})
    response = post(client, order_id, "accept", token_for(stranger.user))
    assert response.status_code == 404 and response.json["status"] == "not_found"


@pytest.mark.parametrize("action,body,field", [
    ("assign", {"engineer_id": "one", "scheduled_start": START.isoformat()}, "engineer_id"),
    ("assign", {"engineer_id": 1, "scheduled_start": "2026-11-23T10:00:00"}, "scheduled_start"),
    ("assign", {"engineer_id": 1}, "scheduled_start"),
    ("hold", {"reason": "bored"}, "reason"),
    ("cancel", {}, "reason"),
    ("check-in", {"position": {"type": "Point", "coordinates": [200, 31]}}, "position"),
    ("check-in", {"position": {"type": "Point", "coordinates": [121]}}, "position"),
    ("resolve", {"resolution_code": "Fixed It!"}, "resolution_code"),
    ("accept", {"device_time": "yesterday"}, "device_time"),
    ("close", {"comment": "ok", "rating": 5}, "rating"),
])
def test_bad_bodies_are_422(client, as_role, planned, action, body, field):
    order_id, _, _ = planned
    _, admin = as_role(Role.ADMIN)
    response = post(client, order_id, action, admin, body)
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"
    assert field in response.json["errors"]["json"]


def test_assign_unknown_engineer_is_404_and_skill_mismatch_is_422(client, planned):
    order_id, _, dispatcher = planned
    response = post(client, order_id, "assign", dispatcher, {"engineer_id": 999999, "scheduled_start": START.isoformat()})
    assert response.status_code == 404
    novice = EngineerFactory(skills={"electrical": 3})
    response = post(client, order_id, "assign", dispatcher, {"engineer_id": novice.id, "scheduled_start": START.isoformat()})
    assert response.status_code == 422 and response.json["status"] == "skill_mismatch"
    assert response.json["details"]["missing"] == [{"skill": "hvac", "level": 1}]


def test_unknown_order_is_404(client, as_role):
    _, dispatcher = as_role(Role.DISPATCHER)
    assert post(client, 999999, "cancel", dispatcher, {"reason": "duplicate"}).status_code == 404
    assert client.get("/api/v1/work-orders/999999/timeline", headers=dispatcher).status_code == 404


def test_customer_sees_own_orders_timeline_and_comments_only(client, as_role, token_for):
    contact = ContactFactory()
    customer_user = UserFactory(role=Role.CUSTOMER)
    contact.user = customer_user
    own = WorkOrderFactory(site=SiteFactory(customer=contact.customer))
    foreign = WorkOrderFactory()
    own_id, foreign_id = own.id, foreign.id
    me = token_for(customer_user)
    _, agent = as_role(Role.AGENT)

    client.post(f"/api/v1/work-orders/{own_id}/notes", headers=agent, json={"body": "VIP, call first"})
    comment = client.post(f"/api/v1/work-orders/{own_id}/notes", headers=agent,
                          json={"body": "We will come at 10", "visibility": "customer"})
    assert comment.status_code == 201
    notes = client.get(f"/api/v1/work-orders/{own_id}/notes", headers=me)
    assert [n["body"] for n in notes.json] == ["We will come at 10"]
    assert client.get(f"/api/v1/work-orders/{foreign_id}/timeline", headers=me).status_code == 404
    refused = client.post(f"/api/v1/work-orders/{own_id}/notes", headers=me,
                          json={"body": "secret", "visibility": "internal"})
    assert refused.status_code == 422
    assert client.post(f"/api/v1/work-orders/{own_id}/cancel", headers=me,
                       json={"reason": "customer_request"}).json["status"] == "cancelled"


def test_note_mentions_and_attachment_metadata(client, as_role):
    order_id = WorkOrderFactory().id
    colleague = UserFactory(role=Role.DISPATCHER, username="zhang.wei")
    colleague_id = colleague.id
    _, agent = as_role(Role.AGENT)
    note = client.post(f"/api/v1/work-orders/{order_id}/notes", headers=agent,
                       json={"body": "@zhang.wei customer prefers mornings"})
    assert note.status_code == 201
    assert [m["id"] for m in note.json["mentions"]] == [colleague_id]
    attachment = client.post(f"/api/v1/work-orders/{order_id}/attachments", headers=agent, json={
        "filename": "nameplate.jpg", "content_type": "image/jpeg", "size_bytes": 123456,
        "storage_key": "orders/1/nameplate.jpg"})
    assert attachment.status_code == 201 and attachment.json["visibility"] == "internal"
    too_big = client.post(f"/api/v1/work-orders/{order_id}/attachments", headers=agent, json={
        "filename": "x.mp4", "content_type": "video/mp4", "size_bytes": 10**9, "storage_key": "k"})
    assert too_big.status_code == 422
    _, warehouse = as_role(Role.WAREHOUSE)
    assert client.get(f"/api/v1/work-orders/{order_id}/notes", headers=warehouse).status_code == 403
