"""SLA policies applied to work orders: choose the policy, read the order's status
history from its event log and keep its clock rows up to date.

`refresh_clocks` runs after every event of an order (registered with
`app.workorders.events.after_event`), so a change of priority or of status re-computes
the clocks from the whole log at once; policy edits re-compute the open orders.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.customers.models import Customer
from app.db import utcnow
from app.workorders.models import OPEN_STATUSES, EventKind, Status, WorkOrder, WorkOrderEvent
from sla import calendar as pure
from sla.clock import ClockState, StatusChange, Target, TargetKind, compute_clock, effective_time
from sla.models import BusinessCalendar, CalendarDay, DayKind, SlaClock, SlaEvent, SlaPolicy

# Events after which an order's clocks may have changed.
CLOCK_EVENTS = (EventKind.CREATED, EventKind.STATUS_CHANGED, EventKind.UPDATED)


def _hours(pairs) -> tuple[pure.Interval, ...]:
    return tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in pairs or ())


def load_calendar(session: Session, calendar_id: int) -> pure.BusinessCalendar:
    """The pure calendar of a stored one, with its holidays and make-up working days."""
    row = session.scalar(select(BusinessCalendar).where(BusinessCalendar.id == calendar_id)
                         .options(selectinload(BusinessCalendar.days)))
    weekly = {int(day): _hours(hours) for day, hours in row.weekly_hours.items()}
    return pure.BusinessCalendar(
        timezone=row.timezone, weekly_hours=weekly,
        holidays=frozenset(d.day for d in row.days if d.kind is DayKind.HOLIDAY),
        working_days={d.day: _hours(d.hours) if d.hours else weekly.get(0, ())
                      for d in row.days if d.kind is DayKind.WORKING_DAY})


def active_policies(session: Session) -> list[SlaPolicy]:
    """The active policies with their targets, in the order they are tried."""
    return list(session.scalars(select(SlaPolicy).where(SlaPolicy.is_active.is_(True))
                                .options(selectinload(SlaPolicy.targets))
                                .order_by(SlaPolicy.position, SlaPolicy.id)))


def policy_for(session: Session, order: WorkOrder, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The first active policy (by position) whose conditions the order meets."""
    tier = session.scalar(select(Customer.tier).where(Customer.id == order.customer_id))
    facts = {"customer_tiers": tier.value if tier else None, "priorities": order.priority.value,
             "work_types": order.work_type.value, "channels": order.channel.value}
    for policy in active_policies(session) if policies is None else policies:
        if all(not getattr(policy, field) or value in getattr(policy, field) for field, value in facts.items()):
            return policy
    return None


def status_changes(session: Session, order_id: int) -> list[StatusChange]:
    """The order's status history, each at the time it counts (device time for field
    actions, bounded by server receipt)."""
    rows = session.execute(select(WorkOrderEvent.server_time, WorkOrderEvent.device_time, WorkOrderEvent.to_status,
                                  WorkOrderEvent.payload)
                           .where(WorkOrderEvent.work_order_id == order_id,
                                  WorkOrderEvent.kind == EventKind.STATUS_CHANGED)
                           .order_by(WorkOrderEvent.server_time, WorkOrderEvent.id))
    return [StatusChange(at=effective_time(server, device), to_status=to_status.value,
                         hold_reason=(payload or {}).get("reason") if to_status is Status.ON_HOLD else None)
            for server, device, to_status, payload in rows]


class ReferenceCache:
    """Policies and calendars read once for many orders (a sweep, a bulk refresh) inside
    one transaction; without it every order reads them afresh."""

    def __init__(self) -> None:
        self.policies: list[SlaPolicy] | None = None
        self.calendars: dict[int, pure.BusinessCalendar] = {}

    def active_policies(self, session: Session) -> list[SlaPolicy]:
        if self.policies is None:
            self.policies = active_policies(session)
        return self.policies

    def calendar(self, session: Session, calendar_id: int) -> pure.BusinessCalendar:
        if calendar_id not in self.calendars:
            self.calendars[calendar_id] = load_calendar(session, calendar_id)
        return self.calendars[calendar_id]


