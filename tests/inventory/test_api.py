"""The inventory API: roles, bad input, idempotent movements."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from inventory import queries, service
from inventory.models import LocationKind, StockMovement
from tests.factories import UserFactory, WorkOrderFactory

API = "/api/v1/inventory"


@pytest.fixture
def stocked(session):
    keeper = UserFactory(role=Role.WAREHOUSE)
    part = service.create_part(session, sku="FLT-9", name="Air filter", unit_cost_cents=300)
    warehouse = service.create_location(session, kind=LocationKind.WAREHOUSE, name="Minhang DC")
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=5, unit_cost_cents=300)
    return part, warehouse


def movements(session) -> int:
    return session.scalar(select(func.count()).select_from(StockMovement))


def test_a_warehouse_user_builds_the_catalogue_and_receives_stock(client, as_role, session):
    _, headers = as_role(Role.WAREHOUSE)
    part = client.post(f"{API}/parts", headers=headers, json={"sku": "VLV-2", "name": "Expansion valve",
                                                              "unit_cost_cents": 4500, "compatible_models": ["VRV IV"]})
    assert part.status_code == 201, part.json
    place = client.post(f"{API}/locations", headers=headers, json={
        "kind": "warehouse", "name": "Baoshan DC", "location": {"type": "Point", "coordinates": [121.49, 31.40]}})
    assert place.status_code == 201, place.json
    received = client.post(f"{API}/receipts", headers=headers, json={
        "part_id": part.json["id"], "location_id": place.json["id"], "quantity": 4, "unit_cost_cents": 4400})
    assert received.status_code == 201 and received.json["kind"] == "receipt"
    levels = client.get(f"{API}/levels?part_id={part.json['id']}", headers=headers).json
    assert levels == [{"part_id": part.json["id"], "sku": "VLV-2", "part_name": "Expansion valve", "unit": "pcs",
                       "serial_tracked": False, "location_id": place.json["id"], "location_name": "Baoshan DC",
                       "location_kind": "warehouse", "on_hand": 4, "reserved": 0, "available": 4,
                       "average_cost_cents": 4400, "minimum": None, "reorder_quantity": None, "low": False}]
    found = client.get(f"{API}/parts?q=vrv", headers=headers).json
    assert [p["sku"] for p in found] == ["VLV-2"]


def test_the_parts_of_an_order_show_what_is_still_reserved_for_it(client, as_role, stocked, session):
    part, warehouse = stocked
    other = service.create_part(session, sku="BLT-1", name="Fan belt", unit_cost_cents=900)
    service.receive(session, actor=UserFactory(role=Role.WAREHOUSE), part_id=other.id, location_id=warehouse.id,
                    quantity=2, unit_cost_cents=900)
    order = WorkOrderFactory()
    ids = {"work_order_id": order.id, "location_id": warehouse.id}
    _, headers = as_role(Role.DISPATCHER)
    for body in ({"part_id": part.id, "quantity": 3}, {"part_id": other.id, "quantity": 1}):
        assert client.post(f"{API}/reservations", headers=headers, json={**ids, **body}).status_code == 201
    assert client.post(f"{API}/issues", headers=headers,
                       json={**ids, "part_id": part.id, "quantity": 1}).status_code == 201
    _, agent = as_role(Role.AGENT)
    lines = client.get(f"{API}/work-orders/{order.id}/parts-cost", headers=agent).json["lines"]
    # The issue used one of the three reserved filters; the belt is only reserved, never used.
    assert [(line["sku"], line["issued"], line["reserved"], line["cost_cents"]) for line in lines] == [
        ("BLT-1", 0, 1, 0), ("FLT-9", 1, 2, 300)]


def test_issue_then_the_order_shows_its_parts_cost(client, as_role, stocked):
    part, warehouse = stocked
    order = WorkOrderFactory()
    _, headers = as_role(Role.DISPATCHER)
    issued = client.post(f"{API}/issues", headers=headers, json={"part_id": part.id, "location_id": warehouse.id,
                                                                 "work_order_id": order.id, "quantity": 2})
    assert issued.status_code == 201, issued.json
    cost = client.get(f"{API}/work-orders/{order.id}/parts-cost", headers=headers).json
    assert cost == {"work_order_id": order.id, "parts_cost_cents": 600, "lines": [
        {"part_id": part.id, "sku": "FLT-9", "name": "Air filter", "unit": "pcs", "issued": 2, "returned": 0,
         "cost_cents": 600, "reserved": 0}]}
    too_many = client.post(f"{API}/issues", headers=headers, json={"part_id": part.id, "location_id": warehouse.id,
                                                                   "work_order_id": order.id, "quantity": 4})
    assert too_many.status_code == 409 and too_many.json["status"] == "insufficient_stock"


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.PARTNER_ENGINEER, Role.CUSTOMER, Role.AGENT])
def test_roles_that_may_not_move_stock(client, as_role, stocked, role):
    part, warehouse = stocked
    _, headers = as_role(role)
    answer = client.post(f"{API}/receipts", headers=headers, json={
        "part_id": part.id, "location_id": warehouse.id, "quantity": 1, "unit_cost_cents": 1})
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"


@pytest.mark.parametrize("change, status", [
    ({"quantity": 0}, 422), ({"quantity": -3}, 422), ({"quantity": 10**9}, 422), ({"quantity": 1.5}, 422),
    ({"quantity": "2"}, 422), ({"part_id": 999999}, 404), ({"location_id": 999999}, 404),
    ({"work_order_id": 999999}, 404), ({"colour": "red"}, 422)])
def test_bad_issues_are_refused_and_change_nothing(client, as_role, session, stocked, change, status):
    part, warehouse = stocked
    before = movements(session)
    _, headers = as_role(Role.WAREHOUSE)
    body = {"part_id": part.id, "location_id": warehouse.id, "work_order_id": WorkOrderFactory().id, "quantity": 1,
            **change}
    answer = client.post(f"{API}/issues", headers=headers, json=body)
    assert answer.status_code == status, answer.json
    assert answer.json["status"] in {"validation_error", "not_found"}
    assert movements(session) == before


def test_a_retried_issue_never_issues_twice(client, as_role, session, stocked):
    part, warehouse = stocked
    order = WorkOrderFactory()
    _, headers = as_role(Role.WAREHOUSE)
    body = {"part_id": part.id, "location_id": warehouse.id, "work_order_id": order.id, "quantity": 1}
    keyed = {**headers, "Idempotency-Key": "phone-7f3a"}
    first = client.post(f"{API}/issues", headers=keyed, json=body)
    again = client.post(f"{API}/issues", headers=keyed, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(StockMovement)
                          .where(StockMovement.work_order_id == order.id)) == 1
    other = client.post(f"{API}/issues", headers=keyed, json={**body, "quantity": 2})
    assert other.status_code == 422 and other.json["status"] == "idempotency_key_reused"


def test_a_failed_keyed_request_can_be_retried(client, as_role, session, stocked):
    part, warehouse = stocked
    order = WorkOrderFactory()
    _, headers = as_role(Role.WAREHOUSE)
    keyed = {**headers, "Idempotency-Key": "retry-me"}
    body = {"part_id": part.id, "location_id": warehouse.id, "work_order_id": order.id, "quantity": 9}
    assert client.post(f"{API}/issues", headers=keyed, json=body).status_code == 409
    # Nothing happened, so nothing was remembered: the same request is judged again.
    assert client.post(f"{API}/issues", headers=keyed, json=body).status_code == 409


def test_reserve_return_count_and_reconcile_over_http(client, as_role, app, session, stocked):
    part, warehouse = stocked
    returns = service.create_location(session, kind=LocationKind.RETURNS, name="Returns")
    order = WorkOrderFactory()
    _, dispatcher = as_role(Role.DISPATCHER)
    _, keeper = as_role(Role.WAREHOUSE)
    ids = {"part_id": part.id, "work_order_id": order.id}
    assert client.post(f"{API}/reservations", headers=dispatcher,
                       json={**ids, "location_id": warehouse.id, "quantity": 2}).status_code == 201
    assert client.post(f"{API}/issues", headers=dispatcher,
                       json={**ids, "location_id": warehouse.id, "quantity": 2}).status_code == 201
    back = client.post(f"{API}/returns", headers=keeper,
                       json={**ids, "to_location_id": returns.id, "quantity": 1, "defective": True})
    assert back.status_code == 201, back.json
    counted = client.post(f"{API}/adjustments", headers=keeper,
                          json={"part_id": part.id, "location_id": warehouse.id, "counted": 2, "reason": "count"})
    assert counted.status_code == 200 and counted.json["on_hand"] == 2
    assert client.get(f"{API}/work-orders/{order.id}/parts-cost", headers=keeper).json["parts_cost_cents"] == 300
    result = app.test_cli_runner().invoke(args=["inventory", "reconcile"])
    assert result.exit_code == 0 and "agree" in result.output


def test_low_stock_lists_parts_below_their_reorder_point(client, as_role, stocked):
    part, warehouse = stocked
    _, keeper = as_role(Role.WAREHOUSE)
    point = {"part_id": part.id, "location_id": warehouse.id, "minimum": 6, "reorder_quantity": 20}
    assert client.put(f"{API}/reorder-points", headers=keeper, json=point).status_code == 200
    low = client.get(f"{API}/low-stock", headers=keeper).json
    assert low == [{"part_id": part.id, "sku": "FLT-9", "location_id": warehouse.id, "location": "Minhang DC",
                    "available": 5, "minimum": 6, "reorder_quantity": 20}]
    assert client.put(f"{API}/reorder-points", headers=keeper, json={**point, "minimum": 5}).status_code == 200
    assert client.get(f"{API}/low-stock", headers=keeper).json == []
    assert client.put(f"{API}/reorder-points", headers=keeper, json={**point, "minimum": -1}).status_code == 422


def test_availability_lists_nearby_stock_for_an_order(client, as_role, session):
    from app.geo import make_point
    from tests.factories import EngineerFactory, SiteFactory

    keeper = UserFactory(role=Role.WAREHOUSE)
    part = service.create_part(session, sku="BLT-1", name="Belt")
    far = service.create_location(session, kind=LocationKind.WAREHOUSE, name="Far DC", location=(121.20, 31.00))
    engineer = EngineerFactory(home_base=make_point(121.48, 31.23))
    van = service.create_location(session, kind=LocationKind.VAN, name="Van 7", engineer_id=engineer.id)
    empty = service.create_location(session, kind=LocationKind.WAREHOUSE, name="Empty DC", location=(121.47, 31.23))
    for location in (far, van):
        service.receive(session, actor=keeper, part_id=part.id, location_id=location.id, quantity=2,
                        unit_cost_cents=100)
    service.receive(session, actor=keeper, part_id=part.id, location_id=empty.id, quantity=1, unit_cost_cents=100)
    order = WorkOrderFactory(site=SiteFactory(location=make_point(121.4737, 31.2304)))
    _, dispatcher = as_role(Role.DISPATCHER)
    found = client.get(f"{API}/availability?work_order_id={order.id}&part_id={part.id}&quantity=2",
                       headers=dispatcher).json
    assert [row["name"] for row in found] == ["Van 7", "Far DC"]
    assert found[0]["distance_m"] < found[1]["distance_m"] and found[0]["engineer_id"] == engineer.id
    _, engineer_headers = as_role(Role.ENGINEER)
    assert client.get(f"{API}/availability?work_order_id={order.id}&part_id={part.id}",
                      headers=engineer_headers).status_code == 403


def test_cancelling_an_order_frees_what_it_had_reserved(client, as_role, session, stocked):
    part, warehouse = stocked
    order = WorkOrderFactory()
    _, dispatcher = as_role(Role.DISPATCHER)
    reserve = {"part_id": part.id, "location_id": warehouse.id, "work_order_id": order.id, "quantity": 3}
    assert client.post(f"{API}/reservations", headers=dispatcher, json=reserve).status_code == 201
    level = client.get(f"{API}/levels?part_id={part.id}", headers=dispatcher).json[0]
    assert (level["reserved"], level["available"]) == (3, 2)
    cancelled = client.post(f"/api/v1/work-orders/{order.id}/cancel", headers=dispatcher,
                            json={"reason": "duplicate"})
    assert cancelled.status_code == 200, cancelled.json
    level = client.get(f"{API}/levels?part_id={part.id}", headers=dispatcher).json[0]
    assert (level["reserved"], level["available"]) == (0, 5)
    released = session.scalars(select(StockMovement).where(StockMovement.work_order_id == order.id)
                               .order_by(StockMovement.id)).all()
    assert [(m.kind.value, m.quantity, m.note) for m in released] == [("reserve", 3, None),
                                                                      ("release", 3, "order cancelled")]
    assert queries.reconcile(session) == []


def test_the_ledger_and_the_reconciliation_over_http(client, as_role, stocked):
    part, warehouse = stocked
    order = WorkOrderFactory()
    _, keeper = as_role(Role.WAREHOUSE)
    client.post(f"{API}/issues", headers=keeper, json={"part_id": part.id, "location_id": warehouse.id,
                                                       "work_order_id": order.id, "quantity": 1})
    ledger = client.get(f"{API}/movements?part_id={part.id}", headers=keeper).json
    assert [m["kind"] for m in ledger] == ["issue", "receipt"]   # newest first
    assert [m["kind"] for m in client.get(f"{API}/movements?work_order_id={order.id}", headers=keeper).json] == ["issue"]
    assert client.get(f"{API}/movements?kind=teleport", headers=keeper).status_code == 422
    assert client.get(f"{API}/reconciliation", headers=keeper).json == {"consistent": True, "differences": []}
    _, dispatcher = as_role(Role.DISPATCHER)
    assert client.get(f"{API}/reconciliation", headers=dispatcher).status_code == 403
