"""What the warehouse desk reads from the inventory API: levels with their part, location
and reorder point (search, low stock), the serials in stock to choose from, and part
requests naming the engineer and the van."""
from __future__ import annotations

import pytest

from app.auth.models import Role
from app.workorders.models import Status
from inventory import service
from inventory.models import LocationKind
from tests.factories import EngineerFactory, UserFactory, WorkOrderFactory

API = "/api/v1/inventory"


@pytest.fixture
def shelves(session):
    """Two parts at a warehouse (one serial-tracked), a reorder point under water, a van."""
    keeper = UserFactory(role=Role.WAREHOUSE)
    filters = service.create_part(session, sku="FLT-9", name="Air filter", unit_cost_cents=300)
    board = service.create_part(session, sku="PCB-2", name="Inverter board", unit_cost_cents=90000,
                                serial_tracked=True)
    warehouse = service.create_location(session, kind=LocationKind.WAREHOUSE, name="Minhang DC")
    engineer = EngineerFactory()
    van = service.create_location(session, kind=LocationKind.VAN, name="Van 7", engineer_id=engineer.id)
    service.receive(session, actor=keeper, part_id=filters.id, location_id=warehouse.id, quantity=5,
                    unit_cost_cents=300)
    service.receive(session, actor=keeper, part_id=board.id, location_id=warehouse.id, quantity=3,
                    unit_cost_cents=90000, serials=["B-1", "B-2", "B-3"])
    service.transfer(session, actor=keeper, part_id=board.id, from_location_id=warehouse.id, to_location_id=van.id,
                     quantity=1, serials=["B-2"])
    service.set_reorder_point(session, part_id=filters.id, location_id=warehouse.id, minimum=6, reorder_quantity=20)
    service.set_reorder_point(session, part_id=board.id, location_id=warehouse.id, minimum=1, reorder_quantity=2)
    return {"filters": filters, "board": board, "warehouse": warehouse, "van": van, "engineer": engineer}


def test_levels_carry_part_location_and_reorder_point_and_flag_low_stock(client, as_role, shelves):
    _, headers = as_role(Role.WAREHOUSE)
    rows = client.get(f"{API}/levels", headers=headers,
                      query_string={"location_id": shelves["warehouse"].id}).json
    assert [(r["sku"], r["part_name"], r["location_name"], r["available"], r["minimum"], r["low"]) for r in rows] == [
        ("FLT-9", "Air filter", "Minhang DC", 5, 6, True), ("PCB-2", "Inverter board", "Minhang DC", 2, 1, False)]
    assert rows[1]["serial_tracked"] is True and rows[0]["reorder_quantity"] == 20
    low = client.get(f"{API}/levels", headers=headers, query_string={"low": "true"}).json
    assert [(r["sku"], r["location_id"]) for r in low] == [("FLT-9", shelves["warehouse"].id)]
    # The van has no reorder point: never low.
    not_low = client.get(f"{API}/levels", headers=headers, query_string={"low": "false"}).json
    assert sorted((r["sku"], r["location_name"]) for r in not_low) == [("PCB-2", "Minhang DC"), ("PCB-2", "Van 7")]
    found = client.get(f"{API}/levels", headers=headers, query_string={"q": "inverter"}).json
    assert {r["sku"] for r in found} == {"PCB-2"} and len(found) == 2


@pytest.mark.parametrize("query", [{"low": "maybe"}, {"q": ""}, {"location_id": 0}, {"q": "x" * 201}])
def test_bad_level_queries_are_422(client, as_role, shelves, query):
    _, headers = as_role(Role.WAREHOUSE)
    answer = client.get(f"{API}/levels", headers=headers, query_string=query)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"


def test_the_serials_in_stock_to_choose_from(client, as_role, shelves):
    _, headers = as_role(Role.WAREHOUSE)
    board, warehouse, van = shelves["board"], shelves["warehouse"], shelves["van"]
    here = client.get(f"{API}/serials", headers=headers, query_string={"part_id": board.id,
                                                                      "location_id": warehouse.id})
    assert here.status_code == 200
    assert [(s["serial"], s["status"], s["location_id"]) for s in here.json] == [
        ("B-1", "in_stock", warehouse.id), ("B-3", "in_stock", warehouse.id)]
    everywhere = client.get(f"{API}/serials", headers=headers, query_string={"part_id": board.id}).json
    assert [s["serial"] for s in everywhere] == ["B-1", "B-2", "B-3"]
    assert client.get(f"{API}/serials", headers=headers,
                      query_string={"part_id": board.id, "status": "lost"}).json == []


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.CUSTOMER, Role.PARTNER_ENGINEER])
def test_serials_are_not_for_field_or_customers(client, as_role, shelves, role):
    _, headers = as_role(role)
    answer = client.get(f"{API}/serials", headers=headers, query_string={"part_id": shelves["board"].id})
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"


@pytest.mark.parametrize("query, status", [
    ({}, 422), ({"part_id": "x"}, 422), ({"part_id": 1, "status": "gone"}, 422), ({"part_id": 999999}, 404),
    ({"location_id": 999999}, 404), ({"unknown": 1}, 422)])
def test_bad_serial_queries(client, as_role, shelves, query, status):
    _, headers = as_role(Role.WAREHOUSE)
    if query.get("part_id") == 1:
        query = {**query, "part_id": shelves["board"].id}
    if "location_id" in query:
        query = {**query, "part_id": shelves["board"].id}
    answer = client.get(f"{API}/serials", headers=headers, query_string=query)
    assert answer.status_code == status and answer.json["status"] == ("not_found" if status == 404
                                                                       else "validation_error")


def test_a_request_names_the_engineer_the_van_and_whether_serials_are_needed(client, as_role, shelves, token_for):
    order = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=shelves["engineer"])
    _, dispatcher = as_role(Role.DISPATCHER)
    asked = client.post(f"{API}/part-requests", headers=dispatcher,
                        json={"work_order_id": order.id, "part_id": shelves["board"].id, "quantity": 1})
    assert asked.status_code == 201, asked.json
    _, keeper = as_role(Role.WAREHOUSE)
    [row] = client.get(f"{API}/part-requests", headers=keeper).json
    assert (row["engineer_id"], row["engineer_name"], row["to_location_name"], row["serial_tracked"]) == (
        shelves["engineer"].id, shelves["engineer"].user.name, "Van 7", True)
