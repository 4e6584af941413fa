"""The timeline of a booked day: travel legs, breaks and the shift, as the dispatcher's
Gantt chart draws them (`GET /api/v1/dispatch/routes`), and the map layer's fields
for the unassigned list's filters."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.auth.models import Role
from app.engineers.models import TimeOff
from app.geo import make_point
from app.workorders.models import Status
from dispatch.route_times import Break, LunchRule, Visit, day_breaks, travel_legs
from dispatch.solver.travel import HaversineTravel
from tests.factories import EngineerFactory, SiteFactory, WorkOrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TRAVEL = HaversineTravel()
HOME = (121.4737, 31.2304)
LUJIAZUI = (121.5012, 31.2397)
XUJIAHUI = (121.4365, 31.1886)


def _next_monday() -> date:
    day = datetime.now(SHANGHAI).date() + timedelta(days=7)
    return day - timedelta(days=day.weekday())


DAY = _next_monday()


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=SHANGHAI)


def travel(a, b):
    return TRAVEL.between(a, b)


# --- pure ---------------------------------------------------------------------------------------

def test_legs_run_from_home_through_the_visits_and_back():
    visits = [Visit(1, LUJIAZUI, None, at(9), at(10)), Visit(2, XUJIAHUI, None, at(13), at(14))]
    legs = travel_legs(start_point=HOME, end_point=HOME, shift_start=at(8, 30), visits=visits, travel=travel)
    assert [(leg.from_order_id, leg.to_order_id) for leg in legs] == [(None, 1), (1, 2), (2, None)]
    first_m, first_s = travel(HOME, LUJIAZUI)
    assert legs[0].arrive == at(9) and legs[0].depart == at(9) - timedelta(seconds=first_s)
    assert legs[0].distance_m == first_m and not legs[0].tight
    assert legs[2].depart == at(14) and legs[2].travel_s == travel(XUJIAHUI, HOME)[1]


def test_a_consistent_planned_arrival_is_kept_and_a_stale_one_ignored():
    _, to_lujiazui = travel(HOME, LUJIAZUI)
    planned = at(8, 30) + timedelta(seconds=to_lujiazui)
    kept = travel_legs(start_point=HOME, end_point=None, shift_start=at(8, 30),
                       visits=[Visit(1, LUJIAZUI, planned, at(9), at(10))], travel=travel)
    assert kept[0].arrive == planned and len(kept) == 1
    # An arrival from an old plan after the visit's (re)scheduled start says nothing.
    stale = travel_legs(start_point=HOME, end_point=None, shift_start=at(8, 30),
                        visits=[Visit(1, LUJIAZUI, at(11), at(9), at(10))], travel=travel)
    assert stale[0].arrive == at(9)


def test_a_drive_that_does_not_fit_between_two_visits_is_tight():
    visits = [Visit(1, LUJIAZUI, None, at(9), at(10)), Visit(2, XUJIAHUI, None, at(10), at(11))]
    legs = travel_legs(start_point=HOME, end_point=HOME, shift_start=at(8, 30), visits=visits, travel=travel)
    assert legs[1].tight and not legs[0].tight


def test_lunch_takes_the_first_free_gap_of_its_window():
    lunch = LunchRule(earliest=at(11, 30), latest_end=at(13, 30), duration=timedelta(minutes=30))
    breaks = day_breaks(periods=[(at(8, 30), at(17, 30))], time_off=[], lunch=lunch,
                        busy=[(at(11), at(12)), (at(12), at(12, 15))])
    assert breaks == [Break("lunch", at(12, 15), at(12, 45))]
    full = day_breaks(periods=[(at(8, 30), at(17, 30))], time_off=[], lunch=lunch, busy=[(at(11), at(14))])
    assert full == [Break("lunch", at(11, 30), at(12), fits=False)]


def test_time_off_and_split_shifts_are_breaks_and_no_shift_means_none():
    lunch = LunchRule(earliest=at(11, 30), latest_end=at(13, 30), duration=timedelta(minutes=30))
    breaks = day_breaks(periods=[(at(8), at(12)), (at(13), at(18))], time_off=[(at(15), at(20))], lunch=lunch,
                        busy=[])
    assert [(b.kind, b.start, b.end) for b in breaks] == [
        ("lunch", at(11, 30), at(12)), ("off_shift", at(12), at(13)), ("time_off", at(15), at(18))]
    assert day_breaks(periods=[], time_off=[], lunch=lunch, busy=[]) == []


# --- over HTTP ----------------------------------------------------------------------------------

def test_routes_carry_shift_legs_and_breaks(client, as_role, session):
    engineer = EngineerFactory(home_base=make_point(*HOME))
    session.add(TimeOff(engineer=engineer, starts_at=at(16), ends_at=at(18), reason="dentist"))
    first = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=engineer, scheduled_start=at(9),
                             scheduled_end=at(10), site=SiteFactory(location=make_point(*LUJIAZUI)))
    second = WorkOrderFactory(status=Status.ACCEPTED, scheduled_engineer=engineer, scheduled_start=at(11),
                              scheduled_end=at(12), site=SiteFactory(location=make_point(*XUJIAHUI)))
    session.flush()
    _, headers = as_role(Role.AGENT)
    answer = client.get(f"/api/v1/dispatch/routes?date={DAY.isoformat()}", headers=headers)
    assert answer.status_code == 200, answer.json
    [route] = answer.json
    assert route["home_base"] == {"type": "Point", "coordinates": list(HOME)}
    assert datetime.fromisoformat(route["shift"]["start"]) == at(8, 30)
    assert datetime.fromisoformat(route["shift"]["end"]) == at(17, 30)
    assert [s["order_id"] for s in route["stops"]] == [first.id, second.id]
    legs = route["legs"]
    assert [(leg["from_order_id"], leg["to_order_id"]) for leg in legs] == [
        (None, first.id), (first.id, second.id), (second.id, None)]
    assert datetime.fromisoformat(legs[1]["arrive"]) == at(11)
    assert legs[1]["travel_s"] == travel(LUJIAZUI, XUJIAHUI)[1] and legs[1]["tight"] is False
    kinds = {b["kind"]: b for b in route["breaks"]}
    # 11:30 is taken by the second visit, 12:00 by the drive home: lunch follows that drive.
    home_s = travel(XUJIAHUI, HOME)[1]
    assert datetime.fromisoformat(kinds["lunch"]["start"]) == at(12) + timedelta(seconds=home_s)
    assert kinds["lunch"]["fits"] is True
    assert datetime.fromisoformat(kinds["time_off"]["start"]) == at(16)
    assert datetime.fromisoformat(kinds["time_off"]["end"]) == at(17, 30)


def test_routes_refuse_bad_dates_and_other_roles(client, as_role):
    _, dispatcher = as_role(Role.DISPATCHER)
    bad = client.get("/api/v1/dispatch/routes?date=tomorrow", headers=dispatcher)
    assert bad.status_code == 422 and bad.json["status"] == "validation_error"
    unknown = client.get(f"/api/v1/dispatch/routes?date={DAY.isoformat()}&colour=red", headers=dispatcher)
    assert unknown.status_code == 422
    _, warehouse = as_role(Role.WAREHOUSE)
    assert client.get(f"/api/v1/dispatch/routes?date={DAY.isoformat()}", headers=warehouse).status_code == 403


def test_a_partner_engineer_gets_only_its_own_route(client, token_for, as_role, session):
    partner, _ = as_role(Role.PARTNER_ENGINEER)
    own = EngineerFactory(user=partner)
    colleague = EngineerFactory()
    WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=own, scheduled_start=at(9), scheduled_end=at(10))
    WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=colleague, scheduled_start=at(9),
                     scheduled_end=at(10))
    answer = client.get(f"/api/v1/dispatch/routes?date={DAY.isoformat()}", headers=token_for(partner))
    assert [route["engineer_id"] for route in answer.json] == [own.id]


def test_the_map_layer_carries_district_skills_and_duration(client, as_role):
    order = WorkOrderFactory(skills={"hvac": 2}, window_start=at(9), window_end=at(12), estimated_duration_min=90,
                             site=SiteFactory(district="Xuhui"))
    _, headers = as_role(Role.DISPATCHER)
    answer = client.get(f"/api/v1/map/work-orders?date={DAY.isoformat()}", headers=headers)
    assert answer.status_code == 200
    [feature] = [f for f in answer.json["features"] if f["id"] == order.id]
    properties = feature["properties"]
    assert properties["district"] == "Xuhui" and properties["estimated_duration_min"] == 90
    assert properties["required_skills"] == [{"skill": "hvac", "level": 2}]
    assert properties["planned_arrival"] is None
    assert client.get("/api/v1/map/work-orders?date=x", headers=headers).status_code == 422
