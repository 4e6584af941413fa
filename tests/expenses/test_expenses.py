"""Adding expenses to a job: GPS or entered distance, mileage arithmetic, receipts,
statuses, the timeline, totals."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import db
from app.auth.models import Role
from app.db import utcnow
from app.errors import ValidationFailedError
from app.workorders import lifecycle, notes
from app.workorders.lifecycle import Action
from app.workorders.models import EventKind, Status, WorkOrderEvent
from expenses.models import DistanceSource, Expense, ExpenseKind
from expenses.service import (ExpenseNotAllowedError, InvalidReceiptError, add_expense, currency_totals,
                              expense_totals, expenses_of_order)
from expenses.travel import NoGpsTrackError, mileage_amount_cents
from tests.expenses.helpers import TRACK_M, attach, travelled_job
from tests.factories import EngineerFactory, UserFactory, WorkOrderFactory

RATE = 150   # fen per km


def add(job, **fields):
    fields.setdefault("mileage_rate_cents_per_km", RATE)
    return add_expense(db.db_session(), order=job.order, engineer=job.engineer, actor=job.engineer.user, **fields)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- travel -------------------------------------------------------------------------------------

def test_travel_is_measured_along_the_pings_between_setting_off_and_checking_in(session):
    job = travelled_job()
    expense = add(job, kind=ExpenseKind.TRAVEL)

    assert expense.distance_source is DistanceSource.GPS
    assert expense.distance_m == pytest.approx(TRACK_M, rel=0.005)
    assert expense.rate_cents_per_km == RATE
    assert expense.amount_cents == mileage_amount_cents(expense.distance_m, RATE)
    assert expense.currency == "CNY"


def test_without_two_pings_on_the_way_the_phone_must_enter_the_distance(session):
    job = travelled_job(pings_on_the_way=1)
    with pytest.raises(NoGpsTrackError) as refused:
        add(job, kind=ExpenseKind.TRAVEL)
    assert refused.value.code == "no_gps_track" and refused.value.http_status == 422
    assert "distance_m" in refused.value.errors
    assert count(session, Expense) == 0


def test_a_job_not_checked_in_yet_has_no_track_to_measure(session):
    job = travelled_job(check_in=False)
    with pytest.raises(NoGpsTrackError):
        add(job, kind=ExpenseKind.TRAVEL)


def test_a_check_in_without_travelling_has_no_track_to_measure(session):
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=Status.ACCEPTED, scheduled_engineer=engineer)
    lifecycle.transition(session, order=order, action=Action.CHECK_IN, actor=engineer.user)
    with pytest.raises(NoGpsTrackError):
        add_expense(session, order=order, engineer=engineer, actor=engineer.user, kind=ExpenseKind.TRAVEL,
                    mileage_rate_cents_per_km=RATE)


def test_an_entered_distance_is_paid_at_the_rate(session):
    job = travelled_job(pings_on_the_way=0)
    expense = add(job, kind=ExpenseKind.TRAVEL, distance_m=12_345)
    # 12.345 km × 150 fen = 1851.75 fen → 1852
    assert (expense.distance_m, expense.distance_source, expense.amount_cents, expense.rate_cents_per_km) == (
        12_345, DistanceSource.ENTERED, 1852, RATE)


def test_an_entered_amount_wins_over_the_rate(session):
    job = travelled_job()
    expense = add(job, kind=ExpenseKind.TRAVEL, amount_cents=5000)
    assert (expense.amount_cents, expense.rate_cents_per_km, expense.distance_source) == (5000, None,
                                                                                           DistanceSource.GPS)


def test_travel_in_another_currency_needs_an_amount(session):
    job = travelled_job()
    with pytest.raises(ValidationFailedError) as refused:
        add(job, kind=ExpenseKind.TRAVEL, currency="HKD")
    assert "amount_cents" in refused.value.errors
    assert add(job, kind=ExpenseKind.TRAVEL, currency="HKD", amount_cents=900).currency == "HKD"


@pytest.mark.parametrize("distance_m, rate, cents", [
    (1000, 150, 150), (0, 150, 0), (1, 150, 0), (3, 150, 0), (4, 150, 1),   # 0.45 fen → 0, 0.6 → 1
    (10, 50, 1),                                                          # exactly half a fen rounds up
    (123_456, 137, 16_913), (2_000_000, 150, 300_000)])
def test_mileage_arithmetic_is_integer_and_rounds_half_up(distance_m, rate, cents):
    assert mileage_amount_cents(distance_m, rate) == cents


# --- tolls, parking, other ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", [ExpenseKind.TOLL, ExpenseKind.PARKING, ExpenseKind.OTHER])
def test_tolls_parking_and_other_need_an_amount_and_have_no_distance(session, kind):
    job = travelled_job()
    with pytest.raises(ValidationFailedError) as no_amount:
        add(job, kind=kind)
    with pytest.raises(ValidationFailedError) as with_distance:
        add(job, kind=kind, amount_cents=1500, distance_m=1000)
    assert "amount_cents" in no_amount.value.errors and "distance_m" in with_distance.value.errors
    expense = add(job, kind=kind, amount_cents=1500, note="G15 Shenhai expressway")
    assert (expense.amount_cents, expense.distance_m, expense.distance_source, expense.rate_cents_per_km) == (
        1500, None, None, None)


# --- receipts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["image/jpeg", "image/heic", "application/pdf"])
def test_a_photo_or_pdf_of_the_same_order_is_a_receipt(session, content_type):
    job = travelled_job()
    receipt = attach(job.order, content_type=content_type)
    expense = add(job, kind=ExpenseKind.PARKING, amount_cents=2000, receipt_attachment_id=receipt.id)
    assert expense.receipt.id == receipt.id


def test_a_receipt_of_another_order_is_refused(session):
    job, other = travelled_job(), travelled_job()
    receipt = attach(other.order)
    with pytest.raises(InvalidReceiptError) as refused:
        add(job, kind=ExpenseKind.TOLL, amount_cents=500, receipt_attachment_id=receipt.id)
    assert refused.value.code == "invalid_receipt" and refused.value.http_status == 422
    with pytest.raises(InvalidReceiptError):
        add(job, kind=ExpenseKind.TOLL, amount_cents=500, receipt_attachment_id=receipt.id + 1000)
    assert count(session, Expense) == 0


def test_a_document_that_is_not_a_photo_or_pdf_is_no_receipt(session):
    job = travelled_job()
    text = attach(job.order, content_type="text/plain", filename="notes.txt")
    with pytest.raises(InvalidReceiptError):
        add(job, kind=ExpenseKind.TOLL, amount_cents=500, receipt_attachment_id=text.id)


# --- when ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [Status.NEW, Status.ASSIGNED, Status.ACCEPTED, Status.CANCELLED])
def test_no_expenses_before_setting_off_or_on_a_cancelled_order(session, status):
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=status, scheduled_engineer=engineer)
    with pytest.raises(ExpenseNotAllowedError) as refused:
        add_expense(session, order=order, engineer=engineer, actor=engineer.user, kind=ExpenseKind.TOLL,
                    amount_cents=500, mileage_rate_cents_per_km=RATE)
    assert refused.value.http_status == 409 and refused.value.details["current_status"] == status.value


@pytest.mark.parametrize("status, before_hold, allowed", [
    (Status.EN_ROUTE, None, True), (Status.ON_SITE, None, True), (Status.RESOLVED, None, True),
    (Status.AWAITING_FEEDBACK, None, True), (Status.CLOSED, None, True),
    (Status.ON_HOLD, Status.ON_SITE, True), (Status.ON_HOLD, Status.EN_ROUTE, True),
    (Status.ON_HOLD, Status.ACCEPTED, False), (Status.ON_HOLD, Status.NEW, False)])
def test_expenses_from_setting_off_until_closed(session, status, before_hold, allowed):
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=status, status_before_hold=before_hold, scheduled_engineer=engineer)
    try:
        add_expense(session, order=order, engineer=engineer, actor=engineer.user, kind=ExpenseKind.PARKING,
                    amount_cents=500, mileage_rate_cents_per_km=RATE)
        added = True
    except ExpenseNotAllowedError:
        added = False
    assert added is allowed


def test_a_phone_time_in_the_future_is_refused(session):
    job = travelled_job()
    with pytest.raises(ValidationFailedError) as refused:
        add(job, kind=ExpenseKind.TOLL, amount_cents=500, device_time=utcnow() + timedelta(minutes=10))
    assert "device_time" in refused.value.errors


# --- the timeline and the totals ----------------------------------------------------------------

def test_an_expense_is_an_event_on_the_timeline_that_customers_do_not_see(session):
    job = travelled_job()
    spent_at = utcnow() - timedelta(minutes=3)
    expense = add(job, kind=ExpenseKind.TOLL, amount_cents=3500, device_time=spent_at)

    event = session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == job.order.id,
                                                         WorkOrderEvent.kind == EventKind.EXPENSE)).one()
    assert event.actor_id == job.engineer.user.id and event.device_time == spent_at
    assert event.payload == {"expense_id": expense.id, "engineer_id": job.engineer.id, "kind": "toll",
                             "amount_cents": 3500, "currency": "CNY", "distance_m": None,
                             "distance_source": None, "receipt_attachment_id": None}
    customer = UserFactory(role=Role.CUSTOMER)
    assert EventKind.EXPENSE not in {e.kind for e in notes.timeline(session, order=job.order, viewer=customer)}
    staff = UserFactory(role=Role.MANAGER)
    assert EventKind.EXPENSE in {e.kind for e in notes.timeline(session, order=job.order, viewer=staff)}


def test_the_orders_expenses_with_totals_per_kind_and_currency(session):
    job = travelled_job()
    travel = add(job, kind=ExpenseKind.TRAVEL)
    add(job, kind=ExpenseKind.TRAVEL, distance_m=1000)
    add(job, kind=ExpenseKind.TOLL, amount_cents=1000)
    add(job, kind=ExpenseKind.TOLL, amount_cents=2500)
    add(job, kind=ExpenseKind.PARKING, amount_cents=800, currency="HKD")
    travelled_job()   # another order's expenses are not these
    add_expense(session, order=WorkOrderFactory(status=Status.ON_SITE), engineer=job.engineer,
                actor=job.engineer.user, kind=ExpenseKind.OTHER, amount_cents=99, mileage_rate_cents_per_km=RATE)

    expenses = expenses_of_order(session, order=job.order)
    totals = expense_totals(expenses)

    assert [e.kind for e in expenses] == [ExpenseKind.TRAVEL] * 2 + [ExpenseKind.TOLL] * 2 + [ExpenseKind.PARKING]
    assert [(t.kind, t.currency, t.count, t.amount_cents, t.distance_m) for t in totals] == [
        (ExpenseKind.TRAVEL, "CNY", 2, travel.amount_cents + 150, travel.distance_m + 1000),
        (ExpenseKind.TOLL, "CNY", 2, 3500, None),
        (ExpenseKind.PARKING, "HKD", 1, 800, None)]
    assert currency_totals(totals) == {"CNY": travel.amount_cents + 150 + 3500, "HKD": 800}
