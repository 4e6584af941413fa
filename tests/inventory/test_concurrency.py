"""Stock never goes negative under real concurrency: 50 clients race for 10 units
through gunicorn (4 processes × 4 threads), each request on its own connection."""
from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import Role
from inventory import queries, service
from inventory.models import LocationKind, MovementKind, StockLevel, StockMovement
from tests.factories import TEST_PASSWORD, UserFactory, WorkOrderFactory
from tests.live import _live_server_process, live_db, live_server  # noqa: F401  (fixtures)
from tests.test_concurrency import race

CLIENTS = 50
UNITS = 10


def test_fifty_clients_race_for_the_last_ten_units(live_db, live_server):
    keeper = UserFactory(role=Role.WAREHOUSE)
    part = service.create_part(live_db, sku="RLY-5", name="Relay")
    warehouse = service.create_location(live_db, kind=LocationKind.WAREHOUSE, name="Jiading DC")
    service.receive(live_db, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=UNITS,
                    unit_cost_cents=250)
    order = WorkOrderFactory()
    live_db.commit()
    headers = live_server.login(keeper.email, TEST_PASSWORD)
    body = {"part_id": part.id, "location_id": warehouse.id, "work_order_id": order.id, "quantity": 1}

    answers = race([lambda: live_server.call("POST", "/api/v1/inventory/issues", headers=headers, json_body=body)
                    for _ in range(CLIENTS)])

    assert sorted(a.status for a in answers) == [201] * UNITS + [409] * (CLIENTS - UNITS)
    assert all(a.body["status"] == "insufficient_stock" for a in answers if a.status == 409)
    live_db.expire_all()
    assert live_db.get(StockLevel, (part.id, warehouse.id)).on_hand == 0
    assert live_db.scalar(select(func.count()).select_from(StockMovement)
                          .where(StockMovement.kind == MovementKind.ISSUE)) == UNITS
    assert queries.reconcile(live_db) == []


def test_retries_racing_with_one_key_issue_once(live_db, live_server):
    keeper = UserFactory(role=Role.WAREHOUSE)
    part = service.create_part(live_db, sku="RLY-6", name="Relay")
    warehouse = service.create_location(live_db, kind=LocationKind.WAREHOUSE, name="Songjiang DC")
    service.receive(live_db, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=UNITS,
                    unit_cost_cents=250)
    order = WorkOrderFactory()
    live_db.commit()
    headers = {**live_server.login(keeper.email, TEST_PASSWORD), "Idempotency-Key": "offline-queue-42"}
    body = {"part_id": part.id, "location_id": warehouse.id, "work_order_id": order.id, "quantity": 3}

    answers = race([lambda: live_server.call("POST", "/api/v1/inventory/issues", headers=headers, json_body=body)
                    for _ in range(8)])

    assert {a.status for a in answers} == {201}
    assert len({a.body["id"] for a in answers}) == 1
    live_db.expire_all()
    assert live_db.get(StockLevel, (part.id, warehouse.id)).on_hand == UNITS - 3