def refresh_clocks(session: Session, order: WorkOrder, *, now: datetime | None = None,
                   cache: ReferenceCache | None = None) -> list[SlaClock]:
    """Recompute the order's clocks from its log under its current policy. Clocks of
    targets the policy no longer has (or of an order no policy covers) are cancelled,
    keeping the warnings they raised."""
    now = now or utcnow()
    cache = cache or ReferenceCache()
    existing = {c.kind: c for c in session.scalars(select(SlaClock).where(SlaClock.work_order_id == order.id))}
    policy = policy_for(session, order, cache.active_policies(session))
    targets = {t.kind: t for t in policy.targets} if policy else {}
    if targets:
        calendar = cache.calendar(session, policy.calendar_id)
        changes = status_changes(session, order.id)
        raised = {(clock_id, threshold) for clock_id, threshold in session.execute(
            select(SlaEvent.clock_id, SlaEvent.threshold).where(SlaEvent.work_order_id == order.id))}
    for kind in TargetKind:
        row = existing.get(kind)
        if kind not in targets:
            if row is not None:
                row.state, row.next_due_at, row.next_threshold, row.computed_at = ClockState.CANCELLED, None, None, now
            continue
        spec = targets[kind]
        target = Target(kind=kind, duration=timedelta(minutes=spec.minutes), business_time=spec.business_time,
                        pause_on_hold_reasons=frozenset(policy.pause_on_hold_reasons))
        clock = compute_clock(target, calendar, order.created_at, changes, now)
        if row is None:
            row = SlaClock(work_order_id=order.id, kind=kind)
            session.add(row)
        row.policy_id, row.target_minutes, row.business_time = policy.id, spec.minutes, spec.business_time
        row.state, row.started_at, row.stopped_at, row.deadline = clock.state, clock.started_at, clock.stopped_at, \
            clock.deadline
        row.elapsed_s, row.paused_s = int(clock.elapsed.total_seconds()), int(clock.paused_for.total_seconds())
        row.computed_at = now
        session.flush()
        row.next_threshold, row.next_due_at = _next_warning(row, policy, clock, target, calendar, raised)
    session.flush()
    return [c for c in session.scalars(select(SlaClock).where(SlaClock.work_order_id == order.id)
                                       .order_by(SlaClock.kind))]


def _next_warning(row: SlaClock, policy: SlaPolicy, clock, target: Target, calendar: pure.BusinessCalendar,
                  raised: set[tuple[int, int]]) -> tuple[int | None, datetime | None]:
    """The lowest threshold not raised yet for this clock, and when it falls due."""
    if clock.state is not ClockState.RUNNING:
        return None, None
    for threshold in sorted(policy.thresholds):
        if (row.id, threshold) not in raised:
            return threshold, clock.moment_at_fraction(target, calendar, threshold / 100)
    return None, None


def refresh_after_event(session: Session, order: WorkOrder, event: WorkOrderEvent) -> None:
    """Event hook: an order's log grew; its clocks follow."""
    if event.kind in CLOCK_EVENTS:
        refresh_clocks(session, order)


def refresh_open_orders(session: Session) -> int:
    """Recompute the clocks of every open order (after a policy or calendar changed).
    Answers how many orders."""
    orders = session.scalars(select(WorkOrder).where(WorkOrder.status.in_(list(OPEN_STATUSES)))
                             .order_by(WorkOrder.id)).all()
    cache = ReferenceCache()
    for order in orders:
        refresh_clocks(session, order, cache=cache)
    return len(orders)


def refresh_customer_orders(session: Session, customer: Customer) -> None:
    """Customer hook: a new tier can mean another policy for its open orders (their
    deadlines move; the time already run and paused is kept, read from the logs)."""
    cache = ReferenceCache()
    for order in session.scalars(select(WorkOrder).where(WorkOrder.customer_id == customer.id,
                                                         WorkOrder.status.in_(list(OPEN_STATUSES)))
                                 .order_by(WorkOrder.id)):
        refresh_clocks(session, order, cache=cache)


def clocks_of(session: Session, order_id: int) -> list[SlaClock]:
    return list(session.scalars(select(SlaClock).where(SlaClock.work_order_id == order_id).order_by(SlaClock.kind)))


def calendar_days(session: Session, calendar_id: int, year: int | None = None) -> list[CalendarDay]:
    """A calendar's holidays and make-up working days, optionally of one year."""
    query = select(CalendarDay).where(CalendarDay.calendar_id == calendar_id).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    return list(session.scalars(query))
