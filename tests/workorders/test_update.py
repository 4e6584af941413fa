"""PATCH /api/v1/work-orders/{id}: edits guarded by ETag / If-Match."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.workorders.models import EventKind, Status, WorkOrder, WorkOrderEvent
from tests.factories import AssetFactory, SiteFactory, SkillFactory, WorkOrderFactory

URL = "/api/v1/work-orders"
TOMORROW = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=1, minute=0, second=0, microsecond=0)


@pytest.fixture
def order():
    return WorkOrderFactory(description="Unit blows warm air.")


def tag_of(client, headers, order_id) -> str:
    return client.get(f"{URL}/{order_id}", headers=headers).headers["ETag"]


def updated_events(session, order_id):
    return session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.kind == EventKind.UPDATED)).all()


def test_an_edit_with_the_current_tag_changes_the_order_and_is_recorded(client, as_role, session, order):
    _, headers = as_role(Role.AGENT)
    tag = tag_of(client, headers, order.id)
    window = {"start": TOMORROW.isoformat(), "end": (TOMORROW + timedelta(hours=2)).isoformat()}
    answer = client.patch(f"{URL}/{order.id}", headers={**headers, "If-Match": tag},
                          json={"priority": "urgent", "description": "Server room at 31 °C", "window": window})
    assert answer.status_code == 200, answer.json
    assert answer.headers["ETag"] != tag
    assert answer.json["priority"] == "urgent" and answer.json["description"] == "Server room at 31 °C"
    [event] = updated_events(session, order.id)
    assert event.payload["changes"]["priority"] == {"old": "normal", "new": "urgent"}
    assert event.payload["changes"]["description"]["old"] == "Unit blows warm air."
    assert set(event.payload["changes"]) == {"priority", "description", "window"}


def test_sending_the_same_values_changes_nothing(client, as_role, session, order):
    _, headers = as_role(Role.AGENT)
    tag = tag_of(client, headers, order.id)
    answer = client.patch(f"{URL}/{order.id}", headers={**headers, "If-Match": tag},
                          json={"priority": "normal"})
    assert answer.status_code == 200
    assert answer.headers["ETag"] == tag
    assert updated_events(session, order.id) == []


def test_without_if_match_the_edit_is_refused_with_428(client, as_role, session, order):
    _, headers = as_role(Role.AGENT)
    answer = client.patch(f"{URL}/{order.id}", headers=headers, json={"priority": "high"})
    assert answer.status_code == 428 and answer.json["status"] == "precondition_required"
    session.expire_all()
    assert session.get(WorkOrder, order.id).priority.value == "normal"


def test_a_stale_tag_is_refused_with_412(client, as_role, session, order):
    _, headers = as_role(Role.AGENT)
    stale = tag_of(client, headers, order.id)
    first = client.patch(f"{URL}/{order.id}", headers={**headers, "If-Match": stale}, json={"priority": "high"})
    assert first.status_code == 200
    second = client.patch(f"{URL}/{order.id}", headers={**headers, "If-Match": stale}, json={"priority": "low"})
    assert second.status_code == 412 and second.json["status"] == "precondition_failed"
    session.expire_all()
    assert session.get(WorkOrder, order.id).priority.value == "high"


@pytest.mark.parametrize("body", [{}, {"status": "closed"}, {"scheduled_engineer_id": 1}, {"colour": "red"},
                                  {"priority": "whenever"}, {"estimated_duration_min": -5},
                                  {"window": {"start": "2026-11-30T09:00:00+08:00",
                                              "end": "2026-11-30T08:00:00+08:00"}},
                                  {"window": {"start": "2026-11-30T09:00:00", "end": "2026-11-30T10:00:00"}}])
def test_bad_bodies_are_422(client, as_role, order, body):
    _, headers = as_role(Role.AGENT)
    answer = client.patch(f"{URL}/{order.id}", headers={**headers, "If-Match": tag_of(client, headers, order.id)},
                          json=body)
    assert answer.status_code == 422, answer.json
    assert answer.json["status"] == "validation_error"


def test_null_clears_the_window_and_skills_are_replaced(client, as_role, order):
    SkillFactory(code="electrical")
    _, headers = as_role(Role.DISPATCHER)
    answer = client.patch(f"{URL}/{order.id}", headers={**headers, "If-Match": tag_of(client, headers, order.id)},
                          json={"window": None, "required_skills": [{"skill": "electrical", "level": 2}]})
    assert answer.status_code == 200, answer.json
    assert answer.json["window"] is None
    assert answer.json["required_skills"] == [{"skill": "electrical", "level": 2}]


def test_unknown_skills_and_assets_are_refused(client, as_role, order):
    _, headers = as_role(Role.AGENT)
    url, tag = f"{URL}/{order.id}", tag_of(client, headers, order.id)
    skill = client.patch(url, headers={**headers, "If-Match": tag},
                         json={"required_skills": [{"skill": "alchemy", "level": 1}]})
    assert skill.status_code == 422 and skill.json["status"] == "unknown_skill"
    elsewhere = AssetFactory(site=SiteFactory(customer=order.customer))
    mismatch = client.patch(url, headers={**headers, "If-Match": tag}, json={"asset_id": elsewhere.id})
    assert mismatch.status_code == 422 and mismatch.json["status"] == "asset_mismatch"
    missing = client.patch(url, headers={**headers, "If-Match": tag}, json={"asset_id": 999999})
    assert missing.status_code == 404 and missing.json["status"] == "not_found"


def test_a_new_work_type_checks_the_custom_fields_of_its_template(client, as_role, repair_template):
    order = WorkOrderFactory(work_type="installation")
    _, headers = as_role(Role.AGENT)
    answer = client.patch(f"{URL}/{order.id}", headers={**headers, "If-Match": tag_of(client, headers, order.id)},
                          json={"work_type": "repair"})
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"
    assert {"floor", "symptom"} <= set(answer.json["errors"]["custom_fields"])


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_closed_orders_are_not_edited(client, as_role, status):
    order = WorkOrderFactory(status=status)
    _, headers = as_role(Role.MANAGER)
    answer = client.patch(f"{URL}/{order.id}", headers={**headers, "If-Match": tag_of(client, headers, order.id)},
                          json={"priority": "high"})
    assert answer.status_code == 409 and answer.json["status"] == "order_closed"


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.PARTNER_ENGINEER, Role.WAREHOUSE, Role.CUSTOMER])
def test_roles_that_may_not_edit(client, as_role, order, role):
    _, headers = as_role(role)
    answer = client.patch(f"{URL}/{order.id}", headers={**headers, "If-Match": '"anything"'},
                          json={"priority": "high"})
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"


def test_unknown_orders_are_404(client, as_role):
    _, headers = as_role(Role.AGENT)
    answer = client.patch(f"{URL}/999999", headers={**headers, "If-Match": '"x"'}, json={"priority": "high"})
    assert answer.status_code == 404 and answer.json["status"] == "not_found"
