"""From the database to the solver's format: which orders and engineers make a day's
problem, and how shifts, time off, breaks and positions are described."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.engineers.models import TimeOff
from app.geo import make_point
from app.workorders.models import Priority, Status
from dispatch.planning import PlanningSettings, build_problem, engineer_key
from dispatch.solver import parse_problem
from sla import service as sla_service
from sla.clock import TargetKind
from sla.models import BusinessCalendar, SlaPolicy, SlaTarget
from tests.factories import EngineerFactory, SiteFactory, WorkOrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)
SETTINGS = PlanningSettings()


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def build(session, *, now: datetime | None = None, **scope):
    return build_problem(session, day=MONDAY, zone=SHANGHAI, now=now or at(6) - timedelta(days=3),
                         settings=SETTINGS, **scope)


def jobs_by_id(built) -> dict:
    return {job["id"]: job for job in built.problem["jobs"]}


def engineers_by_id(built) -> dict:
    return {engineer["id"]: engineer for engineer in built.problem["engineers"]}


def test_a_new_order_of_the_day_becomes_a_job_in_the_format(session):
    order = WorkOrderFactory(priority=Priority.HIGH, estimated_duration_min=90, skills={"hvac": 2},
                             window_start=at(9), window_end=at(11),
                             site=SiteFactory(location=make_point(121.5012, 31.2011)))
    built = build(session)
    assert jobs_by_id(built)[order.number] == {
        "id": order.number, "location": [121.5012, 31.2011], "duration_s": 5400, "skills": {"hvac": 2},
        "priority": 2, "pinned_to": None, "window": ["2026-11-30T09:00:00+08:00", "2026-11-30T11:00:00+08:00"]}
    assert built.order_versions == {str(order.id): order.version}
    assert built.problem["travel"] == {"model": "haversine", "speed_kmh": 30.0, "road_factor": 1.3}


def test_only_the_days_plannable_orders_are_jobs(session):
    engineer = EngineerFactory()
    other_day = WorkOrderFactory(window_start=at(9, day=MONDAY + timedelta(days=1)),
                                 window_end=at(11, day=MONDAY + timedelta(days=1)))
    no_window = WorkOrderFactory(window_start=None, window_end=None)
    cancelled = WorkOrderFactory(status=Status.CANCELLED, window_start=at(9), window_end=at(11))
    assigned = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=engineer,
                                scheduled_start=at(9), scheduled_end=at(10), window_start=at(9), window_end=at(11))
    accepted = WorkOrderFactory(status=Status.ACCEPTED, scheduled_engineer=engineer,
                                scheduled_start=at(13), scheduled_end=at(14), window_start=at(13), window_end=at(15))
    on_hold = WorkOrderFactory(status=Status.ON_HOLD, scheduled_engineer=engineer,
                               scheduled_start=at(15), scheduled_end=at(16))
    jobs = jobs_by_id(build(session))
    assert other_day.number not in jobs and cancelled.number not in jobs and on_hold.number not in jobs
    assert "window" not in jobs[no_window.number]
    assert jobs[assigned.number]["pinned_to"] is None
    assert jobs[accepted.number]["pinned_to"] == engineer_key(engineer.id)


def test_shift_lunch_and_return_to_base(session):
    engineer = EngineerFactory(skills={"hvac": 3, "electrical": 1}, max_jobs_per_day=6,
                               home_base=make_point(121.45, 31.22))
    described = engineers_by_id(build(session))[engineer_key(engineer.id)]
    assert described == {
        "id": engineer_key(engineer.id), "start": [121.45, 31.22], "end": [121.45, 31.22],
        "shift": ["2026-11-30T08:30:00+08:00", "2026-11-30T17:30:00+08:00"],
        "skills": {"hvac": 3, "electrical": 1}, "max_jobs": 6,
        "breaks": [{"window": ["2026-11-30T11:30:00+08:00", "2026-11-30T13:00:00+08:00"], "duration_s": 1800}]}


def test_time_off_shortens_the_shift_or_becomes_a_break(session):
    late_start, afternoon_off, all_day_off = EngineerFactory(), EngineerFactory(), EngineerFactory()
    session.add_all([TimeOff(engineer_id=late_start.id, starts_at=at(7), ends_at=at(10)),
                     TimeOff(engineer_id=afternoon_off.id, starts_at=at(14), ends_at=at(15, 30)),
                     TimeOff(engineer_id=all_day_off.id, starts_at=at(0), ends_at=at(23))])
    session.flush()
    session.expire_all()
    engineers = engineers_by_id(build(session))
    assert engineers[engineer_key(late_start.id)]["shift"][0] == "2026-11-30T10:00:00+08:00"
    assert {"window": ["2026-11-30T14:00:00+08:00", "2026-11-30T14:00:00+08:00"], "duration_s": 5400} in \
        engineers[engineer_key(afternoon_off.id)]["breaks"]
    assert engineer_key(all_day_off.id) not in engineers


def test_overlapping_time_off_is_one_break_and_time_off_over_lunch_is_the_lunch(session):
    # Two breaks for overlapping time off could never both be taken, nor a lunch inside
    # time off: either left the engineer off duty for the whole day.
    overlapping, off_over_lunch, off_before_lunch = EngineerFactory(), EngineerFactory(), EngineerFactory()
    session.add_all([TimeOff(engineer_id=overlapping.id, starts_at=at(14), ends_at=at(15)),
                     TimeOff(engineer_id=overlapping.id, starts_at=at(14, 30), ends_at=at(16)),
                     TimeOff(engineer_id=off_over_lunch.id, starts_at=at(11), ends_at=at(14)),
                     TimeOff(engineer_id=off_before_lunch.id, starts_at=at(10), ends_at=at(11, 45))])
    session.flush()
    session.expire_all()
    engineers = engineers_by_id(build(session))
    lunch = {"window": ["2026-11-30T11:30:00+08:00", "2026-11-30T13:00:00+08:00"], "duration_s": 1800}
    assert engineers[engineer_key(overlapping.id)]["breaks"] == [
        lunch, {"window": ["2026-11-30T14:00:00+08:00", "2026-11-30T14:00:00+08:00"], "duration_s": 7200}]
    assert engineers[engineer_key(off_over_lunch.id)]["breaks"] == [
        {"window": ["2026-11-30T11:00:00+08:00", "2026-11-30T11:00:00+08:00"], "duration_s": 10800}]
    # A quarter of an hour of the time off falls in the lunch hours: lunch is still
    # taken, after it.
    assert lunch in engineers[engineer_key(off_before_lunch.id)]["breaks"]
    parse_problem(build(session).problem)


def test_engineers_off_that_weekday_or_inactive_are_left_out(session):
    weekend_only = EngineerFactory(weekdays=False)
    inactive = EngineerFactory(is_active=False)
    engineers = engineers_by_id(build(session))
    assert engineer_key(weekend_only.id) not in engineers and engineer_key(inactive.id) not in engineers


def test_planning_today_starts_from_now_and_the_fresh_position(session):
    now = at(10)
    engineer = EngineerFactory(last_position=make_point(121.50, 31.25), last_position_at=now - timedelta(minutes=5))
    stale = EngineerFactory(last_position=make_point(121.60, 31.30), last_position_at=now - timedelta(hours=3),
                            home_base=make_point(121.40, 31.20))
    order = WorkOrderFactory(window_start=at(8), window_end=at(12))
    built = build(session, now=now)
    engineers = engineers_by_id(built)
    assert engineers[engineer_key(engineer.id)]["start"] == [121.50, 31.25]
    assert engineers[engineer_key(engineer.id)]["shift"][0] == "2026-11-30T10:00:00+08:00"
    assert engineers[engineer_key(stale.id)]["start"] == [121.40, 31.20]
    assert jobs_by_id(built)[order.number]["window"][0] == "2026-11-30T10:00:00+08:00"


def test_an_engineer_on_site_starts_the_rest_of_the_day_there(session):
    now = at(10)
    engineer = EngineerFactory()
    on_site = WorkOrderFactory(status=Status.ON_SITE, scheduled_engineer=engineer, scheduled_start=at(9, 30),
                               scheduled_end=at(11), site=SiteFactory(location=make_point(121.55, 31.23)))
    built = build(session, now=now)
    described = engineers_by_id(built)[engineer_key(engineer.id)]
    assert described["start"] == [121.55, 31.23]
    assert described["shift"][0] == "2026-11-30T11:00:00+08:00"
    assert on_site.number not in jobs_by_id(built)


def test_an_accepted_order_of_an_engineer_who_no_longer_works_today_is_left_as_it_is(session):
    # Planning today after the shift (or on a day the engineer does not work): the
    # engineer is not in the problem, so neither is the order pinned to them. Before,
    # the job named an engineer the problem did not have and the run failed.
    gone_home = EngineerFactory()
    off_today = EngineerFactory(weekdays=False)
    accepted = WorkOrderFactory(status=Status.ACCEPTED, scheduled_engineer=gone_home,
                                scheduled_start=at(22), scheduled_end=at(23), window_start=at(21), window_end=at(23))
    en_route = WorkOrderFactory(status=Status.EN_ROUTE, scheduled_engineer=off_today,
                                scheduled_start=at(22), scheduled_end=at(23), window_start=at(21), window_end=at(23))
    assigned = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=gone_home,
                                scheduled_start=at(22), scheduled_end=at(23), window_start=at(21), window_end=at(23))
    built = build(session, now=at(21))
    assert engineer_key(gone_home.id) not in engineers_by_id(built)
    jobs = jobs_by_id(built)
    assert accepted.number not in jobs and en_route.number not in jobs
    assert jobs[assigned.number]["pinned_to"] is None          # not yet accepted: free to plan again
    parse_problem(built.problem)                               # every pinned job names an engineer of the problem


def test_scope_narrows_orders_and_engineers(session):
    mine, theirs = EngineerFactory(), EngineerFactory()
    chosen = WorkOrderFactory(window_start=at(9), window_end=at(11))
    not_chosen = WorkOrderFactory(window_start=at(9), window_end=at(11))
    theirs_assigned = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=theirs, scheduled_start=at(9),
                                       scheduled_end=at(10), window_start=at(9), window_end=at(11))
    built = build(session, order_ids=[chosen.id, theirs_assigned.id], engineer_ids=[mine.id])
    assert set(engineers_by_id(built)) == {engineer_key(mine.id)}
    jobs = jobs_by_id(built)
    assert chosen.number in jobs
    assert not_chosen.number not in jobs and theirs_assigned.number not in jobs


@pytest.mark.parametrize("priority, number", [(Priority.URGENT, 1), (Priority.HIGH, 2), (Priority.NORMAL, 3),
                                              (Priority.LOW, 4)])
def test_priorities_map_to_the_formats_numbers(session, priority, number):
    order = WorkOrderFactory(priority=priority, window_start=at(9), window_end=at(11))
    assert jobs_by_id(build(session))[order.number]["priority"] == number


def test_the_sla_arrival_deadline_becomes_the_jobs_soft_due(session):
    calendar = session.scalars(select(BusinessCalendar)).first()
    session.add(SlaPolicy(name="Arrive in 4 h", calendar_id=calendar.id, targets=[
        SlaTarget(kind=TargetKind.ARRIVAL, minutes=240, business_time=False)]))
    session.flush()
    created = at(7) - timedelta(days=1)
    timed, untimed = (WorkOrderFactory(window_start=at(9), window_end=at(17), created_at=created) for _ in range(2))
    sla_service.refresh_clocks(session, timed, now=created)

    jobs = jobs_by_id(build(session))

    assert jobs[timed.number]["due"] == (created + timedelta(hours=4)).astimezone(SHANGHAI).isoformat()
    assert "due" not in jobs[untimed.number]
