"""Each KPI on a handful of hand-built orders, against numbers worked out by hand.

March 2026: Sunday the 1st, Monday the 2nd. Shanghai is UTC+8 all year, so 23:30 local on
the 1st is 15:30 UTC on the 1st, and 00:30 local on the 2nd is 16:30 UTC on the 1st: the
buckets must follow the local date.
"""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from app.auth.models import Role
from app.engineers.models import TimeOff
from app.workorders.models import Channel, Status, WorkType
from inventory.models import LocationKind, MovementKind, Part, StockLocation, StockMovement
from kpis import queries
from kpis.queries import Window
from tests.factories import (AssetFactory, CustomerFactory, EngineerFactory, RatingFactory, SiteFactory, TeamFactory,
                             UserFactory)
from tests.kpis.build import at, change, clock, order, path

D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
TZ = "Asia/Shanghai"


def window(first: date, last: date, period: str = "day", by: str | None = None) -> Window:
    return Window(first, last, period, by, TZ)


def values(rows, *names):
    return [tuple(row[n] for n in names) for row in rows]


# -- volume and the local-date buckets --------------------------------------------------------

@pytest.fixture
def intake(session):
    hvac, lifts = TeamFactory(name="暖通东区"), TeamFactory(name="Lifts")
    order(at(3, 1, 23, 30), channel=Channel.PHONE, team=hvac)     # 15:30 UTC on the 1st
    order(at(3, 2, 0, 30), channel=Channel.PHONE, team=lifts)     # 16:30 UTC on the 1st
    order(at(3, 2, 10), channel=Channel.EMAIL, team=hvac, status=Status.CANCELLED)
    order(at(2, 28, 23, 59), channel=Channel.WECHAT)              # the day before the range
    order(at(3, 3, 0, 0), channel=Channel.WEB)                     # the day after


def test_volume_counts_orders_on_their_local_date(session, intake):
    rows = queries.volume_by_channel(session, window(D1, D2))
    assert values(rows, "bucket", "group_id", "group_name", "channel", "orders") == [
        (D1, None, None, "phone", 1),
        (D2, None, None, "email", 1),      # cancelled, still received
        (D2, None, None, "phone", 1),      # 00:30 local on the 2nd, though the 1st in UTC
    ]


def test_weeks_start_on_monday_and_months_on_the_first(session, intake):
    weeks = queries.volume_by_channel(session, window(D1, D2, "week"))
    # Sunday the 1st closes the week of Monday 23 February; Monday the 2nd opens the next.
    assert values(weeks, "bucket", "channel", "orders") == [
        (date(2026, 2, 23), "phone", 1), (D2, "email", 1), (D2, "phone", 1)]
    months = queries.volume_by_channel(session, window(date(2026, 2, 28), D3, "month"))
    assert values(months, "bucket", "channel", "orders") == [
        (date(2026, 2, 1), "wechat", 1),
        (D1, "email", 1), (D1, "phone", 2), (D1, "web", 1)]


def test_volume_by_team_names_the_groups(session, intake):
    rows = queries.volume_by_channel(session, window(D1, D3, "month", by="team"))
    named = [(r["group_name"], r["channel"], r["orders"]) for r in rows]
    # Ordered by name (byte order: Latin before Chinese); the order without a team last.
    assert named == [("Lifts", "phone", 1), ("暖通东区", "email", 1), ("暖通东区", "phone", 1), (None, "web", 1)]
    assert all(isinstance(r["group_id"], int) for r in rows[:3]) and rows[3]["group_id"] is None


# -- durations: first response, time to site, time to resolve ----------------------------------

