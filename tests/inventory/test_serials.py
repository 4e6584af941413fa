"""Serial-tracked parts: every unit by serial through the ledger, and the asset's history
of what was installed and removed."""
from __future__ import annotations

import pytest

from app.auth.models import Role
from app.errors import ValidationFailedError
from inventory import queries, service
from inventory.models import LocationKind, MovementKind, PartSerial, SerialStatus
from inventory.serials import SerialConflictError
from tests.factories import AssetFactory, EngineerFactory, UserFactory, WorkOrderFactory


@pytest.fixture
def keeper():
    return UserFactory(role=Role.WAREHOUSE)


@pytest.fixture
def places(session):
    board = service.create_part(session, sku="PCB-7", name="Inverter board", unit_cost_cents=50000,
                                serial_tracked=True)
    warehouse = service.create_location(session, kind=LocationKind.WAREHOUSE, name="Pudong DC")
    van = service.create_location(session, kind=LocationKind.VAN, name="Van 7", engineer_id=EngineerFactory().id)
    returns = service.create_location(session, kind=LocationKind.RETURNS, name="Returns cage")
    return board, warehouse, van, returns


def unit(session, part, serial) -> PartSerial:
    session.expire_all()
    return session.get(PartSerial, (part.id, serial))


def test_a_serial_tracked_part_moves_by_serial_and_the_asset_shows_it(session, keeper, places):
    board, warehouse, van, returns = places
    asset = AssetFactory()
    order = WorkOrderFactory(site=asset.site, asset_id=asset.id)
    service.receive(session, actor=keeper, part_id=board.id, location_id=warehouse.id, quantity=3,
                    unit_cost_cents=48000, serials=["B-001", "B-002", "B-003"])
    service.transfer(session, actor=keeper, part_id=board.id, from_location_id=warehouse.id, to_location_id=van.id,
                     quantity=1, serials=["B-002"])
    assert (unit(session, board, "B-002").status, unit(session, board, "B-002").location_id) == \
        (SerialStatus.IN_STOCK, van.id)

    issued = service.issue_to_order(session, actor=keeper, part_id=board.id, location_id=van.id,
                                    work_order_id=order.id, quantity=1, serials=["B-002"])
    assert (issued.serials, issued.asset_id) == (["B-002"], asset.id)
    installed = unit(session, board, "B-002")
    assert (installed.status, installed.asset_id, installed.work_order_id, installed.location_id) == \
        (SerialStatus.ISSUED, asset.id, order.id, None)

    # The board it replaced came with the unit: never in our books, now in the returns cage at no cost.
    removed = service.remove_from_asset(session, actor=keeper, part_id=board.id, work_order_id=order.id,
                                        to_location_id=returns.id, quantity=1, serials=["OLD-77"])
    assert (removed.kind, removed.unit_cost_cents, removed.asset_id) == (MovementKind.REMOVAL, 0, asset.id)
    assert unit(session, board, "OLD-77").location_id == returns.id
    assert queries.parts_cost_of_order(session, order.id) == 48000

    parts = queries.asset_parts(session, asset.id)
    assert [(h["change"], h["kind"], h["serials"]) for h in parts["history"]] == [
        ("installed", "issue", ["B-002"]), ("removed", "removal", ["OLD-77"])]
    assert [(u["serial"], u["work_order_id"]) for u in parts["installed"]] == [("B-002", order.id)]
    assert queries.reconcile(session) == []


