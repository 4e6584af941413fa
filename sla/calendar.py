"""Business time: working hours per weekday, holidays and make-up working days, in a
time zone. Pure: no database, so clocks can be computed and tested by hand.

China's public-holiday calendar moves working days around (调休): a holiday may fall on
a weekday and a Saturday or Sunday may be a working day. So a calendar says, for any
date, which hours are worked — the weekday's hours, none on a holiday, or the hours of
a make-up working day — and business time is the sum of those hours.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[time, time]

# How far a computation may walk before concluding the calendar never works.
MAX_DAYS = 3 * 366


class NoWorkingTimeError(ValueError):
    """The calendar has no working hours within MAX_DAYS of the start."""


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str
    # Weekday (0 = Monday … 6 = Sunday) → working intervals, ordered, not overlapping.
    weekly_hours: Mapping[int, tuple[Interval, ...]]
    holidays: frozenset[date] = frozenset()
    # Make-up working days: date → the hours worked that day.
    working_days: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        """The working intervals of a local date."""
        if day in self.working_days:
            return self.working_days[day]
        if day in self.holidays:
            return ()
        return self.weekly_hours.get(day.weekday(), ())

    def _periods_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods (aware datetimes) from `moment` on, clipped to start there."""
        zone = self.zone
        day = moment.astimezone(zone).date()
        for _ in range(MAX_DAYS):
            for start, end in self.hours_on(day):
                begins = datetime.combine(day, start, zone)
                ends = datetime.combine(day, end, zone) if end != time(0) else \
                    datetime.combine(day + timedelta(days=1), time(0), zone)
                if ends <= moment:
                    continue
                yield max(begins, moment), ends
            day += timedelta(days=1)
        raise NoWorkingTimeError(f"No working hours within {MAX_DAYS} days of {moment.isoformat()}")


def add_business_time(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The moment when `duration` of working time has passed since `start`. A zero
    duration from outside working hours answers `start` itself."""
    if duration <= timedelta(0):
        return start
    remaining = duration
    for begins, ends in calendar._periods_from(start):
        if ends - begins >= remaining:
            return begins + remaining
        remaining -= ends - begins
    raise AssertionError("unreachable: _periods_from raises when it runs out")


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time between two moments (zero when `end` is not after `start`)."""
    total = timedelta(0)
    if end <= start:
        return total
    for begins, ends in calendar._periods_from(start):
        if begins >= end:
            break
        total += min(ends, end) - begins
    return total


def always_open(timezone: str = "UTC") -> BusinessCalendar:
    """Calendar time: every hour of every day counts."""
    whole_day = ((time(0), time(0)),)
    return BusinessCalendar(timezone=timezone, weekly_hours={d: whole_day for d in range(7)})