@pytest.fixture
def lifecycle(session):
    """Orders with full histories; the expected minutes are in the comments."""
    hvac, lifts = TeamFactory(name="暖通东区"), TeamFactory(name="Lifts")
    zhang = EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="张伟"), team=hvac)
    li = EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Li Na"), team=lifts)

    # X, created 09:00 on the 2nd: response 09:30 (30 min); declined and assigned again at
    # 10:10 (not a first response); check-in reported 13:40 by the phone, received 13:45
    # (site 280 min); on hold 14:00, back on site 15:00 (not a first check-in); resolved
    # as the phone saw it at 15:58, received 16:00 (resolve 418 min).
    x = order(at(3, 2, 9), scheduled_engineer=zhang, status=Status.RESOLVED)
    path(x, ("assigned", at(3, 2, 9, 30)), ("new", at(3, 2, 10)), ("assigned", at(3, 2, 10, 10)),
         ("accepted", at(3, 2, 11)), ("en_route", at(3, 2, 13)))
    change(x, "on_site", None, from_status="en_route", device_time=at(3, 2, 13, 40), server_time=at(3, 2, 13, 45))
    path(x, ("on_hold", at(3, 2, 14)))
    change(x, "on_site", at(3, 2, 15), from_status="on_hold")
    change(x, "resolved", None, from_status="on_site", device_time=at(3, 2, 15, 58), server_time=at(3, 2, 16))

    # W, created 08:00 on the 2nd, in team Lifts though Zhang (HVAC) goes: the phone's
    # clock ran fast (09:10) but the server had it at 08:50, which wins (50 min).
    w = order(at(3, 2, 8), scheduled_engineer=zhang, team=lifts, status=Status.ASSIGNED)
    change(w, "assigned", None, from_status="new", device_time=at(3, 2, 9, 10), server_time=at(3, 2, 8, 50))

    # V, created 12:00 on the 2nd, put on hold from new by a phone whose clock said 11:50:
    # a response before creation counts as 0 minutes.
    v = order(at(3, 2, 12), scheduled_engineer=li, status=Status.ON_HOLD)
    change(v, "on_hold", None, from_status="new", device_time=at(3, 2, 11, 50), server_time=at(3, 2, 12, 5))

    # Y, created 22:00 on the 2nd, no team or engineer: answered 00:20 local on the 3rd
    # (16:20 UTC on the 2nd), 140 min, in the bucket of the 3rd.
    y = order(at(3, 2, 22))
    change(y, "assigned", at(3, 3, 0, 20), from_status="new")

    # Z, created on the 1st and cancelled from new: no response.
    z = order(at(3, 1, 8), status=Status.CANCELLED)
    change(z, "cancelled", at(3, 1, 8, 10), from_status="new")
    return {"hvac": hvac, "lifts": lifts, "zhang": zhang, "li": li, "x": x, "w": w, "v": v, "y": y}


DURATION = ("bucket", "group_name", "orders", "mean_minutes", "median_minutes")


def test_first_response_time(session, lifecycle):
    rows = queries.first_response_time(session, window(D1, D3))
    # The 2nd: X 30, W 50, V 0 → mean 80/3 = 26.67, median 30. The 3rd: Y 140.
    assert values(rows, *DURATION) == [(D2, None, 3, 26.67, 30.0), (D3, None, 1, 140.0, 140.0)]


def test_first_response_time_by_team_and_by_engineer(session, lifecycle):
    by_team = queries.first_response_time(session, window(D1, D3, by="team"))
    # W is in team Lifts by the order's own team, V by Li's team; X by Zhang's team.
    assert values(by_team, *DURATION) == [
        (D2, "Lifts", 2, 25.0, 25.0), (D2, "暖通东区", 1, 30.0, 30.0), (D3, None, 1, 140.0, 140.0)]
    assert by_team[0]["group_id"] == lifecycle["lifts"].id

    by_engineer = queries.first_response_time(session, window(D1, D3, "month", by="engineer"))
    assert values(by_engineer, *DURATION) == [
        (D1, "Li Na", 1, 0.0, 0.0), (D1, "张伟", 2, 40.0, 40.0), (D1, None, 1, 140.0, 140.0)]
    assert by_engineer[1]["group_id"] == lifecycle["zhang"].id


def test_the_90th_percentile_interpolates_like_the_median(session, lifecycle):
    rows = queries.first_response_time(session, window(D1, D3))
    # The 2nd: 0, 30, 50 minutes → the 0.9 point lies at 1.8 of 2: 30 + 0.8 × 20 = 46.
    assert values(rows, "bucket", "p90_minutes") == [(D2, 46.0), (D3, 140.0)]


