"""Part requests over HTTP: an engineer or dispatcher asks, the warehouse picks and sends
to the van or says when; an order waiting for parts goes on hold and comes back."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.workorders.models import EventKind, Status, WorkOrderEvent
from inventory import queries, service
from inventory.models import LocationKind, PartRequest, StockLevel
from tests.factories import EngineerFactory, UserFactory, WorkOrderFactory

API = "/api/v1/inventory"
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture
def desk(session, token_for):
    """A warehouse with 4 compressors, an engineer with a van and an order assigned to them."""
    keeper = UserFactory(role=Role.WAREHOUSE)
    part = service.create_part(session, sku="CMP-3", name="Compressor", unit_cost_cents=90000)
    warehouse = service.create_location(session, kind=LocationKind.WAREHOUSE, name="Jiading DC")
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=4,
                    unit_cost_cents=90000)
    engineer = EngineerFactory()
    van = service.create_location(session, kind=LocationKind.VAN, name="Van 3", engineer_id=engineer.id)
    order = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=engineer)
    return {"part": part, "warehouse": warehouse, "van": van, "order": order, "engineer": engineer,
            "keeper": token_for(keeper), "field": token_for(engineer.user)}


def ask(client, desk, headers=None, **body):
    return client.post(f"{API}/part-requests", headers=headers or desk["field"],
                       json={"work_order_id": desk["order"].id, "part_id": desk["part"].id, "quantity": 2, **body})


def parts_events(session, order) -> list[str]:
    return list(session.scalars(select(WorkOrderEvent.action).where(
        WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == EventKind.PARTS).order_by(WorkOrderEvent.id)))


def test_an_engineer_asks_and_the_warehouse_sends_to_the_van(client, session, desk):
    asked = ask(client, desk)
    assert asked.status_code == 201, asked.json
    assert (asked.json["status"], asked.json["to_location_id"], asked.json["sku"]) == ("open", desk["van"].id, "CMP-3")
    queue = client.get(f"{API}/part-requests", headers=desk["keeper"]).json
    assert [r["id"] for r in queue] == [asked.json["id"]]

    request_id = asked.json["id"]
    picked = client.post(f"{API}/part-requests/{request_id}/pick", headers=desk["keeper"], json={})
    assert picked.status_code == 200 and picked.json["status"] == "picking"
    sent = client.post(f"{API}/part-requests/{request_id}/fulfil", headers=desk["keeper"],
                       json={"from_location_id": desk["warehouse"].id})
    assert sent.status_code == 200, sent.json
    assert sent.json["status"] == "fulfilled" and sent.json["fulfilled_at"]
    van_level = session.get(StockLevel, (desk["part"].id, desk["van"].id), populate_existing=True)
    assert (van_level.on_hand, van_level.reserved) == (2, 2)   # in the van, set aside for this order
    assert client.get(f"{API}/part-requests", headers=desk["keeper"]).json == []
    assert parts_events(session, desk["order"]) == ["parts_requested", "parts_ready"]

    # On site, the engineer uses them from the van: the reservation is consumed.
    used = client.post(f"{API}/issues", headers=desk["field"], json={
        "part_id": desk["part"].id, "location_id": desk["van"].id, "work_order_id": desk["order"].id, "quantity": 2})
    assert used.status_code == 201, used.json
    van_level = session.get(StockLevel, (desk["part"].id, desk["van"].id), populate_existing=True)
    assert (van_level.on_hand, van_level.reserved) == (0, 0)
    assert queries.parts_cost_of_order(session, desk["order"].id) == 180000
    assert queries.reconcile(session) == []


def test_unavailable_parts_hold_the_order_until_they_are_sent(client, session, desk):
    request_id = ask(client, desk, quantity=6).json["id"]   # more than the warehouse has
    short = client.post(f"{API}/part-requests/{request_id}/fulfil", headers=desk["keeper"],
                        json={"from_location_id": desk["warehouse"].id})
    assert short.status_code == 409 and short.json["status"] == "insufficient_stock"

    waiting = client.post(f"{API}/part-requests/{request_id}/unavailable", headers=desk["keeper"],
                          json={"expected_date": TOMORROW, "hold_order": True})
    assert waiting.status_code == 200, waiting.json
    assert (waiting.json["status"], waiting.json["expected_date"], waiting.json["held_order"]) == \
        ("unavailable", TOMORROW, True)
    order = client.get(f"/api/v1/work-orders/{desk['order'].id}", headers=desk["keeper"]).json
    assert (order["status"], order["hold_reason"]) == ("on_hold", "waiting_parts")

    keeper = UserFactory(role=Role.WAREHOUSE)
    service.receive(session, actor=keeper, part_id=desk["part"].id, location_id=desk["warehouse"].id, quantity=2,
                    unit_cost_cents=90000)
    sent = client.post(f"{API}/part-requests/{request_id}/fulfil", headers=desk["keeper"],
                       json={"from_location_id": desk["warehouse"].id})
    assert sent.status_code == 200, sent.json
    order = client.get(f"/api/v1/work-orders/{desk['order'].id}", headers=desk["keeper"]).json
    assert (order["status"], order["hold_reason"]) == ("assigned", None)
    timeline = client.get(f"/api/v1/work-orders/{desk['order'].id}/timeline", headers=desk["keeper"]).json
    holds = [e for e in timeline if e["action"] in ("hold", "resume")]
    assert [(e["action"], e["payload"]["via"]) for e in holds] == [("hold", "part_request"), ("resume", "part_request")]


def test_a_cancelled_order_withdraws_its_requests(client, session, desk, as_role):
    request_id = ask(client, desk).json["id"]
    _, agent = as_role(Role.AGENT)
    cancelled = client.post(f"/api/v1/work-orders/{desk['order'].id}/cancel", headers=agent,
                            json={"reason": "customer_request"})
    assert cancelled.status_code == 200, cancelled.json
    assert session.get(PartRequest, request_id, populate_existing=True).status.value == "cancelled"
    late = client.post(f"{API}/part-requests/{request_id}/fulfil", headers=desk["keeper"],
                       json={"from_location_id": desk["warehouse"].id})
    assert late.status_code == 409 and late.json["status"] == "conflict"


def test_two_pickers_do_not_pick_the_same_request(client, desk, token_for):
    request_id = ask(client, desk).json["id"]
    assert client.post(f"{API}/part-requests/{request_id}/pick", headers=desk["keeper"], json={}).status_code == 200
    other = token_for(UserFactory(role=Role.WAREHOUSE))
    again = client.post(f"{API}/part-requests/{request_id}/pick", headers=other, json={})
    assert again.status_code == 409 and again.json["status"] == "conflict"


def test_a_dispatcher_may_send_parts_elsewhere_an_engineer_only_to_their_van(client, desk, as_role, session):
    other_van = service.create_location(session, kind=LocationKind.VAN, name="Van 9",
                                        engineer_id=EngineerFactory().id).id
    refused = ask(client, desk, to_location_id=other_van)
    assert refused.status_code == 403 and refused.json["status"] == "forbidden"
    _, dispatcher = as_role(Role.DISPATCHER)
    allowed = ask(client, desk, headers=dispatcher, to_location_id=other_van)
    assert allowed.status_code == 201 and allowed.json["to_location_id"] == other_van


def test_an_engineer_sees_and_asks_only_for_their_own_orders(client, desk, session):
    stranger = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=EngineerFactory())
    answer = ask(client, desk, work_order_id=stranger.id)
    assert answer.status_code == 404
    ask(client, desk)
    mine = client.get(f"{API}/part-requests", headers=desk["field"]).json
    assert {r["work_order_id"] for r in mine} == {desk["order"].id}


def test_an_engineer_uses_parts_only_from_their_own_van(client, desk):
    from_warehouse = client.post(f"{API}/issues", headers=desk["field"], json={
        "part_id": desk["part"].id, "location_id": desk["warehouse"].id, "work_order_id": desk["order"].id,
        "quantity": 1})
    assert from_warehouse.status_code == 403
    van_stock = client.get(f"{API}/levels", headers=desk["field"])
    assert van_stock.status_code == 200
    assert client.get(f"{API}/levels?location_id={desk['warehouse'].id}", headers=desk["field"]).status_code == 403


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.AGENT, Role.ENGINEER, Role.CUSTOMER])
def test_only_the_warehouse_desk_fulfils(client, desk, as_role, role):
    request_id = ask(client, desk).json["id"]
    _, headers = as_role(role)
    answer = client.post(f"{API}/part-requests/{request_id}/fulfil", headers=headers,
                         json={"from_location_id": desk["warehouse"].id})
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"


@pytest.mark.parametrize("body, status", [
    ({"quantity": 0}, 422), ({"quantity": "two"}, 422), ({"part_id": 999999}, 404), ({"colour": "red"}, 422),
    ({"work_order_id": 999999}, 404)])
def test_bad_requests_are_refused(client, desk, session, body, status):
    answer = ask(client, desk, **body)
    assert answer.status_code == status, answer.json
    assert session.scalars(select(PartRequest)).all() == []


@pytest.mark.parametrize("body", [{"expected_date": "2020-01-01"}, {"expected_date": "soon"}, {},
                                  {"expected_date": TOMORROW, "hold": True}])
def test_bad_unavailability_is_refused(client, desk, body):
    request_id = ask(client, desk).json["id"]
    answer = client.post(f"{API}/part-requests/{request_id}/unavailable", headers=desk["keeper"], json=body)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"


def test_a_retried_fulfil_sends_once(client, session, desk):
    request_id = ask(client, desk).json["id"]
    headers = {**desk["keeper"], "Idempotency-Key": "fulfil-1"}
    first = client.post(f"{API}/part-requests/{request_id}/fulfil", headers=headers,
                        json={"from_location_id": desk["warehouse"].id})
    again = client.post(f"{API}/part-requests/{request_id}/fulfil", headers=headers,
                        json={"from_location_id": desk["warehouse"].id})
    assert first.status_code == again.status_code == 200 and first.json == again.json
    assert session.get(StockLevel, (desk["part"].id, desk["warehouse"].id), populate_existing=True).on_hand == 2