def test_serials_must_be_where_the_movement_says(session, keeper, places):
    board, warehouse, van, _ = places
    order = WorkOrderFactory()
    service.receive(session, actor=keeper, part_id=board.id, location_id=warehouse.id, quantity=2,
                    unit_cost_cents=1, serials=["A1", "A2"])
    with pytest.raises(service.InsufficientStockError):
        service.issue_to_order(session, actor=keeper, part_id=board.id, location_id=van.id, work_order_id=order.id,
                               quantity=1, serials=["A1"])
    # The van has none at all, so the quantity check refuses first; with stock there, the serial check speaks.
    service.transfer(session, actor=keeper, part_id=board.id, from_location_id=warehouse.id, to_location_id=van.id,
                     quantity=1, serials=["A2"])
    with pytest.raises(SerialConflictError) as wrong_place:
        service.issue_to_order(session, actor=keeper, part_id=board.id, location_id=van.id, work_order_id=order.id,
                               quantity=1, serials=["A1"])
    assert wrong_place.value.details["serials"] == {"A1": f"in stock at location {warehouse.id}"}
    with pytest.raises(SerialConflictError):
        service.receive(session, actor=keeper, part_id=board.id, location_id=warehouse.id, quantity=1,
                        unit_cost_cents=1, serials=["A2"])
    assert queries.reconcile(session) == []


@pytest.mark.parametrize("serials, message", [
    ([], "one serial per unit"), (["X", "X"], "twice"), (["X", "Y", "Z"], "one serial per unit")])
def test_serial_counts_must_match_the_quantity(session, keeper, places, serials, message):
    board, warehouse, _, _ = places
    with pytest.raises(ValidationFailedError, match=message):
        service.receive(session, actor=keeper, part_id=board.id, location_id=warehouse.id, quantity=2,
                        unit_cost_cents=1, serials=serials)


def test_parts_without_serials_refuse_them(session, keeper, places):
    _, warehouse, _, _ = places
    screws = service.create_part(session, sku="SCR-4", name="Screws")
    with pytest.raises(ValidationFailedError, match="not serial-tracked"):
        service.receive(session, actor=keeper, part_id=screws.id, location_id=warehouse.id, quantity=1,
                        unit_cost_cents=1, serials=["S1"])


def test_returning_an_issued_unit_and_scrapping_one(session, keeper, places):
    board, warehouse, _, returns = places
    asset = AssetFactory()
    order = WorkOrderFactory(site=asset.site, asset_id=asset.id)
    service.receive(session, actor=keeper, part_id=board.id, location_id=warehouse.id, quantity=3,
                    unit_cost_cents=1000, serials=["C1", "C2", "C3"])
    service.issue_to_order(session, actor=keeper, part_id=board.id, location_id=warehouse.id,
                           work_order_id=order.id, quantity=2, serials=["C1", "C2"])
    with pytest.raises(SerialConflictError):   # C3 was never issued to this order
        service.return_from_order(session, actor=keeper, part_id=board.id, work_order_id=order.id,
                                  to_location_id=returns.id, quantity=1, defective=True, serials=["C3"])
    service.return_from_order(session, actor=keeper, part_id=board.id, work_order_id=order.id,
                              to_location_id=returns.id, quantity=1, defective=True, serials=["C1"])
    assert unit(session, board, "C1").location_id == returns.id
    assert queries.parts_cost_of_order(session, order.id) == 1000
    assert [u["serial"] for u in queries.asset_parts(session, asset.id)["installed"]] == ["C2"]
    service.scrap(session, actor=keeper, part_id=board.id, location_id=warehouse.id, quantity=1, reason="dropped",
                  serials=["C3"])
    assert unit(session, board, "C3").status is SerialStatus.SCRAPPED
    assert queries.reconcile(session) == []


def test_a_count_by_serial_books_lost_and_found_units(session, keeper, places):
    board, warehouse, _, _ = places
    service.receive(session, actor=keeper, part_id=board.id, location_id=warehouse.id, quantity=3,
                    unit_cost_cents=1000, serials=["D1", "D2", "D3"])
    movements = service.adjust(session, actor=keeper, part_id=board.id, location_id=warehouse.id, counted=3,
                               reason="quarterly count", serials=["D1", "D2", "D9"])
    assert [(m.from_location_id, m.to_location_id, m.serials) for m in movements] == [
        (warehouse.id, None, ["D3"]), (None, warehouse.id, ["D9"])]
    assert unit(session, board, "D3").status is SerialStatus.LOST
    assert unit(session, board, "D9").location_id == warehouse.id
    assert queries.reconcile(session) == []