def test_volume_by_status_counts_orders_by_their_latest_status_change(session, lifecycle):
    order(at(3, 2, 18))                      # never changed: new
    rows = queries.volume_by_status(session, window(D1, D3))
    # Z cancelled on the 1st; on the 2nd X resolved, W and Y assigned (Y answered on the
    # 3rd, still created on the 2nd), V on hold, and the untouched one new.
    assert values(rows, "bucket", "status", "orders") == [
        (D1, "cancelled", 1), (D2, "assigned", 2), (D2, "new", 1), (D2, "on_hold", 1), (D2, "resolved", 1)]
    by_team = queries.volume_by_status(session, window(D1, D3, "month", by="team"))
    assert values(by_team, "group_name", "status", "orders") == [
        ("Lifts", "assigned", 1), ("Lifts", "on_hold", 1), ("暖通东区", "resolved", 1),
        (None, "assigned", 1), (None, "cancelled", 1), (None, "new", 1)]


def test_time_to_site_and_to_resolve_take_the_first_event_at_its_device_time(session, lifecycle):
    assert values(queries.time_to_site(session, window(D1, D3)), *DURATION) == [(D2, None, 1, 280.0, 280.0)]
    assert values(queries.time_to_resolve(session, window(D1, D3)), *DURATION) == [(D2, None, 1, 418.0, 418.0)]
    by_work_type = queries.time_to_resolve(session, window(D1, D3, by="work_type"))
    assert values(by_work_type, "group_id", "group_name", "orders") == [("repair", "repair", 1)]


def test_a_milestone_counts_once_even_when_the_range_starts_after_the_first(session, lifecycle):
    # X's second check-in (15:00 on the 2nd) is not a first one, whatever the range.
    assert queries.time_to_site(session, window(D3, D3)) == []
    later = order(at(3, 1, 20))
    path(later, ("assigned", at(3, 1, 21)), ("accepted", at(3, 1, 22)), ("on_site", at(3, 1, 23)),
         ("on_hold", at(3, 2, 1)))
    change(later, "on_site", at(3, 2, 2), from_status="on_hold")
    assert values(queries.time_to_site(session, window(D2, D2)), "orders") == [(1,)]     # X only
    assert values(queries.time_to_site(session, window(D1, D1)), "mean_minutes") == [(180.0,)]


# -- SLA compliance ---------------------------------------------------------------------------

def test_sla_compliance_counts_stopped_clocks_and_overdue_running_ones(session, lifecycle):
    x, w, v, y = (lifecycle[k] for k in "xwvy")
    clock(x, "first_response", "met", stopped_at=at(3, 2, 9, 30))
    clock(x, "arrival", "breached", stopped_at=at(3, 2, 13, 40))
    clock(x, "resolution", "met", stopped_at=at(3, 2, 15, 58))
    clock(y, "first_response", "breached", stopped_at=at(3, 3, 0, 20))      # 16:20 UTC on the 2nd
    clock(w, "resolution", "running", deadline=at(3, 2, 12))                 # overdue by `now`
    clock(v, "resolution", "running", deadline=at(3, 3, 10))                 # not yet due at `now`
    clock(v, "arrival", "paused")
    clock(w, "arrival", "cancelled", stopped_at=at(3, 2, 9))
    rows = queries.sla_compliance(session, window(D1, D3), now=at(3, 3, 9))
    assert values(rows, "bucket", "target", "met", "breached", "overdue", "compliance_pct") == [
        (D2, "arrival", 0, 1, 0, 0.0),
        (D2, "first_response", 1, 0, 0, 100.0),
        (D2, "resolution", 1, 0, 1, 50.0),
        (D3, "first_response", 0, 1, 0, 0.0),
    ]
    # Later, V's running clock is past its deadline too: a breach on the 3rd.
    later = queries.sla_compliance(session, window(D3, D3, by="engineer"), now=at(3, 4, 9))
    assert values(later, "group_name", "target", "met", "breached", "overdue", "compliance_pct") == [
        ("Li Na", "resolution", 0, 0, 1, 0.0), (None, "first_response", 0, 1, 0, 0.0)]


# -- first-time fix and repeat visits ----------------------------------------------------------

