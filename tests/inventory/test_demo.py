"""The demo's spare parts: booked through the services, so the ledger reconciles, and
there is something on every screen (van stock, low stock, a queue, an order waiting
for parts)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.demo import DEMO_ACCOUNTS, load_demo
from app.engineers.models import Engineer
from app.auth.models import User
from app.workorders.models import Status, WorkOrder
from inventory import part_requests, queries
from inventory.demo import CATALOGUE, SHORT_IN_JIADING, load_inventory_demo
from inventory.models import PartRequestStatus, PartSerial, StockLevel, StockLocation

REFERENCE_DAY = date(2026, 11, 23)


@pytest.fixture
def demo(session):
    load_demo(session, seed=7, today=REFERENCE_DAY)
    counts = load_inventory_demo(session, seed=7, today=REFERENCE_DAY)
    session.commit()
    return counts


def test_the_demo_stock_reconciles_and_fills_every_screen(session, demo):
    assert demo["parts"] == len(CATALOGUE)
    assert queries.reconcile(session) == []
    engineers = session.scalar(select(func.count()).select_from(Engineer).where(Engineer.is_active.is_(True)))
    vans = session.scalar(select(func.count()).select_from(StockLocation).where(StockLocation.engineer_id.is_not(None)))
    assert vans == engineers
    low = {row["sku"] for row in queries.low_stock(session)}
    assert set(SHORT_IN_JIADING) <= low
    assert session.scalar(select(func.count()).select_from(PartSerial)) > 100
    queue = session.scalars(part_requests.queue_query()).all()
    assert len(queue) == 10 and demo["part requests"] == 12
    assert {r.status for r in queue} == {PartRequestStatus.OPEN, PartRequestStatus.PICKING,
                                         PartRequestStatus.UNAVAILABLE}
    held = session.scalars(select(WorkOrder).where(WorkOrder.status == Status.ON_HOLD)).all()
    assert [o.hold_reason for o in held] == ["waiting_parts"]
    assert demo["reservations"] >= 10


def test_the_demo_engineer_has_a_stocked_van(session, demo):
    email = dict(DEMO_ACCOUNTS)["engineer"]
    van = session.scalar(select(StockLocation).join(Engineer, Engineer.id == StockLocation.engineer_id)
                        .join(User, User.id == Engineer.user_id).where(User.email == email))
    assert van is not None
    on_hand = session.scalar(select(func.sum(StockLevel.on_hand)).where(StockLevel.location_id == van.id))
    assert on_hand and on_hand > 0
