"""The dispatcher's manual tools: where one order fits, ranked candidates, the check
behind a manual assignment, urgent insertion and the routes of a day."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.auth.models import Role
from app.geo import make_point
from app.workorders.models import Priority, Status
from dispatch.candidates import Booking, EngineerDay, OrderToPlace, best_placement
from dispatch.solver.travel import HaversineTravel
from tests.factories import EngineerFactory, SiteFactory, WorkOrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TRAVEL = HaversineTravel()
PEOPLES_SQUARE = (121.4737, 31.2304)
LUJIAZUI = (121.5012, 31.2397)
XUJIAHUI = (121.4365, 31.1886)


def next_monday() -> date:
    today = datetime.now(SHANGHAI).date() + timedelta(days=7)
    return today + timedelta(days=-today.weekday())


DAY = next_monday()


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=SHANGHAI)


def travel(a, b):
    return TRAVEL.between(a, b)


def engineer_day(bookings=(), max_jobs=8) -> EngineerDay:
    return EngineerDay(engineer_id=1, start_point=PEOPLES_SQUARE, end_point=PEOPLES_SQUARE, shift_start=at(8, 30),
                       shift_end=at(17, 30), bookings=list(bookings), max_jobs=max_jobs)


def to_place(location=LUJIAZUI, minutes=60, window=None) -> OrderToPlace:
    return OrderToPlace(location=location, duration=timedelta(minutes=minutes),
                        window_start=window[0] if window else None, window_end=window[1] if window else None,
                        not_before=at(0))


# --- where one order fits (pure) ----------------------------------------------------------------

def test_an_empty_day_takes_the_order_at_the_start_after_travel():
    placement = best_placement(engineer_day(), to_place(), travel)
    _, travel_s = travel(PEOPLES_SQUARE, LUJIAZUI)
    assert placement.feasible and placement.position == 0
    assert placement.arrival == at(8, 30) + timedelta(seconds=travel_s)
    assert placement.added_travel_s == 2 * travel_s


def test_the_order_waits_for_its_window():
    placement = best_placement(engineer_day(), to_place(window=(at(14), at(16))), travel)
    assert placement.start == at(14) and placement.end == at(15)


def test_bookings_never_move_and_the_cheapest_gap_wins():
    bookings = [Booking(10, XUJIAHUI, at(9), at(11)), Booking(11, LUJIAZUI, at(14), at(15))]
    placement = best_placement(engineer_day(bookings), to_place(location=(121.505, 31.238)), travel)
    assert placement.feasible
    assert placement.position in (1, 2)  # next to the Lujiazui job, not across town
    assert placement.end + timedelta(seconds=travel((121.505, 31.238), LUJIAZUI)[1]) <= at(14) \
        or placement.start >= at(15)


def test_no_gap_long_enough_is_said_plainly():
    bookings = [Booking(10, XUJIAHUI, at(8, 45), at(17))]
    placement = best_placement(engineer_day(bookings), to_place(minutes=120), travel)
    assert not placement.feasible and "no_room" in placement.warnings


def test_a_full_day_refuses_by_job_count():
    bookings = [Booking(10, XUJIAHUI, at(9), at(10))]
    placement = best_placement(engineer_day(bookings, max_jobs=1), to_place(), travel)
    assert not placement.feasible and "max_jobs" in placement.warnings


# --- over HTTP ----------------------------------------------------------------------------------

@pytest.fixture
def city(session):
    """An hvac order near Lujiazui and three engineers: near, far, and without the skill."""
    near = EngineerFactory(skills={"hvac": 2}, home_base=make_point(*LUJIAZUI))
    far = EngineerFactory(skills={"hvac": 3}, home_base=make_point(121.2, 31.0))
    unskilled = EngineerFactory(skills={"plumbing": 2}, home_base=make_point(*LUJIAZUI))
    order = WorkOrderFactory(skills={"hvac": 2}, priority=Priority.URGENT, window_start=at(9), window_end=at(12),
                             site=SiteFactory(location=make_point(121.505, 31.238)))
    return order, near, far, unskilled


def test_candidates_are_ranked_with_eta_distance_and_warnings(client, as_role, city):
    order, near, far, unskilled = city
    _, headers = as_role(Role.AGENT)
    answer = client.get(f"/api/v1/work-orders/{order.id}/candidates", headers=headers)
    assert answer.status_code == 200, answer.json
    ranked = answer.json
    assert [c["engineer_id"] for c in ranked[:2]] == [near.id, far.id]
    assert ranked[0]["feasible"] and ranked[0]["warnings"] == []
    assert ranked[0]["distance_m"] < ranked[1]["distance_m"]
    assert ranked[0]["position_source"] == "home_base"
    assert datetime.fromisoformat(ranked[0]["eta"]) >= at(8, 30)
    last = next(c for c in ranked if c["engineer_id"] == unskilled.id)
    assert not last["feasible"] and "skill_mismatch" in last["warnings"]


def test_candidates_refuse_field_roles_and_unknown_orders(client, as_role, city):
    order = city[0]
    _, engineer_headers = as_role(Role.ENGINEER)
    assert client.get(f"/api/v1/work-orders/{order.id}/candidates", headers=engineer_headers).status_code == 403
    _, headers = as_role(Role.DISPATCHER)
    missing = client.get("/api/v1/work-orders/999999/candidates", headers=headers)
    assert missing.status_code == 404 and missing.json["status"] == "not_found"
    bad = client.get(f"/api/v1/work-orders/{order.id}/candidates?limit=0", headers=headers)
    assert bad.status_code == 422


def test_assignment_check_lists_blocking_and_soft_warnings(client, as_role, city):
    order, near, _, _ = city
    WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=near, scheduled_start=at(9), scheduled_end=at(10))
    _, headers = as_role(Role.DISPATCHER)
    url = f"/api/v1/work-orders/{order.id}/assignment-check"
    clash = client.post(url, headers=headers, json={"engineer_id": near.id, "scheduled_start": at(9, 30).isoformat()})
    assert clash.status_code == 200
    assert clash.json["feasible"] is False
    assert any(w["code"] == "overlap" and w["blocking"] for w in clash.json["warnings"])
    late = client.post(url, headers=headers, json={"engineer_id": near.id, "scheduled_start": at(13).isoformat()})
    assert late.json["feasible"] is True
    assert [w["code"] for w in late.json["warnings"]] == ["outside_appointment_window"]
    assert client.post(url, headers=headers, json={"engineer_id": near.id}).status_code == 422
    assert client.post(url, headers=headers, json={"engineer_id": 999999,
                                                   "scheduled_start": at(10).isoformat()}).status_code == 404


def test_an_urgent_order_is_proposed_into_a_gap_and_applied_in_one_click(client, as_role, city):
    order, near, _, _ = city
    booked = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=near, scheduled_start=at(13),
                              scheduled_end=at(14))
    _, headers = as_role(Role.DISPATCHER)
    proposal = client.post("/api/v1/dispatch/insertions", headers=headers, json={"order_id": order.id})
    assert proposal.status_code == 201, proposal.json
    assert proposal.json["kind"] == "insertion" and proposal.json["status"] == "succeeded"
    [change] = proposal.json["changes"]
    assert change["engineer_id"] == near.id and change["kind"] == "assign"
    applied = client.post(f"/api/v1/dispatch/runs/{proposal.json['id']}/apply", headers=headers)
    assert applied.status_code == 200, applied.json
    assert applied.json["applied_counts"] == {"assign": 1}
    read = client.get(f"/api/v1/work-orders/{order.id}", headers=headers).json
    assert read["status"] == "assigned" and read["scheduled_engineer"]["id"] == near.id
    untouched = client.get(f"/api/v1/work-orders/{booked.id}", headers=headers).json
    assert datetime.fromisoformat(untouched["scheduled"]["start"]) == at(13)
    again = client.post(f"/api/v1/dispatch/runs/{proposal.json['id']}/apply", headers=headers)
    assert again.status_code == 409 and again.json["status"] == "run_not_ready"


def test_no_room_answers_409_with_the_candidates(client, as_role, session):
    order = WorkOrderFactory(skills={"welding": 3}, window_start=at(9), window_end=at(12))
    EngineerFactory(skills={"hvac": 1})
    _, headers = as_role(Role.DISPATCHER)
    answer = client.post("/api/v1/dispatch/insertions", headers=headers, json={"order_id": order.id})
    assert answer.status_code == 409 and answer.json["status"] == "no_room"
    assert answer.json["details"]["candidates"][0]["warnings"] == ["skill_mismatch"]


def test_insertion_is_for_new_orders_and_planners(client, as_role, city):
    order, near, _, _ = city
    _, agent = as_role(Role.AGENT)
    assert client.post("/api/v1/dispatch/insertions", headers=agent, json={"order_id": order.id}).status_code == 403
    _, headers = as_role(Role.DISPATCHER)
    cancelled = WorkOrderFactory(status=Status.CANCELLED)
    answer = client.post("/api/v1/dispatch/insertions", headers=headers, json={"order_id": cancelled.id})
    assert answer.status_code == 409
    assert client.post("/api/v1/dispatch/insertions", headers=headers, json={"order_id": "x"}).status_code == 422


def test_engineers_see_only_their_own_route(client, as_role, token_for, city):
    order, near, far, _ = city
    mine = WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=near, scheduled_start=at(10),
                            scheduled_end=at(11))
    WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=far, scheduled_start=at(10), scheduled_end=at(11))
    url = f"/api/v1/dispatch/routes?date={DAY.isoformat()}"
    own = client.get(url, headers=token_for(near.user)).json
    assert [route["engineer_id"] for route in own] == [near.id]
    assert own[0]["stops"][0]["number"] == mine.number
    assert own[0]["stops"][0]["location"]["type"] == "Point"
    _, dispatcher = as_role(Role.DISPATCHER)
    assert {route["engineer_id"] for route in client.get(url, headers=dispatcher).json} == {near.id, far.id}
    _, warehouse = as_role(Role.WAREHOUSE)
    assert client.get(url, headers=warehouse).status_code == 403
    assert client.get("/api/v1/dispatch/routes", headers=dispatcher).status_code == 422
