"""Adding expenses to a job and reading them back per order and per engineer.

List functions return SELECT statements for the caller to paginate; `add_expense`
flushes and records the order's `expense` event, and raises DomainErrors for input
that breaks a rule."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.db import utcnow
from app.engineers.models import Engineer
from app.errors import ConflictError, ValidationFailedError
from app.workorders.events import bounded_device_time, record_event
from app.workorders.models import Attachment, EventKind, Status, WorkOrder
from expenses.models import DEFAULT_CURRENCY, DistanceSource, Expense, ExpenseKind
from expenses.travel import measure_travel, mileage_amount_cents

# From setting off to closing: expenses are often filed after the job is done.
TRAVELLED_STATUSES = frozenset({Status.EN_ROUTE, Status.ON_SITE, Status.RESOLVED, Status.AWAITING_FEEDBACK,
                                Status.CLOSED})
RECEIPT_CONTENT_TYPES = frozenset({"application/pdf"})   # and every image/*

_EXPENSE_LOAD_OPTIONS = (selectinload(Expense.engineer).selectinload(Engineer.user),
                         selectinload(Expense.receipt), selectinload(Expense.created_by))


class ExpenseNotAllowedError(ConflictError):
    code = "expense_not_allowed"


class InvalidReceiptError(ValidationFailedError):
    code = "invalid_receipt"


@dataclass(frozen=True)
class ExpenseTotal:
    """The sum of one kind of expense in one currency."""
    kind: ExpenseKind
    currency: str
    count: int
    amount_cents: int
    distance_m: int | None   # travel only


def may_add_expenses(order: WorkOrder) -> bool:
    """Whether the job has got under way: travelling, on site, done — or on hold from
    travelling or on site. Not new, assigned, accepted or cancelled. Pure."""
    if order.status is Status.ON_HOLD:
        return order.status_before_hold in (Status.EN_ROUTE, Status.ON_SITE)
    return order.status in TRAVELLED_STATUSES


def is_receipt_type(content_type: str) -> bool:
    """A photo or a PDF. Pure."""
    return content_type.startswith("image/") or content_type in RECEIPT_CONTENT_TYPES


def add_expense(session: Session, *, order: WorkOrder, engineer: Engineer, actor: User, kind: ExpenseKind,
                mileage_rate_cents_per_km: int, amount_cents: int | None = None,
                currency: str = DEFAULT_CURRENCY, distance_m: int | None = None,
                receipt_attachment_id: int | None = None, note: str | None = None,
                device_time: datetime | None = None) -> Expense:
    """Record an expense of `engineer` for `order` (locked by the caller) and write it
    to the order's timeline.

    Travel: without `distance_m` the distance is measured along the engineer's GPS
    pings between the job's start of travel and check-in (422 `no_gps_track` when that
    is impossible: the phone then asks for the distance). Without `amount_cents` the
    amount is distance × `mileage_rate_cents_per_km` (in the default currency). Tolls,
    parking and other expenses need an amount and have no distance. A receipt must be
    an image or PDF attached to the same order (422 `invalid_receipt`).

    Raises ExpenseNotAllowedError (409) before the job is under way or once cancelled."""
    if not may_add_expenses(order):
        raise ExpenseNotAllowedError(
            f"Expenses cannot be added to an order that is {order.status.value}",
            current_status=order.status.value, allowed_from=sorted(s.value for s in TRAVELLED_STATUSES))
    device_time = bounded_device_time(device_time, utcnow())
    expense = Expense(work_order_id=order.id, engineer_id=engineer.id, kind=kind, currency=currency, note=note,
                      device_time=device_time, created_by_id=actor.id)
    if kind is ExpenseKind.TRAVEL:
        _price_travel(session, expense, order=order, engineer=engineer, amount_cents=amount_cents,
                      distance_m=distance_m, rate=mileage_rate_cents_per_km)
    else:
        if distance_m is not None:
            raise ValidationFailedError("Only travel has a distance", errors={"distance_m": ["travel only"]})
        if amount_cents is None:
            raise ValidationFailedError(f"A {kind.value} expense needs an amount",
                                        errors={"amount_cents": ["required"]})
        expense.amount_cents = amount_cents
    if receipt_attachment_id is not None:
        _check_receipt(session, order=order, attachment_id=receipt_attachment_id)
        expense.receipt_attachment_id = receipt_attachment_id
    session.add(expense)
    session.flush()
    record_event(session, order=order, kind=EventKind.EXPENSE, actor=actor, device_time=device_time, payload={
        "expense_id": expense.id, "engineer_id": engineer.id, "kind": kind.value,
        "amount_cents": expense.amount_cents, "currency": expense.currency, "distance_m": expense.distance_m,
        "distance_source": expense.distance_source.value if expense.distance_source else None,
        "receipt_attachment_id": expense.receipt_attachment_id})
    return expense


def _price_travel(session: Session, expense: Expense, *, order: WorkOrder, engineer: Engineer,
                  amount_cents: int | None, distance_m: int | None, rate: int) -> None:
    if distance_m is None:
        expense.distance_m = measure_travel(session, order=order, engineer=engineer).distance_m
        expense.distance_source = DistanceSource.GPS
    else:
        expense.distance_m = distance_m
        expense.distance_source = DistanceSource.ENTERED
    if amount_cents is not None:
        expense.amount_cents = amount_cents
        return
    if expense.currency != DEFAULT_CURRENCY:
        raise ValidationFailedError(f"The mileage rate is in {DEFAULT_CURRENCY}; enter the amount in "
                                    f"{expense.currency}", errors={"amount_cents": ["required for this currency"]})
    expense.amount_cents = mileage_amount_cents(expense.distance_m, rate)
    expense.rate_cents_per_km = rate


def _check_receipt(session: Session, *, order: WorkOrder, attachment_id: int) -> None:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.work_order_id != order.id:
        raise InvalidReceiptError("The receipt must be a file attached to this order",
                                  errors={"receipt_attachment_id": ["not an attachment of this order"]})
    if not is_receipt_type(attachment.content_type):
        raise InvalidReceiptError(f"A receipt is a photo or a PDF, not {attachment.content_type}",
                                  errors={"receipt_attachment_id": ["not an image or PDF"]})


def expenses_of_order(session: Session, *, order: WorkOrder) -> list[Expense]:
    """The order's expenses, oldest first."""
    return list(session.scalars(select(Expense).where(Expense.work_order_id == order.id)
                                .options(*_EXPENSE_LOAD_OPTIONS).order_by(Expense.created_at, Expense.id)))


