"""The back office's expenses: per order with totals, and across engineers by period."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import db
from app.auth.models import Role
from expenses.models import Expense, ExpenseKind
from expenses.service import add_expense
from tests.expenses.helpers import travelled_job
from tests.factories import EngineerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
REFUSED = (Role.DISPATCHER, Role.AGENT, Role.ENGINEER, Role.PARTNER_ENGINEER, Role.WAREHOUSE, Role.CUSTOMER)


def spend(job, kind: ExpenseKind, device_time=None, **fields) -> Expense:
    return add_expense(db.db_session(), order=job.order, engineer=job.engineer, actor=job.engineer.user,
                       kind=kind, mileage_rate_cents_per_km=150, device_time=device_time, **fields)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_see_an_orders_expenses_with_totals(client, as_role, session, role):
    job = travelled_job()
    travel = spend(job, ExpenseKind.TRAVEL)
    spend(job, ExpenseKind.TOLL, amount_cents=2500)
    spend(job, ExpenseKind.TOLL, amount_cents=1500)
    _, headers = as_role(role)

    answer = client.get(f"/api/v1/work-orders/{job.order.id}/expenses", headers=headers)

    assert answer.status_code == 200, answer.json
    assert answer.json["work_order_id"] == job.order.id
    assert [e["kind"] for e in answer.json["expenses"]] == ["travel", "toll", "toll"]
    assert answer.json["totals_by_kind"] == [
        {"kind": "travel", "currency": "CNY", "count": 1, "amount_cents": travel.amount_cents,
         "distance_m": travel.distance_m},
        {"kind": "toll", "currency": "CNY", "count": 2, "amount_cents": 4000, "distance_m": None}]
    assert answer.json["totals"] == {"CNY": travel.amount_cents + 4000}


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_may_not_see_expenses(client, as_role, session, role):
    job = travelled_job()
    _, headers = as_role(role)
    for path in (f"/api/v1/work-orders/{job.order.id}/expenses", "/api/v1/expenses"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 403 and answer.json["status"] == "forbidden", path


def test_an_unknown_order_is_404(client, as_role):
    _, headers = as_role(Role.MANAGER)
    assert client.get("/api/v1/work-orders/999999/expenses", headers=headers).status_code == 404


def _local(day, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def test_expenses_of_an_engineer_by_period_paginated_with_totals(client, as_role, session):
    engineer = EngineerFactory()
    first, second = travelled_job(engineer=engineer), travelled_job(engineer=engineer)
    today = datetime.now(SHANGHAI).date()
    yesterday, before = today - timedelta(days=1), today - timedelta(days=2)
    spend(first, ExpenseKind.TOLL, amount_cents=1000, device_time=_local(before, 23))      # outside
    a = spend(first, ExpenseKind.PARKING, amount_cents=2000, device_time=_local(yesterday, 0))
    b = spend(second, ExpenseKind.TOLL, amount_cents=3000, device_time=_local(yesterday, 18))
    c = spend(second, ExpenseKind.PARKING, amount_cents=400, currency="HKD")               # now: today
    spend(travelled_job(), ExpenseKind.TOLL, amount_cents=9999)                             # someone else's
    _, headers = as_role(Role.MANAGER)

    page = client.get(f"/api/v1/expenses?engineer_id={engineer.id}&from={yesterday}&to={today}&page_size=2",
                      headers=headers)
    rest = client.get(f"/api/v1/expenses?engineer_id={engineer.id}&from={yesterday}&to={today}&page_size=2&page=2",
                      headers=headers)

    assert page.status_code == 200, page.json
    assert [e["id"] for e in page.json + rest.json] == [c.id, b.id, a.id]     # newest first
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    assert json.loads(page.headers["X-Expense-Totals"]) == {"CNY": 5000, "HKD": 400}
    tolls = client.get(f"/api/v1/expenses?engineer_id={engineer.id}&kind=toll", headers=headers)
    assert [e["id"] for e in tolls.json][0] == b.id and len(tolls.json) == 2
    only_before = client.get(f"/api/v1/expenses?engineer_id={engineer.id}&to={before}", headers=headers)
    assert [e["amount_cents"] for e in only_before.json] == [1000]


@pytest.mark.parametrize("query", ["from=2026-03-05&to=2026-03-01", "from=March", "engineer_id=0",
                                   "kind=fuel", "employee=3"])
def test_bad_filters_are_422(client, as_role, query):
    _, headers = as_role(Role.MANAGER)
    answer = client.get(f"/api/v1/expenses?{query}", headers=headers)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error", query
