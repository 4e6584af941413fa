"""The SLA sweeper: raises the warnings and breaches that have fallen due.

Every running clock row carries the next threshold it has not raised yet and the moment
it falls due (`next_due_at`, kept by `sla.service.refresh_clocks`), so the sweeper's
question — what is due by now? — is one range scan of a partial index, and nothing is
held in memory between sweeps: a worker that restarts finds the same rows.

Two sweepers never raise the same warning twice:
- they lock whole orders (`FOR UPDATE SKIP LOCKED` on `work_orders`), so two workers
  take disjoint orders and never wait on each other, and a lifecycle transition (which
  locks its order too) is never interleaved with a sweep of the same order (that order
  is left for the next sweep);
- after locking, due-ness is read again (another sweeper may have just committed it);
- and the `sla_events` row is unique per (clock, threshold): even a bug in the above
  could not insert a second one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, joinedload

from app.auth.models import Role, User
from app.db import utcnow
from app.workorders.events import record_event
from app.workorders.models import EventKind, WorkOrder
from notifications.service import engineer_user, notify, team_lead, users_with_role
from sla import service
from sla.models import SlaClock, SlaEvent

BREACH = 100    # a threshold at or past 100 % of the target is a breach, not a warning
# Thresholds a single order can owe at once are few (e.g. after the worker was down);
# the bound only guards against a policy that would keep a clock due forever.
MAX_ROUNDS_PER_ORDER = 20

TARGET_NAMES = {"first_response": ("首次响应", "first response"), "arrival": ("到场", "arrival"),
                "resolution": ("解决", "resolution")}


@dataclass(frozen=True)
class SweepReport:
    orders: int      # orders swept (locked and looked at)
    raised: int      # SLA events raised


def sweep(session: Session, *, now: datetime | None = None, limit: int = 200) -> SweepReport:
    """Raise what is due on up to `limit` orders, soonest due first, skipping orders that
    another transaction holds. The caller commits (one transaction per batch) and calls
    again while orders were swept."""
    now = now or utcnow()
    due = select(SlaClock.work_order_id).where(SlaClock.next_due_at <= now)
    soonest = (select(func.min(SlaClock.next_due_at)).where(SlaClock.work_order_id == WorkOrder.id)
               .scalar_subquery())
    # SKIP LOCKED before LIMIT: each sweeper gets the next orders nobody else holds, and
    # never waits (so the order of locking cannot deadlock).
    orders = session.scalars(select(WorkOrder).where(WorkOrder.id.in_(due)).order_by(soonest, WorkOrder.id)
                             .limit(limit).with_for_update(of=WorkOrder, skip_locked=True)).all()
    cache = service.ReferenceCache()
    raised = sum(_sweep_order(session, order, now, cache) for order in orders)
    return SweepReport(orders=len(orders), raised=raised)


def _sweep_order(session: Session, order: WorkOrder, now: datetime, cache: service.ReferenceCache) -> int:
    raised = 0
    for _ in range(MAX_ROUNDS_PER_ORDER):
        # Read after locking: what another sweeper committed meanwhile is not due any more.
        due = session.scalars(select(SlaClock).where(SlaClock.work_order_id == order.id,
                                                     SlaClock.next_due_at <= now)
                              .order_by(SlaClock.next_due_at, SlaClock.id)
                              .execution_options(populate_existing=True)).all()
        if not due:
            break
        for clock in due:
            raised += _raise(session, order, clock, now)
        # The next threshold of each clock, and its moment, from the log as it is now.
        service.refresh_clocks(session, order, now=now, cache=cache)
    return raised


def _raise(session: Session, order: WorkOrder, clock: SlaClock, now: datetime) -> int:
    """Record that `clock` reached its next threshold: an `sla_events` row (once), an
    `sla` event in the order's timeline and notifications. Answers 1 if raised."""
    threshold = clock.next_threshold
    inserted = session.execute(
        insert(SlaEvent).values(clock_id=clock.id, work_order_id=order.id, threshold=threshold,
                                due_at=clock.next_due_at, raised_at=now)
        .on_conflict_do_nothing(index_elements=["clock_id", "threshold"]).returning(SlaEvent.id)).scalar()
    if inserted is None:
        return 0
    breach = threshold >= BREACH
    payload = {"target": clock.kind.value, "threshold": threshold, "due_at": clock.next_due_at.isoformat(),
               "deadline": clock.deadline.isoformat() if clock.deadline else None, "policy_id": clock.policy_id,
               "sla_event_id": inserted}
    record_event(session, order=order, kind=EventKind.SLA, actor=None,
                 action="sla_breach" if breach else "sla_warning", payload=payload)
    _notify(session, order, clock.kind.value, threshold, breach, payload)
    return 1


def recipients(session: Session, order: WorkOrder, *, breach: bool) -> list[User]:
    """Who hears of an order's SLA warning: the assigned engineer and whoever dispatches
    the order (its team's lead, or every dispatcher when it has none); a breach also goes
    to the managers."""
    engineer, lead = engineer_user(session, order.scheduled_engineer_id), team_lead(session, order.team_id)
    people = [engineer] if engineer is not None else []
    people += [lead] if lead is not None else users_with_role(session, Role.DISPATCHER)
    if breach:
        people += users_with_role(session, Role.MANAGER)
    return people


def _notify(session: Session, order: WorkOrder, target: str, threshold: int, breach: bool, payload: dict) -> None:
    zh_target, en_target = TARGET_NAMES[target]
    if breach:
        title = (f"SLA 违约：工单 {order.number} 已超过{zh_target}期限",
                 f"SLA breach: {order.number} is past its {en_target} deadline")
    else:
        title = (f"SLA 预警：工单 {order.number} 已用去{zh_target}时限的 {threshold}%",
                 f"SLA warning: {order.number} has used {threshold}% of its {en_target} target")
    body = (order.title, order.title)
    notify(session, recipients(session, order, breach=breach), kind="sla_breach" if breach else "sla_warning",
           title=title, body=body, work_order_id=order.id, payload=payload)


def sla_events_query(*, since: datetime | None = None, breaches_only: bool = False):
    """Raised SLA events, newest first, with their clock (for the API's list)."""
    query = select(SlaEvent).options(joinedload(SlaEvent.clock)).order_by(SlaEvent.raised_at.desc(),
                                                                           SlaEvent.id.desc())
    if since is not None:
        query = query.where(SlaEvent.raised_at >= since)
    if breaches_only:
        query = query.where(SlaEvent.threshold >= BREACH)
    return query