@pytest.fixture
def assets(session):
    site = SiteFactory()
    chiller, boiler = AssetFactory(site=site), AssetFactory(site=site)
    common = {"site": site, "customer": site.customer}

    def resolved_order(created, resolved, asset, **fields):
        o = order(created, asset=asset, status=Status.CLOSED, **common, **fields)
        path(o, ("assigned", created + timedelta(hours=1)), ("accepted", created + timedelta(hours=2)),
             ("on_site", resolved - timedelta(hours=1)), ("resolved", resolved))
        return o

    # X on the chiller, resolved 15:58 on the 2nd; a follow-up 18 days later.
    x = resolved_order(at(3, 2, 9), at(3, 2, 15, 58), chiller)
    follow_up = order(at(3, 20, 10), asset=chiller, status=Status.NEW, **common)
    # Q on the boiler, resolved 11:00 on the 2nd; a cancelled order 3 days later and a new
    # one 39 days later: neither makes Q a repeat.
    q = resolved_order(at(3, 1, 9), at(3, 2, 11), boiler, work_type=WorkType.MAINTENANCE)
    order(at(3, 5, 10), asset=boiler, status=Status.CANCELLED, **common)
    late = order(at(4, 10, 10), asset=boiler, status=Status.NEW, **common)
    # R has no asset: not in either rate.
    resolved_order(at(3, 2, 8), at(3, 2, 12), None)
    return {"x": x, "q": q, "follow_up": follow_up, "late": late}


def test_first_time_fix_rate(session, assets):
    rows = queries.first_time_fix(session, window(D1, D3))
    assert values(rows, "bucket", "resolved_orders", "followed_up", "fixed_first_time", "first_time_fix_pct") == [
        (D2, 2, 1, 1, 50.0)]
    by_type = queries.first_time_fix(session, window(D1, D3, by="work_type"))
    assert values(by_type, "group_id", "resolved_orders", "first_time_fix_pct") == [
        ("maintenance", 1, 100.0), ("repair", 1, 0.0)]


def test_a_follow_up_counts_up_to_thirty_days_after_the_resolution(session, assets):
    boiler, q_resolved = assets["q"].asset, at(3, 2, 11)
    common = {"asset": boiler, "site": boiler.site, "customer": boiler.site.customer, "status": Status.NEW}
    order(q_resolved + timedelta(days=30, minutes=1), **common)
    assert values(queries.first_time_fix(session, window(D2, D2, by="work_type")), "group_id", "followed_up") == [
        ("maintenance", 0), ("repair", 1)]
    order(q_resolved + timedelta(days=30), **common)
    assert values(queries.first_time_fix(session, window(D2, D2, by="work_type")), "group_id", "followed_up") == [
        ("maintenance", 1), ("repair", 1)]


def test_repeat_visit_rate(session, assets):
    rows = queries.repeat_visits(session, window(D1, date(2026, 4, 30), "month"))
    # March: X, Q and the chiller's follow-up (created 18 days after X was resolved) —
    # the cancelled boiler order does not count. April: the boiler order 39 days after Q.
    assert values(rows, "bucket", "orders", "repeat_orders", "repeat_visit_pct") == [
        (D1, 3, 1, 33.33), (date(2026, 4, 1), 1, 0, 0.0)]
    by_customer = queries.repeat_visits(session, window(D1, date(2026, 3, 31), "month", by="customer"))
    assert values(by_customer, "group_id", "group_name", "orders") == [
        (assets["x"].customer_id, assets["x"].customer.name, 3)]


# -- CSAT and NPS ------------------------------------------------------------------------------

def test_csat_and_nps_by_the_local_date_of_the_rating(session):
    customer = CustomerFactory(name="上海第一人民医院")
    site = SiteFactory(customer=customer)
    for rated, score, promoter in ((at(3, 1, 23, 30), 5, 10), (at(3, 2, 0, 30), 3, 6), (at(3, 2, 10), 4, None),
                                   (at(3, 2, 11), 2, 8), (at(3, 4, 9), 1, 0)):
        rated_order = order(rated - timedelta(days=1), site=site, customer=customer, status=Status.CLOSED)
        RatingFactory(work_order_id=rated_order.id, csat=score, nps=promoter, rated_at=rated)

    rows = queries.csat(session, window(D1, D3))
    assert values(rows, "bucket", "ratings", "csat_mean", "satisfied", "satisfied_pct") == [
        (D1, 1, 5.0, 1, 100.0), (D2, 3, 3.0, 1, 33.33)]
    scores = queries.nps(session, window(D1, D3))
    # The 2nd: answers 6 and 8 (the 4 has no NPS) → 0 % − 50 % = −50.
    assert values(scores, "bucket", "responses", "promoters", "passives", "detractors", "nps") == [
        (D1, 1, 1, 0, 0, 100.0), (D2, 2, 0, 1, 1, -50.0)]
    by_customer = queries.nps(session, window(D1, date(2026, 3, 31), "month", by="customer"))
    # March: 10, 6, 8 and 0 → one promoter, two detractors of four → −25.
    assert values(by_customer, "group_name", "responses", "nps") == [("上海第一人民医院", 4, -25.0)]


