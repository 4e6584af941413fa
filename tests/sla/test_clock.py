"""Hand-computed SLA clocks: business hours, China's holidays and make-up working days,
pauses, a change of target mid-way and an offline check-in. Every expected time below
was worked out on paper from the calendar, as written in the comments."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import BusinessCalendar, NoWorkingTimeError, add_business_time, business_time_between
from sla.clock import ClockState, StatusChange, Target, TargetKind, compute_clock, effective_time

SH = ZoneInfo("Asia/Shanghai")
DAY = ((time(9), time(12)), (time(13), time(18)))          # 8 working hours with a lunch break
PLAIN_DAY = ((time(9), time(18)),)
# 2026 National Day (国务院办公厅, 2025-11-04): 1–7 October off; Sunday 20 September and
# Saturday 10 October are working days.
NATIONAL_DAY_2026 = frozenset(date(2026, 10, d) for d in range(1, 8))
MAKE_UP_2026 = {date(2026, 9, 20): DAY, date(2026, 10, 10): DAY}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def calendar(hours=DAY, holidays=frozenset(), working_days=None) -> BusinessCalendar:
    return BusinessCalendar(timezone="Asia/Shanghai", weekly_hours={d: hours for d in range(5)},
                            holidays=holidays, working_days=working_days or {})


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def target(kind=TargetKind.RESOLUTION, duration=hours(4), business=True,
           pause=("waiting_parts", "customer_unavailable")) -> Target:
    return Target(kind=kind, duration=duration, business_time=business, pause_on_hold_reasons=frozenset(pause))


# --- the calendar ---------------------------------------------------------------------------------

def test_friday_1755_plus_four_business_hours_is_monday_morning():
    # Friday 20 Nov 2026 17:55: 5 minutes left that day; 3 h 55 min from Monday 09:00.
    assert add_business_time(calendar(PLAIN_DAY), at(2026, 11, 20, 17, 55), hours(4)) == at(2026, 11, 23, 12, 55)
    # With a lunch break: 09:00–12:00 gives 3 h, the last 55 min run from 13:00.
    assert add_business_time(calendar(), at(2026, 11, 20, 17, 55), hours(4)) == at(2026, 11, 23, 13, 55)


def test_time_outside_hours_starts_at_the_next_opening():
    assert add_business_time(calendar(), at(2026, 11, 21, 10, 0), hours(1)) == at(2026, 11, 23, 10, 0)   # Saturday
    assert add_business_time(calendar(), at(2026, 11, 23, 12, 30), hours(1)) == at(2026, 11, 23, 14, 0)  # lunch


def test_business_time_between_skips_nights_weekends_and_holidays():
    cal = calendar(holidays=NATIONAL_DAY_2026, working_days=MAKE_UP_2026)
    # Wed 30 Sep 16:00 → Sat 10 Oct (make-up day) 10:00: 2 h on the 30th, nothing 1–7 Oct,
    # 8 h on Thu 8th, 8 h on Fri 9th, 1 h on Saturday 10th.
    assert business_time_between(cal, at(2026, 9, 30, 16), at(2026, 10, 10, 10)) == hours(19)
    assert business_time_between(cal, at(2026, 10, 10, 10), at(2026, 9, 30, 16)) == timedelta(0)


def test_a_calendar_without_hours_says_so():
    with pytest.raises(NoWorkingTimeError):
        add_business_time(BusinessCalendar(timezone="Asia/Shanghai", weekly_hours={}), at(2026, 1, 1), hours(1))


# --- the clocks -----------------------------------------------------------------------------------

def test_created_friday_1755_responded_monday():
    goal = target(TargetKind.FIRST_RESPONSE, hours(4))
    created = at(2026, 11, 20, 17, 55)
    running = compute_clock(goal, calendar(), created, [], now=at(2026, 11, 23, 10, 0))
    assert (running.state, running.deadline, running.elapsed) == (ClockState.RUNNING, at(2026, 11, 23, 13, 55),
                                                                  timedelta(minutes=65))
    answered = compute_clock(goal, calendar(), created, [StatusChange(at(2026, 11, 23, 11, 0), "assigned")],
                             now=at(2026, 11, 23, 15, 0))
    assert (answered.state, answered.stopped_at, answered.elapsed) == (ClockState.MET, at(2026, 11, 23, 11, 0),
                                                                       timedelta(minutes=125))


def test_a_pause_across_national_day_and_the_make_up_saturday():
    # Created Wed 30 Sep 10:00, 24 business hours to resolve. Running 10–12 and 13–15 (4 h),
    # on hold for parts 15:00 until Thu 8 Oct 10:00. 20 h remain: Thu 8th 10–12, 13–18 (7 h),
    # Fri 9th (8 h), Sat 10th is a make-up working day: 09–12, 13–15 (5 h) → Sat 10 Oct 15:00.
    cal = calendar(holidays=NATIONAL_DAY_2026, working_days=MAKE_UP_2026)
    changes = [StatusChange(at(2026, 9, 30, 15), "on_hold", "waiting_parts"),
               StatusChange(at(2026, 10, 8, 10), "assigned")]
    clock = compute_clock(target(duration=hours(24)), cal, at(2026, 9, 30, 10), changes, now=at(2026, 10, 9, 9))
    assert clock.deadline == at(2026, 10, 10, 15, 0)
    # Paused: 30 Sep 15–18 (3 h), the holidays (0 h), 8 Oct 09–10 (1 h).
    assert clock.paused_for == hours(4)
    assert clock.state is ClockState.RUNNING
    # Without the make-up Saturday the deadline would fall on Monday 12 October.
    plain = calendar(holidays=NATIONAL_DAY_2026)
    assert compute_clock(target(duration=hours(24)), plain, at(2026, 9, 30, 10), changes,
                         now=at(2026, 10, 9, 9)).deadline == at(2026, 10, 12, 15, 0)


def test_while_paused_there_is_no_deadline_and_time_stands_still():
    changes = [StatusChange(at(2026, 11, 23, 10), "on_hold", "customer_unavailable")]
    clock = compute_clock(target(duration=hours(4)), calendar(), at(2026, 11, 23, 9), changes,
                          now=at(2026, 11, 24, 17))
    assert (clock.state, clock.deadline, clock.elapsed, clock.remaining) == (ClockState.PAUSED, None, hours(1), hours(3))


def test_holds_for_other_reasons_do_not_pause():
    changes = [StatusChange(at(2026, 11, 23, 10), "on_hold", "awaiting_approval")]
    clock = compute_clock(target(duration=hours(4)), calendar(), at(2026, 11, 23, 9), changes,
                          now=at(2026, 11, 23, 11))
    assert (clock.state, clock.deadline) == (ClockState.RUNNING, at(2026, 11, 23, 14, 0))


def test_a_priority_change_recomputes_from_the_start_keeping_the_pause():
    # Created Mon 23 Nov 09:00, on hold (customer unavailable) 09:30–10:30.
    # Normal: 8 h. Running 09:00–09:30, 10:30–12:00, 13:00–18:00 = 7 h; 1 h more on Tue → Tue 10:00.
    # Urgent: 2 h. 09:00–09:30 and 10:30–12:00 → Mon 12:00.
    changes = [StatusChange(at(2026, 11, 23, 9, 30), "on_hold", "customer_unavailable"),
               StatusChange(at(2026, 11, 23, 10, 30), "new")]
    created, now = at(2026, 11, 23, 9), at(2026, 11, 23, 11)
    normal = compute_clock(target(duration=hours(8)), calendar(), created, changes, now=now)
    urgent = compute_clock(target(duration=hours(2)), calendar(), created, changes, now=now)
    assert (normal.deadline, urgent.deadline) == (at(2026, 11, 24, 10, 0), at(2026, 11, 23, 12, 0))
    assert normal.paused_for == urgent.paused_for == hours(1)
    # Resolved at 14:30: urgent breached, normal met.
    done = [*changes, StatusChange(at(2026, 11, 23, 14, 30), "resolved")]
    assert compute_clock(target(duration=hours(2)), calendar(), created, done, now=now).state is ClockState.BREACHED
    assert compute_clock(target(duration=hours(8)), calendar(), created, done, now=now).state is ClockState.MET


def test_an_offline_check_in_counts_when_it_happened():
    # Created Mon 09:00, 4 business hours to arrive → 09–12 (3 h) + 13–14 → 14:00.
    # The engineer checked in at 13:30 while offline; the phone synced at 15:30.
    device, server = at(2026, 11, 23, 13, 30), at(2026, 11, 23, 15, 30)
    arrival = target(TargetKind.ARRIVAL, hours(4))
    checked_in = [StatusChange(effective_time(server, device), "on_site")]
    clock = compute_clock(arrival, calendar(), at(2026, 11, 23, 9), checked_in, now=server)
    assert (clock.deadline, clock.stopped_at, clock.state) == (at(2026, 11, 23, 14), device, ClockState.MET)
    # Had the server's receipt time counted, the arrival would have been late.
    late = compute_clock(arrival, calendar(), at(2026, 11, 23, 9), [StatusChange(server, "on_site")], now=server)
    assert late.state is ClockState.BREACHED


def test_a_phone_clock_running_fast_cannot_buy_time():
    server = at(2026, 11, 23, 15)
    assert effective_time(server, server + timedelta(minutes=3)) == server
    assert effective_time(server, None) == server


def test_calendar_time_targets_ignore_the_calendar():
    clock = compute_clock(target(duration=hours(4), business=False), calendar(), at(2026, 11, 20, 17, 55), [],
                          now=at(2026, 11, 20, 18))
    assert clock.deadline == at(2026, 11, 20, 21, 55)


def test_cancelled_orders_stop_their_clocks():
    clock = compute_clock(target(), calendar(), at(2026, 11, 23, 9), [StatusChange(at(2026, 11, 23, 10), "cancelled")],
                          now=at(2026, 11, 23, 16))
    assert clock.state is ClockState.CANCELLED


def test_warning_moments():
    goal = target(duration=hours(4))
    clock = compute_clock(goal, calendar(), at(2026, 11, 20, 17, 55), [], now=at(2026, 11, 20, 18))
    # 50 % = 2 h: 5 min on Friday, 1 h 55 min on Monday → 10:55. 75 % = 3 h → Monday 11:55.
    assert clock.moment_at_fraction(goal, calendar(), 0.5) == at(2026, 11, 23, 10, 55)
    assert clock.moment_at_fraction(goal, calendar(), 0.75) == at(2026, 11, 23, 11, 55)
    assert clock.moment_at_fraction(goal, calendar(), 1.0) == clock.deadline
