"""What the agents' work-order pages ask of the API: each order's SLA at a glance, the
search's SLA filter and sort orders, the lifecycle actions the caller may take, and
ranges on a template's number fields."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.auth.models import Role
from app.db import utcnow
from sla.clock import ClockState, TargetKind
from sla.models import SlaClock
from sla.summary import SlaState, summarize
from tests.factories import (CustomerFactory, EngineerFactory, PartnerCompanyFactory, SiteFactory, UserFactory,
                             WorkOrderFactory)
from tests.workorders.conftest import order_body
from app.workorders.models import Priority, Status

URL = "/api/v1/work-orders"
NOW = datetime(2026, 11, 23, 8, tzinfo=timezone.utc)


def clock(session, order, kind: TargetKind, state: ClockState, deadline: datetime | None) -> SlaClock:
    row = SlaClock(work_order_id=order.id, kind=kind, target_minutes=240, business_time=True, state=state,
                   started_at=order.created_at, stopped_at=None if state is ClockState.RUNNING else deadline,
                   deadline=deadline, elapsed_s=0, paused_s=0, computed_at=utcnow())
    session.add(row)
    session.flush()
    return row


# --- the summary (pure) -----------------------------------------------------------------------

def _clock(kind, state, deadline):
    return SlaClock(kind=kind, state=state, deadline=deadline)


@pytest.mark.parametrize(("clocks", "state", "deadline"), [
    ([], SlaState.NONE, None),
    ([_clock(TargetKind.RESOLUTION, ClockState.CANCELLED, NOW)], SlaState.NONE, None),
    ([_clock(TargetKind.FIRST_RESPONSE, ClockState.MET, NOW - timedelta(hours=2)),
      _clock(TargetKind.RESOLUTION, ClockState.RUNNING, NOW + timedelta(hours=3)),
      _clock(TargetKind.ARRIVAL, ClockState.RUNNING, NOW + timedelta(hours=1))], SlaState.RUNNING, NOW + timedelta(hours=1)),
    ([_clock(TargetKind.ARRIVAL, ClockState.RUNNING, NOW - timedelta(minutes=1)),
      _clock(TargetKind.FIRST_RESPONSE, ClockState.BREACHED, NOW - timedelta(hours=5))],
     SlaState.OVERDUE, NOW - timedelta(minutes=1)),
    ([_clock(TargetKind.FIRST_RESPONSE, ClockState.BREACHED, NOW - timedelta(hours=5)),
      _clock(TargetKind.RESOLUTION, ClockState.RUNNING, NOW + timedelta(hours=5))],
     SlaState.BREACHED, NOW + timedelta(hours=5)),
    ([_clock(TargetKind.RESOLUTION, ClockState.PAUSED, None)], SlaState.PAUSED, None),
    ([_clock(TargetKind.FIRST_RESPONSE, ClockState.MET, NOW), _clock(TargetKind.RESOLUTION, ClockState.MET, NOW)],
     SlaState.MET, None),
])
def test_one_state_sums_up_an_orders_clocks(clocks, state, deadline):
    summary = summarize(clocks, NOW)
    assert (summary.state, summary.deadline) == (state, deadline)


# --- the search -------------------------------------------------------------------------------

def test_orders_carry_their_sla_and_the_search_finds_the_late_ones(client, as_role, session):
    now = utcnow()
    on_time, overdue, breached, uncovered = (WorkOrderFactory() for _ in range(4))
    clock(session, on_time, TargetKind.RESOLUTION, ClockState.RUNNING, now + timedelta(hours=4))
    clock(session, overdue, TargetKind.ARRIVAL, ClockState.RUNNING, now - timedelta(minutes=30))
    clock(session, breached, TargetKind.FIRST_RESPONSE, ClockState.BREACHED, now - timedelta(hours=1))
    ids = {name: order.id for name, order in
           (("on_time", on_time), ("overdue", overdue), ("breached", breached), ("uncovered", uncovered))}
    _, headers = as_role(Role.AGENT)

    listed = {order["id"]: order["sla"] for order in client.get(f"{URL}?page_size=100", headers=headers).json}
    assert listed[ids["on_time"]]["state"] == "running" and listed[ids["on_time"]]["kind"] == "resolution"
    assert listed[ids["overdue"]]["state"] == "overdue" and listed[ids["overdue"]]["kind"] == "arrival"
    assert listed[ids["breached"]] == {"state": "breached", "deadline": None, "kind": None}
    assert listed[ids["uncovered"]] == {"state": "none", "deadline": None, "kind": None}
    assert client.get(f"{URL}/{ids['overdue']}", headers=headers).json["sla"]["state"] == "overdue"

    def found(query):
        response = client.get(f"{URL}?page_size=100&{query}", headers=headers)
        assert response.status_code == 200, response.json
        return [order["id"] for order in response.json]

    assert found("sla=overdue") == [ids["overdue"]]
    assert sorted(found("sla=breached")) == sorted([ids["overdue"], ids["breached"]])
    # Nearest running deadline first; orders without one after them.
    by_deadline = found("sort=sla_deadline")
    assert by_deadline[:2] == [ids["overdue"], ids["on_time"]]


def test_the_search_sorts_by_number_schedule_age_and_status(client, as_role):
    first = WorkOrderFactory(number="WO-2026-100001", priority=Priority.LOW,
                             created_at=utcnow() - timedelta(days=2))
    second = WorkOrderFactory(number="WO-2026-100002", priority=Priority.URGENT, status=Status.ON_HOLD,
                              created_at=utcnow() - timedelta(days=1))
    first_id, second_id = first.id, second.id
    _, headers = as_role(Role.DISPATCHER)

    def order_of(sort):
        response = client.get(f"{URL}?page_size=100&q=WO-2026-10000&sort={sort}", headers=headers)
        assert response.status_code == 200, response.json
        return [order["id"] for order in response.json]

    assert order_of("priority") == [second_id, first_id]
    assert order_of("number") == [first_id, second_id]
    assert order_of("-number") == [second_id, first_id]
    assert order_of("-created_at") == [second_id, first_id]
    assert order_of("status") == [first_id, second_id]     # new comes before on_hold in the lifecycle


@pytest.mark.parametrize("query", ["sla=late", "sort=colour", "sort=-priority", "sla="])
def test_bad_sla_filters_and_sort_keys_are_refused(client, as_role, query):
    _, headers = as_role(Role.AGENT)
    response = client.get(f"{URL}?{query}", headers=headers)
    assert response.status_code == 422 and response.json["status"] == "validation_error"


# --- allowed actions --------------------------------------------------------------------------

def actions(client, headers, order_id):
    response = client.get(f"{URL}/{order_id}/allowed-actions", headers=headers)
    return response.status_code, response.json


def test_each_role_is_offered_the_actions_the_lifecycle_allows_it(client, as_role):
    new = WorkOrderFactory()
    engineer_user, engineer_headers = as_role(Role.ENGINEER)
    engineer = EngineerFactory(user=engineer_user)
    assigned = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=engineer,
                                scheduled_start=utcnow() + timedelta(hours=2),
                                scheduled_end=utcnow() + timedelta(hours=3))
    resolved = WorkOrderFactory(status=Status.RESOLVED)
    new_id, assigned_id, resolved_id = new.id, assigned.id, resolved.id

    _, agent = as_role(Role.AGENT)
    assert actions(client, agent, new_id) == (200, {"work_order_id": new_id, "status": "new",
                                                    "actions": ["hold", "cancel"]})
    assert actions(client, agent, resolved_id)[1]["actions"] == ["request_feedback", "close"]
    _, dispatcher = as_role(Role.DISPATCHER)
    assert actions(client, dispatcher, new_id)[1]["actions"] == ["assign", "hold", "cancel"]
    assert actions(client, dispatcher, resolved_id)[1]["actions"] == []
    _, admin = as_role(Role.ADMIN)
    assert "assign" in actions(client, admin, new_id)[1]["actions"]
    # The engineer on the job is offered the field actions; the warehouse sees the order, acts on nothing.
    assert actions(client, engineer_headers, assigned_id)[1]["actions"] == ["accept", "decline", "hold"]
    _, warehouse = as_role(Role.WAREHOUSE)
    assert actions(client, warehouse, assigned_id)[1]["actions"] == []


def test_actions_of_an_order_out_of_sight_are_not_told(client, as_role):
    company = PartnerCompanyFactory()
    _, partner = as_role(Role.PARTNER_ENGINEER, partner_company=company)
    colleague = EngineerFactory(partner_company=company,
                                user=UserFactory(role=Role.PARTNER_ENGINEER, partner_company=company))
    theirs = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=colleague,
                              scheduled_start=utcnow() + timedelta(hours=2),
                              scheduled_end=utcnow() + timedelta(hours=3))
    elsewhere = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=EngineerFactory(),
                                 scheduled_start=utcnow() + timedelta(hours=2),
                                 scheduled_end=utcnow() + timedelta(hours=3))
    theirs_id, elsewhere_id = theirs.id, elsewhere.id
    # A colleague's job of the same company is visible, but only its own engineer acts on it.
    assert actions(client, partner, theirs_id) == (200, {"work_order_id": theirs_id, "status": "assigned",
                                                         "actions": []})
    status, body = actions(client, partner, elsewhere_id)
    assert status == 404 and body["status"] == "not_found"
    _, engineer = as_role(Role.ENGINEER)
    assert actions(client, engineer, elsewhere_id)[0] == 404
    assert client.get(f"{URL}/{elsewhere_id}/allowed-actions").status_code == 401
    assert actions(client, partner, 999999)[0] == 404


# --- ranges on number fields ------------------------------------------------------------------

def test_number_fields_of_a_template_may_have_a_range(client, as_role):
    _, manager = as_role(Role.MANAGER)
    created = client.post("/api/v1/work-order-templates", headers=manager, json={
        "work_type": "installation", "name": "Install v2", "fields": [
            {"key": "units", "label": "Units", "kind": "number", "required": True, "min_value": 1, "max_value": 50},
            {"key": "floor", "label": "Floor", "kind": "number", "min_value": -5},
            {"key": "remarks", "label": "Remarks", "kind": "text"}]})
    assert created.status_code == 201, created.json
    fields = {field["key"]: field for field in created.json["fields"]}
    assert (fields["units"]["min_value"], fields["units"]["max_value"]) == (1, 50)
    assert fields["floor"]["min_value"] == -5 and "max_value" not in fields["floor"]
    assert "min_value" not in fields["remarks"]

    site = SiteFactory(customer=CustomerFactory())
    site_id, customer_id = site.id, site.customer_id
    _, agent = as_role(Role.AGENT)
    too_many = client.post(URL, headers=agent, json=order_body(site_id, customer_id,
                                                                custom_fields={"units": 51, "floor": -6}))
    assert too_many.status_code == 422 and too_many.json["status"] == "validation_error"
    assert too_many.json["errors"]["custom_fields"] == {"units": ["must be at most 50"],
                                                        "floor": ["must be at least -5"]}
    fine = client.post(URL, headers=agent, json=order_body(site_id, customer_id,
                                                           custom_fields={"units": 50, "floor": -5}))
    assert fine.status_code == 201, fine.json


@pytest.mark.parametrize(("field", "problem"), [
    ({"key": "note", "label": "Note", "kind": "text", "min_value": 1}, {"min_value": ["only number fields have a range"]}),
    ({"key": "units", "label": "Units", "kind": "number", "min_value": 5, "max_value": 1},
     {"max_value": ["must not be below min_value"]}),
])
def test_a_range_must_make_sense(client, as_role, field, problem):
    _, manager = as_role(Role.MANAGER)
    response = client.post("/api/v1/work-order-templates", headers=manager,
                           json={"work_type": "installation", "name": "Bad", "fields": [field]})
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert response.json["errors"]["fields"] == {"0": problem}


def test_a_range_is_not_a_number_is_refused_by_the_schema(client, as_role):
    _, manager = as_role(Role.MANAGER)
    response = client.post("/api/v1/work-order-templates", headers=manager, json={
        "work_type": "installation", "name": "Bad",
        "fields": [{"key": "units", "label": "Units", "kind": "number", "max_value": "lots"}]})
    assert response.status_code == 422 and response.json["status"] == "validation_error"