# -- engineer utilisation ----------------------------------------------------------------------

@pytest.fixture
def week_of_work(session):
    """Zhang works Monday–Friday 08:30–17:30 (9 h a day); Li has no working hours."""
    hvac, lifts = TeamFactory(name="暖通东区"), TeamFactory(name="Lifts")
    zhang = EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="张伟"), team=hvac)
    li = EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Li Na"), team=lifts, weekdays=False)
    # Wednesday the 4th: time off 13:00–20:00 and 12:00–14:00 overlap; together 12:00–17:30
    # of the shift, 5.5 h: 3.5 h of shift left that day.
    session.add_all([TimeOff(engineer_id=zhang.id, starts_at=at(3, 4, 13), ends_at=at(3, 4, 20)),
                     TimeOff(engineer_id=zhang.id, starts_at=at(3, 4, 12), ends_at=at(3, 4, 14))])

    def job(engineer, *steps):
        o = order(steps[0][1] - timedelta(hours=3), scheduled_engineer=engineer, status=Status.RESOLVED)
        path(o, ("assigned", steps[0][1] - timedelta(hours=2)), ("accepted", steps[0][1] - timedelta(hours=1)),
             *steps)
        return o

    # Sunday night into Monday: on site 22:00–01:00, 1 h of it on Monday.
    job(zhang, ("on_site", at(3, 1, 22)), ("resolved", at(3, 2, 1)))
    # Monday: travel 09:00–09:45, work 09:45–11:45.
    job(zhang, ("en_route", at(3, 2, 9)), ("on_site", at(3, 2, 9, 45)), ("resolved", at(3, 2, 11, 45)))
    # Tuesday 23:00 to Wednesday: travel 1 h Tuesday and 0.5 h Wednesday, work 00:30–02:00.
    job(zhang, ("en_route", at(3, 3, 23)), ("on_site", at(3, 4, 0, 30)), ("on_hold", at(3, 4, 2)))
    # Thursday: on site from 08:00 and never changed since: cut at 12 hours.
    job(zhang, ("on_site", at(3, 5, 8)))
    # Li, Tuesday: travel 10:00–10:30, work 10:30–11:00, but no shift.
    job(li, ("en_route", at(3, 3, 10)), ("on_site", at(3, 3, 10, 30)), ("resolved", at(3, 3, 11)))
    # Nobody's order: not anyone's time.
    unassigned = order(at(3, 2, 8))
    path(unassigned, ("on_hold", at(3, 2, 9)))
    return {"zhang": zhang, "li": li, "hvac": hvac, "lifts": lifts}


UTILISATION = ("bucket", "group_name", "travel_hours", "work_hours", "shift_hours", "utilisation_pct")
MONDAY, SUNDAY = date(2026, 3, 2), date(2026, 3, 8)


def test_utilisation_per_engineer_per_day(session, week_of_work):
    rows = queries.engineer_utilisation(session, window(MONDAY, SUNDAY, by="engineer"), now=at(3, 6, 8))
    assert values(rows, *UTILISATION) == [
        (date(2026, 3, 2), "张伟", 0.75, 3.0, 9.0, 41.67),      # (0.75 + 1 + 2) / 9
        (date(2026, 3, 3), "Li Na", 0.5, 0.5, 0.0, None),
        (date(2026, 3, 3), "张伟", 1.0, 0.0, 9.0, 11.11),
        (date(2026, 3, 4), "张伟", 0.5, 1.5, 3.5, 57.14),
        (date(2026, 3, 5), "张伟", 0.0, 12.0, 9.0, 133.33),     # 08:00–20:00, overtime shows
        (date(2026, 3, 6), "张伟", 0.0, 0.0, 9.0, 0.0),
    ]


