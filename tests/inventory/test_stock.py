"""The stock ledger and levels: receipts, transfers, issues, costing, reconciliation."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.auth.models import Role
from app.errors import ConflictError, NotFoundError, ValidationFailedError
from app.workorders.models import Status
from inventory import queries, service
from inventory.models import LocationKind, MovementKind, StockLevel, StockMovement
from tests.factories import EngineerFactory, UserFactory, WorkOrderFactory


@pytest.fixture
def keeper():
    return UserFactory(role=Role.WAREHOUSE)


@pytest.fixture
def stock(session):
    """A compressor part, a warehouse and a van."""
    part = service.create_part(session, sku="CMP-01", name="Compressor relay", unit_cost_cents=1200)
    warehouse = service.create_location(session, kind=LocationKind.WAREHOUSE, name="Pudong DC",
                                        location=(121.55, 31.22))
    van = service.create_location(session, kind=LocationKind.VAN, name="Van 1", engineer_id=EngineerFactory().id)
    return part, warehouse, van


def level(session, part, location) -> StockLevel:
    session.expire_all()
    return session.get(StockLevel, (part.id, location.id))


def test_receipts_keep_a_moving_average_cost(session, keeper, stock):
    part, warehouse, _ = stock
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=10, unit_cost_cents=1000)
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=30, unit_cost_cents=1400)
    row = level(session, part, warehouse)
    assert (row.on_hand, row.average_cost_cents) == (40, 1300)  # (10×1000 + 30×1400) / 40


def test_transfer_moves_stock_and_cost_to_the_van(session, keeper, stock):
    part, warehouse, van = stock
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=5, unit_cost_cents=900)
    movement = service.transfer(session, actor=keeper, part_id=part.id, from_location_id=warehouse.id,
                                to_location_id=van.id, quantity=2)
    assert movement.kind is MovementKind.TRANSFER and movement.unit_cost_cents == 900
    assert level(session, part, warehouse).on_hand == 3
    assert (level(session, part, van).on_hand, level(session, part, van).average_cost_cents) == (2, 900)


def test_issue_costs_the_order_and_refuses_more_than_there_is(session, keeper, stock):
    part, warehouse, _ = stock
    order = WorkOrderFactory()
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=3, unit_cost_cents=500)
    service.issue_to_order(session, actor=keeper, part_id=part.id, location_id=warehouse.id,
                           work_order_id=order.id, quantity=2)
    with pytest.raises(service.InsufficientStockError) as refused:
        service.issue_to_order(session, actor=keeper, part_id=part.id, location_id=warehouse.id,
                               work_order_id=order.id, quantity=2)
    assert refused.value.details["available"] == 1
    assert level(session, part, warehouse).on_hand == 1
    assert queries.parts_cost_of_order(session, order.id) == 1000


def test_closed_orders_and_unknown_ids_are_refused(session, keeper, stock):
    part, warehouse, _ = stock
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=3, unit_cost_cents=500)
    with pytest.raises(ConflictError):
        service.issue_to_order(session, actor=keeper, part_id=part.id, location_id=warehouse.id,
                               work_order_id=WorkOrderFactory(status=Status.CLOSED).id, quantity=1)
    with pytest.raises(NotFoundError):
        service.issue_to_order(session, actor=keeper, part_id=999999, location_id=warehouse.id,
                               work_order_id=WorkOrderFactory().id, quantity=1)


@pytest.mark.parametrize("quantity", [0, -1, 100_001])
def test_quantities_must_be_sensible(session, keeper, stock, quantity):
    part, warehouse, _ = stock
    with pytest.raises(ValidationFailedError):
        service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=quantity,
                        unit_cost_cents=100)


def test_the_database_itself_refuses_negative_stock(session, keeper, stock):
    part, warehouse, _ = stock
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=1, unit_cost_cents=100)
    with pytest.raises(DBAPIError):
        with session.begin_nested():
            session.execute(text("UPDATE stock_levels SET on_hand = -1 WHERE part_id = :p"), {"p": part.id})


def test_the_ledger_is_append_only(session, keeper, stock):
    part, warehouse, _ = stock
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=1, unit_cost_cents=100)
    with pytest.raises(DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(text("UPDATE stock_movements SET quantity = 5"))


def test_reconcile_proves_levels_equal_the_ledger(session, keeper, stock):
    part, warehouse, van = stock
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=7, unit_cost_cents=100)
    service.transfer(session, actor=keeper, part_id=part.id, from_location_id=warehouse.id, to_location_id=van.id,
                     quantity=3)
    service.issue_to_order(session, actor=keeper, part_id=part.id, location_id=van.id,
                           work_order_id=WorkOrderFactory().id, quantity=1)
    assert queries.reconcile(session) == []
    session.execute(text("UPDATE stock_levels SET on_hand = on_hand + 1 WHERE location_id = :l"), {"l": van.id})
    assert queries.reconcile(session) == [{"part_id": part.id, "location_id": van.id, "what": "on_hand",
                                           "cached": 3, "ledger": 2}]
    assert len(session.scalars(select(StockMovement)).all()) == 3


def test_a_van_needs_its_engineer(session):
    with pytest.raises(ValidationFailedError):
        service.create_location(session, kind=LocationKind.VAN, name="Orphan van")
    with pytest.raises(ValidationFailedError):
        service.create_location(session, kind=LocationKind.WAREHOUSE, name="Odd", engineer_id=EngineerFactory().id)


def test_a_reservation_holds_stock_for_its_order_and_is_used_first(session, keeper, stock):
    part, warehouse, _ = stock
    mine, other = WorkOrderFactory(), WorkOrderFactory()
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=3, unit_cost_cents=100)
    service.reserve(session, actor=keeper, part_id=part.id, location_id=warehouse.id, work_order_id=mine.id,
                    quantity=2)
    assert (level(session, part, warehouse).on_hand, level(session, part, warehouse).reserved) == (3, 2)
    with pytest.raises(service.InsufficientStockError):
        service.issue_to_order(session, actor=keeper, part_id=part.id, location_id=warehouse.id,
                               work_order_id=other.id, quantity=2)
    service.issue_to_order(session, actor=keeper, part_id=part.id, location_id=warehouse.id, work_order_id=mine.id,
                           quantity=2)
    assert (level(session, part, warehouse).on_hand, level(session, part, warehouse).reserved) == (1, 0)
    assert queries.reconcile(session) == []


def test_releasing_more_than_reserved_is_refused(session, keeper, stock):
    part, warehouse, _ = stock
    order = WorkOrderFactory()
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=3, unit_cost_cents=100)
    service.reserve(session, actor=keeper, part_id=part.id, location_id=warehouse.id, work_order_id=order.id,
                    quantity=2)
    service.release(session, actor=keeper, part_id=part.id, location_id=warehouse.id, work_order_id=order.id,
                    quantity=1)
    with pytest.raises(ConflictError):
        service.release(session, actor=keeper, part_id=part.id, location_id=warehouse.id, work_order_id=order.id,
                        quantity=2)
    assert level(session, part, warehouse).reserved == 1
    assert queries.reconcile(session) == []


def test_returns_lower_the_orders_cost_and_defective_parts_go_to_returns(session, keeper, stock):
    part, warehouse, _ = stock
    returns = service.create_location(session, kind=LocationKind.RETURNS, name="Returns cage")
    order = WorkOrderFactory()
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=5, unit_cost_cents=400)
    service.issue_to_order(session, actor=keeper, part_id=part.id, location_id=warehouse.id, work_order_id=order.id,
                           quantity=3)
    service.return_from_order(session, actor=keeper, part_id=part.id, work_order_id=order.id,
                              to_location_id=warehouse.id, quantity=1)
    service.return_from_order(session, actor=keeper, part_id=part.id, work_order_id=order.id,
                              to_location_id=returns.id, quantity=1, defective=True)
    assert queries.parts_cost_of_order(session, order.id) == 400
    with pytest.raises(ConflictError):  # only one more could come back
        service.return_from_order(session, actor=keeper, part_id=part.id, work_order_id=order.id,
                                  to_location_id=warehouse.id, quantity=2)
    with pytest.raises(ValidationFailedError):  # defective parts never go back on the shelf
        service.return_from_order(session, actor=keeper, part_id=part.id, work_order_id=order.id,
                                  to_location_id=warehouse.id, quantity=1, defective=True)
    assert level(session, part, returns).on_hand == 1
    assert queries.reconcile(session) == []


def test_counts_adjust_and_scrap_writes_off(session, keeper, stock):
    part, warehouse, _ = stock
    service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=5, unit_cost_cents=100)
    [movement] = service.adjust(session, actor=keeper, part_id=part.id, location_id=warehouse.id, counted=4,
                                reason="annual count")
    assert (movement.kind, movement.quantity, movement.from_location_id) == (MovementKind.ADJUSTMENT, 1, warehouse.id)
    assert service.adjust(session, actor=keeper, part_id=part.id, location_id=warehouse.id, counted=4,
                          reason="recount") == []
    service.scrap(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=1, reason="water damage")
    assert level(session, part, warehouse).on_hand == 3
    with pytest.raises(service.InsufficientStockError):
        service.scrap(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=4, reason="x")
    assert queries.reconcile(session) == []