def test_a_removal_needs_an_asset_and_a_return_location(session, keeper, places):
    board, warehouse, _, returns = places
    without_asset = WorkOrderFactory()
    with pytest.raises(ValidationFailedError, match="no asset"):
        service.remove_from_asset(session, actor=keeper, part_id=board.id, work_order_id=without_asset.id,
                                  to_location_id=returns.id, quantity=1, serials=["Z"])
    asset = AssetFactory()
    order = WorkOrderFactory(site=asset.site, asset_id=asset.id)
    with pytest.raises(ValidationFailedError, match="return location"):
        service.remove_from_asset(session, actor=keeper, part_id=board.id, work_order_id=order.id,
                                  to_location_id=warehouse.id, quantity=1, serials=["Z"])


def test_over_http_a_defective_board_is_replaced_and_the_asset_history_shows_both(client, session, token_for, places):
    board, warehouse, _, returns = places
    ids = {"board": board.id, "warehouse": warehouse.id, "returns": returns.id}
    asset = AssetFactory()
    order = WorkOrderFactory(site=asset.site, asset_id=asset.id)
    ids.update(asset=asset.id, order=order.id)
    keeper = token_for(UserFactory(role=Role.WAREHOUSE))
    api = "/api/v1/inventory"
    no_serials = client.post(f"{api}/receipts", headers=keeper, json={
        "part_id": ids["board"], "location_id": ids["warehouse"], "quantity": 1, "unit_cost_cents": 50000})
    assert no_serials.status_code == 422 and no_serials.json["errors"]["serials"]
    received = client.post(f"{api}/receipts", headers=keeper, json={
        "part_id": ids["board"], "location_id": ids["warehouse"], "quantity": 1, "unit_cost_cents": 50000,
        "serials": ["NEW-1"]})
    assert received.status_code == 201 and received.json["serials"] == ["NEW-1"]
    twice = client.post(f"{api}/receipts", headers=keeper, json={
        "part_id": ids["board"], "location_id": ids["warehouse"], "quantity": 1, "unit_cost_cents": 50000,
        "serials": ["NEW-1"]})
    assert twice.status_code == 409 and twice.json["status"] == "serial_conflict"
    issued = client.post(f"{api}/issues", headers=keeper, json={
        "part_id": ids["board"], "location_id": ids["warehouse"], "work_order_id": ids["order"], "quantity": 1,
        "serials": ["NEW-1"]})
    assert issued.status_code == 201 and issued.json["asset_id"] == ids["asset"]
    removed = client.post(f"{api}/removals", headers=keeper, json={
        "part_id": ids["board"], "work_order_id": ids["order"], "to_location_id": ids["returns"], "quantity": 1,
        "serials": ["OLD-1"], "note": "burnt capacitor"})
    assert removed.status_code == 201, removed.json
    history = client.get(f"{api}/assets/{ids['asset']}/parts", headers=keeper).json
    assert [(h["change"], h["serials"]) for h in history["history"]] == [("installed", ["NEW-1"]),
                                                                        ("removed", ["OLD-1"])]
    assert [u["serial"] for u in history["installed"]] == ["NEW-1"]
    cost = client.get(f"{api}/work-orders/{ids['order']}/parts-cost", headers=keeper).json
    assert cost["parts_cost_cents"] == 50000
    assert [(line["issued"], line["returned"], line["cost_cents"]) for line in cost["lines"]] == [(1, 0, 50000)]
    assert client.get(f"{api}/assets/999999/parts", headers=keeper).status_code == 404


def test_removals_are_for_the_warehouse_desk(client, as_role, places):
    board, _, _, returns = places
    _, headers = as_role(Role.ENGINEER)
    answer = client.post("/api/v1/inventory/removals", headers=headers, json={
        "part_id": board.id, "work_order_id": 1, "to_location_id": returns.id, "quantity": 1, "serials": ["X"]})
    assert answer.status_code == 403