def test_utilisation_per_week_by_team_and_overall(session, week_of_work):
    by_team = queries.engineer_utilisation(session, window(MONDAY, SUNDAY, "week", by="team"), now=at(3, 6, 8))
    # Zhang: travel 2.25 h, work 16.5 h, shift 45 − 5.5 = 39.5 h → 47.47 %.
    assert values(by_team, *UTILISATION) == [
        (MONDAY, "Lifts", 0.5, 0.5, 0.0, None), (MONDAY, "暖通东区", 2.25, 16.5, 39.5, 47.47)]
    overall = queries.engineer_utilisation(session, window(MONDAY, SUNDAY, "week"), now=at(3, 6, 8))
    assert values(overall, *UTILISATION) == [(MONDAY, None, 2.75, 17.0, 39.5, 50.0)]


def test_an_open_stint_runs_until_now(session, week_of_work):
    thursday = date(2026, 3, 5)
    rows = queries.engineer_utilisation(session, window(thursday, thursday, by="engineer"), now=at(3, 5, 10, 30))
    assert values(rows, "work_hours", "shift_hours") == [(2.5, 9.0)]


def test_utilisation_is_not_grouped_by_customer(session):
    with pytest.raises(ValueError):
        queries.engineer_utilisation(session, window(MONDAY, SUNDAY, by="customer"))


# -- parts cost --------------------------------------------------------------------------------

def test_parts_cost_per_resolved_order(session):
    warehouse = StockLocation(kind=LocationKind.WAREHOUSE, name="Pudong DC")
    board = Part(sku="PCB-1", name="Control board 控制板", unit_cost_cents=1500)
    session.add_all([warehouse, board])
    session.flush()
    actor = UserFactory(role=Role.WAREHOUSE)

    def move(kind, work_order, quantity, unit_cost):
        session.add(StockMovement(kind=kind, part_id=board.id, from_location_id=warehouse.id,
                                  to_location_id=warehouse.id if kind is MovementKind.RESERVE else None,
                                  quantity=quantity, unit_cost_cents=unit_cost, work_order_id=work_order.id,
                                  actor_id=actor.id, created_at=at(3, 2, 9)))

    def resolved(when):
        o = order(when - timedelta(hours=5), status=Status.RESOLVED)
        path(o, ("assigned", when - timedelta(hours=4)), ("on_site", when - timedelta(hours=1)), ("resolved", when))
        return o

    p1, p2, p3, p4 = resolved(at(3, 2, 10)), resolved(at(3, 2, 15)), resolved(at(3, 2, 16)), resolved(at(3, 3, 9))
    move(MovementKind.ISSUE, p1, 2, 1500)
    move(MovementKind.RETURN, p1, 1, 1500)       # p1 kept one: 1500
    move(MovementKind.ISSUE, p2, 1, 800)         # p2: 800
    move(MovementKind.RESERVE, p2, 3, 800)       # a reservation is not a cost
    move(MovementKind.ISSUE, p4, 1, 100)
    unresolved = order(at(3, 2, 8), status=Status.ON_SITE)
    move(MovementKind.ISSUE, unresolved, 5, 1500)
    session.flush()
    assert p3 is not None

    rows = queries.parts_cost_per_order(session, window(D1, D3))
    # The 2nd: 1500 + 800 + 0 over three orders = 766.67 → 767 cents.
    assert values(rows, "bucket", "resolved_orders", "orders_with_parts", "parts_cost_cents",
                  "mean_parts_cost_cents") == [(D2, 3, 2, 2300, 767), (D3, 1, 1, 100, 100)]


def test_window_rejects_nonsense():
    with pytest.raises(ValueError):
        Window(D2, D1)
    with pytest.raises(ValueError):
        Window(D1, D2, "year")
    with pytest.raises(ValueError):
        Window(D1, D2, "day", "site")
    assert Window(D1, D1, tz=TZ).lo.time() == time(16) and Window(D1, D1, tz=TZ).hi - Window(D1, D1).lo == \
        timedelta(days=1)
