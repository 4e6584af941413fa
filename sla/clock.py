"""SLA clocks computed from an order's status history. Pure: the caller turns the event
log into `StatusChange`s and the policy into a `Target`.

A clock starts when the order is created, pauses while the order is on hold for a
reason the policy pauses on, and stops on its target's event: first response when the
order first leaves `new`, arrival when the engineer first checks in, resolution when
the order is resolved. A cancelled order's clocks are cancelled. The deadline is
recomputed from the whole history every time — so a new target (a change of priority
or policy) applies from the start, keeping the paused time.
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sla.calendar import BusinessCalendar, add_business_time, always_open, business_time_between


class TargetKind(str, enum.Enum):
    FIRST_RESPONSE = "first_response"
    ARRIVAL = "arrival"
    RESOLUTION = "resolution"


class ClockState(str, enum.Enum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"      # stopped after the deadline
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class StatusChange:
    """One status transition, at the time it counts (device time for field actions,
    bounded by when the server received it)."""
    at: datetime
    to_status: str
    hold_reason: str | None = None


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    duration: timedelta
    business_time: bool                      # measured on the calendar, else calendar time
    pause_on_hold_reasons: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Clock:
    kind: TargetKind
    state: ClockState
    started_at: datetime
    stopped_at: datetime | None
    deadline: datetime | None                 # None while paused (it moves on resume)
    elapsed: timedelta                        # running time used, pauses excluded
    remaining: timedelta                      # at `now` (negative when overdue)
    paused_for: timedelta                     # time spent paused, in the target's measure
    # (from, to) of each pause; `to` None for a pause still going on.
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()

    def moment_at_fraction(self, target: Target, calendar: BusinessCalendar, fraction: float) -> datetime | None:
        """When the running clock reaches `fraction` of its target (e.g. 0.75 for a 75 %
        warning); None unless it is running."""
        if self.state is not ClockState.RUNNING:
            return None
        return _moment_reaching(target, calendar, self.started_at, self.pauses, target.duration * fraction)


STOPPING_STATUSES = {
    TargetKind.FIRST_RESPONSE: None,   # any status other than new (and cancelled)
    TargetKind.ARRIVAL: {"on_site"},
    TargetKind.RESOLUTION: {"resolved"},
}


def _stops(kind: TargetKind, status: str) -> bool:
    if kind is TargetKind.FIRST_RESPONSE:
        return status not in ("new", "cancelled")
    return status in STOPPING_STATUSES[kind]


def compute_clock(target: Target, calendar: BusinessCalendar, created_at: datetime,
                  changes: Sequence[StatusChange], now: datetime) -> Clock:
    """The clock of one target for an order created at `created_at` whose status
    changes are `changes` (in any order; sorted by time here), as it stands at `now`."""
    measure = calendar if target.business_time else always_open(calendar.timezone)
    pauses: list[tuple[datetime, datetime | None]] = []
    paused_since: datetime | None = None
    stopped_at: datetime | None = None
    cancelled = False
    for change in sorted(changes, key=lambda c: c.at):
        at = max(change.at, created_at)
        if paused_since is not None and not _pauses(target, change):
            pauses.append((paused_since, at))
            paused_since = None
        if change.to_status == "cancelled":
            cancelled = True
            break
        if _stops(target.kind, change.to_status):
            stopped_at = at
            break
        if paused_since is None and _pauses(target, change):
            paused_since = at
    if paused_since is not None:
        pauses.append((paused_since, None))
    until = stopped_at or now
    paused_for = sum((business_time_between(measure, start, min(end or until, until)) for start, end in pauses),
                     timedelta(0))
    elapsed = business_time_between(measure, created_at, until) - paused_for
    still_paused = bool(pauses) and pauses[-1][1] is None and stopped_at is None and not cancelled
    deadline = None if still_paused else _moment_reaching(target, measure, created_at, tuple(pauses),
                                                          target.duration)
    if cancelled:
        state = ClockState.CANCELLED
    elif stopped_at is not None:
        state = ClockState.MET if deadline is not None and stopped_at <= deadline else ClockState.BREACHED
    elif still_paused:
        state = ClockState.PAUSED
    else:
        state = ClockState.RUNNING
    return Clock(kind=target.kind, state=state, started_at=created_at, stopped_at=stopped_at, deadline=deadline,
                 elapsed=elapsed, remaining=target.duration - elapsed, paused_for=paused_for, pauses=tuple(pauses))


def effective_time(server_time: datetime, device_time: datetime | None) -> datetime:
    """When a field action counts: as the phone saw it, but never later than the server
    received it (a phone's clock running fast cannot buy time)."""
    return min(device_time, server_time) if device_time is not None else server_time


def _pauses(target: Target, change: StatusChange) -> bool:
    return change.to_status == "on_hold" and change.hold_reason in target.pause_on_hold_reasons


def _moment_reaching(target: Target, calendar: BusinessCalendar, start: datetime,
                     pauses: Sequence[tuple[datetime, datetime | None]], amount: timedelta) -> datetime | None:
    """When running time since `start`, not counting closed pauses, reaches `amount`
    (None if a pause still open comes first)."""
    measure = calendar if target.business_time else always_open(calendar.timezone)
    remaining = amount
    cursor = start
    for pause_start, pause_end in sorted(pauses):
        run = business_time_between(measure, cursor, pause_start)
        if run >= remaining:
            break
        remaining -= run
        if pause_end is None:
            return None
        cursor = max(cursor, pause_end)
    return add_business_time(measure, cursor, remaining)
