"""An order's SLA at a glance, for lists: one state out of its clocks, and the SQL that
finds orders in that state (the work-order search filters and sorts by it).

`summarize` is pure; the clauses below it are SQL expressions on `WorkOrder`.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, exists, func, select

from app.workorders.models import WorkOrder
from sla.clock import ClockState, TargetKind
from sla.models import SlaClock


class SlaState(str, enum.Enum):
    NONE = "none"            # no policy covers the order (or its clocks were cancelled)
    RUNNING = "running"      # clocks running, every deadline still ahead
    PAUSED = "paused"        # open clocks, all paused (on hold for a pausing reason)
    OVERDUE = "overdue"      # a running clock is past its deadline
    BREACHED = "breached"    # a clock stopped after its deadline
    MET = "met"              # every clock stopped in time


class SlaFilter(str, enum.Enum):
    """What the work-order search may ask for."""
    OVERDUE = "overdue"      # a running clock past its deadline: late now, still fixable
    BREACHED = "breached"    # late now or stopped late: every order that missed a target


@dataclass(frozen=True)
class SlaSummary:
    state: SlaState
    # The earliest deadline of a running clock (the next one to watch), and its target.
    deadline: datetime | None
    kind: TargetKind | None


def summarize(clocks: Iterable[SlaClock], now: datetime) -> SlaSummary:
    """One state for an order's clocks: overdue beats breached beats running or paused,
    and met only when every clock stopped in time. Pure."""
    live = [c for c in clocks if c.state is not ClockState.CANCELLED]
    running = sorted((c for c in live if c.state is ClockState.RUNNING and c.deadline is not None),
                     key=lambda c: c.deadline)
    next_clock = running[0] if running else None
    deadline, kind = (next_clock.deadline, next_clock.kind) if next_clock else (None, None)
    if not live:
        state = SlaState.NONE
    elif next_clock is not None and next_clock.deadline <= now:
        state = SlaState.OVERDUE
    elif any(c.state is ClockState.BREACHED for c in live):
        state = SlaState.BREACHED
    elif running:
        state = SlaState.RUNNING
    elif any(c.state is ClockState.PAUSED for c in live):
        state = SlaState.PAUSED
    else:
        state = SlaState.MET
    return SlaSummary(state=state, deadline=deadline, kind=kind)


def _overdue_clock(now: datetime) -> ColumnElement[bool]:
    return ((SlaClock.work_order_id == WorkOrder.id) & (SlaClock.state == ClockState.RUNNING)
            & (SlaClock.deadline <= now))


def sla_filter_clause(wanted: SlaFilter, now: datetime) -> ColumnElement[bool]:
    """A WHERE clause on WorkOrder keeping the orders `wanted` asks for, as of `now`."""
    overdue = exists().where(_overdue_clock(now))
    if wanted is SlaFilter.OVERDUE:
        return overdue
    breached = exists().where((SlaClock.work_order_id == WorkOrder.id) & (SlaClock.state == ClockState.BREACHED))
    return overdue | breached


def next_deadline_column() -> ScalarSelect:
    """The earliest deadline of the order's running clocks (NULL when none), to sort by."""
    return (select(func.min(SlaClock.deadline))
            .where(SlaClock.work_order_id == WorkOrder.id, SlaClock.state == ClockState.RUNNING)
            .scalar_subquery())