@dataclass(frozen=True)
class OrderExpenses:
    """An order's expenses with their totals per kind and per currency."""
    work_order_id: int
    expenses: list[Expense]
    totals_by_kind: list[ExpenseTotal]
    totals: dict[str, int]


def order_expenses(session: Session, *, order: WorkOrder) -> OrderExpenses:
    """The order's expenses, oldest first, with their totals."""
    expenses = expenses_of_order(session, order=order)
    by_kind = expense_totals(expenses)
    return OrderExpenses(work_order_id=order.id, expenses=expenses, totals_by_kind=by_kind,
                         totals=currency_totals(by_kind))


def expense_totals(expenses: Iterable[Expense]) -> list[ExpenseTotal]:
    """Sums per kind and currency (and travel's distance), in the kinds' order. Pure."""
    sums: dict[tuple[ExpenseKind, str], ExpenseTotal] = {}
    for expense in expenses:
        travel = expense.kind is ExpenseKind.TRAVEL
        so_far = sums.get((expense.kind, expense.currency)) or ExpenseTotal(
            kind=expense.kind, currency=expense.currency, count=0, amount_cents=0, distance_m=0 if travel else None)
        sums[(expense.kind, expense.currency)] = replace(
            so_far, count=so_far.count + 1, amount_cents=so_far.amount_cents + expense.amount_cents,
            distance_m=so_far.distance_m + expense.distance_m if travel else None)
    kinds = list(ExpenseKind)
    return sorted(sums.values(), key=lambda total: (kinds.index(total.kind), total.currency))


def currency_totals(totals: Iterable[ExpenseTotal]) -> dict[str, int]:
    """Everything per currency, from the per-kind totals. Pure."""
    result: dict[str, int] = {}
    for total in totals:
        result[total.currency] = result.get(total.currency, 0) + total.amount_cents
    return dict(sorted(result.items()))


def occurred_at():
    """When an expense counts in reports: the phone's time if it gave one, else the
    server's (the expression the per-engineer index is built on)."""
    return func.coalesce(Expense.device_time, Expense.created_at)


def expense_query(*, engineer_id: int | None = None, since: datetime | None = None, until: datetime | None = None,
                  kind: ExpenseKind | None = None) -> Select:
    """Expenses matching every filter given (`since` included, `until` excluded, on when
    they occurred), newest first."""
    query = select(Expense).options(*_EXPENSE_LOAD_OPTIONS).order_by(occurred_at().desc(), Expense.id.desc())
    if engineer_id is not None:
        query = query.where(Expense.engineer_id == engineer_id)
    if since is not None:
        query = query.where(occurred_at() >= since)
    if until is not None:
        query = query.where(occurred_at() < until)
    if kind is not None:
        query = query.where(Expense.kind == kind)
    return query


def amount_totals(session: Session, query: Select) -> dict[str, int]:
    """The amount per currency of every expense `query` (from `expense_query`) matches."""
    matched = query.order_by(None).subquery()
    rows = session.execute(select(matched.c.currency, func.sum(matched.c.amount_cents))
                           .group_by(matched.c.currency).order_by(matched.c.currency)).all()
    return {currency: int(amount) for currency, amount in rows}
