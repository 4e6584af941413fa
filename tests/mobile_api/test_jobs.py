"""The engineer's day and job actions over /mobile/v1: what the phone reads, what each
action records (device time, position, geofence), who may act, and retries."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from app.auth.models import Role
from app.engineers.models import Engineer
from app.workorders import notes
from app.workorders.models import EventKind, NoteVisibility, Status, WorkOrder, WorkOrderEvent
from inventory import service as stock
from inventory.models import StockLevel, StockMovement
from tests.factories import EngineerFactory, PartnerCompanyFactory, UserFactory, WorkOrderFactory
from tests.mobile_api.day import MOBILE, engineer_day, new_key, point, site_of, today_at
from tests.workorders.checklist_helpers import REPAIR_ITEMS, REQUIRED_KEYS, publish


def now_iso(minutes_ago: int = 0) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).isoformat()


def act(client, headers, job, slug, key=None, **body):
    body.setdefault("device_time", now_iso())
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(f"{MOBILE}/jobs/{job.id}/{slug}", json=body, headers={**headers, **extra})


def events_of(session, order, kind=EventKind.STATUS_CHANGED):
    return session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id,
                                                        WorkOrderEvent.kind == kind)
                           .order_by(WorkOrderEvent.id)).all()


@pytest.fixture
def day(session):
    return engineer_day(session, jobs=3)


@pytest.fixture
def phone(day, token_for):
    return token_for(day.engineer.user)


# --- my day ----------------------------------------------------------------------------------------

def test_my_day_lists_todays_jobs_in_route_order_with_what_is_needed_on_site(client, session, day, phone):
    # Signing the token ended the fixtures' session: load the jobs into this one.
    first, second, third = (session.get(WorkOrder, job.id) for job in day.jobs)
    # Shuffled starts: the route order is by scheduled start, not by id.
    second.scheduled_start, second.scheduled_end = today_at(7), today_at(7, 40)
    earlier = WorkOrderFactory(status=Status.CLOSED, site=first.site, asset=first.asset, resolution_code="cleaned",
                               scheduled_engineer=EngineerFactory(), scheduled_start=today_at(9) - timedelta(days=30),
                               scheduled_end=today_at(10) - timedelta(days=30))
    WorkOrderFactory(status=Status.CANCELLED, scheduled_engineer=day.engineer, scheduled_start=today_at(11),
                     scheduled_end=today_at(12))
    WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=day.engineer,
                     scheduled_start=today_at(9) + timedelta(days=1), scheduled_end=today_at(10) + timedelta(days=1))
    WorkOrderFactory(status=Status.ASSIGNED, scheduled_engineer=EngineerFactory(), scheduled_start=today_at(9),
                     scheduled_end=today_at(10))
    keeper = UserFactory(role=Role.DISPATCHER)
    stock.reserve(session, actor=keeper, part_id=day.filter_part.id, location_id=day.van.id,
                  work_order_id=first.id, quantity=2)
    notes.add_note(session, order=first, author=keeper, body="Gate code 4711", visibility=NoteVisibility.INTERNAL)
    publish()

    response = client.get(f"{MOBILE}/my-day", headers=phone)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["engineer_id"] == day.engineer.id
    assert [j["id"] for j in body["jobs"]] == [second.id, first.id, third.id]
    assert [j["sequence"] for j in body["jobs"]] == [1, 2, 3]
    job = body["jobs"][1]
    assert job["status"] == "assigned" and job["allowed_actions"] == ["accept", "decline", "hold"]
    assert job["site"]["location"] == point(*site_of(first)) and job["site"]["geofence_radius_m"] == 200
    assert job["customer"]["name"] == first.customer.name
    assert job["asset"]["serial_number"] == first.asset.serial_number
    assert [v["number"] for v in job["asset_visits"]] == [earlier.number]
    assert job["asset_visits"][0]["resolution_code"] == "cleaned"
    assert job["reserved_parts"] == [{"part_id": day.filter_part.id, "sku": day.filter_part.sku,
                                      "name": "Air filter", "unit": "pcs", "serial_tracked": False, "quantity": 2,
                                      "location_id": day.van.id, "location": day.van.name}]
    assert [n["body"] for n in job["notes"]] == ["Gate code 4711"]
    assert datetime.fromisoformat(job["eta"]) == first.planned_arrival
    assert body["jobs"][0]["reserved_parts"] == [] and body["jobs"][0]["notes"] == []
    checklist = job["checklist"]
    assert checklist["version"] == 1 and checklist["pinned"] is False and checklist["complete"] is False
    assert checklist["missing"] == REQUIRED_KEYS
    assert [item["key"] for item in checklist["items"]] == [item["key"] for item in REPAIR_ITEMS]


def test_my_day_of_another_date_and_bad_arguments(client, day, phone):
    tomorrow = (today_at(9) + timedelta(days=1)).date().isoformat()
    assert client.get(f"{MOBILE}/my-day?date={tomorrow}", headers=phone).json["jobs"] == []
    for query in ("date=yesterday", "date=2026-02-30", "engineer_id=3"):
        response = client.get(f"{MOBILE}/my-day?{query}", headers=phone)
        assert response.status_code == 422 and response.json["status"] == "validation_error", query


def test_my_day_reads_with_the_same_number_of_queries_for_one_job_or_twelve(client, app, engine, session,
                                                                               token_for):
    one, twelve = engineer_day(session, jobs=1), engineer_day(session, jobs=12)
    publish()
    for order in one.jobs + twelve.jobs:
        notes.add_note(session, order=order, author=one.engineer.user, body="note",
                       visibility=NoteVisibility.INTERNAL)
        WorkOrderFactory(status=Status.CLOSED, site=order.site, asset=order.asset, resolution_code="ok",
                         scheduled_start=today_at(9) - timedelta(days=7), scheduled_end=today_at(10) - timedelta(days=7))

    def statements(day):
        seen = []
        listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
        headers = token_for(day.engineer.user)
        session.commit()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            response = client.get(f"{MOBILE}/my-day", headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert response.status_code == 200 and len(response.json["jobs"]) == len(day.jobs)
        return len([s for s in seen if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))])

    assert statements(one) == statements(twelve)


def test_one_job_reads_like_the_day(client, day, phone, token_for):
    response = client.get(f"{MOBILE}/jobs/{day.jobs[0].id}", headers=phone)
    assert response.status_code == 200 and response.json["number"] == day.jobs[0].number
    assert client.get(f"{MOBILE}/jobs/999999999", headers=phone).status_code == 404


# --- actions ---------------------------------------------------------------------------------------

def test_a_job_from_accept_to_complete_records_device_time_and_positions(client, session, day, phone):
    job = day.jobs[0]
    lon, lat = site_of(job)
    times = [now_iso(minutes_ago=m) for m in (50, 40, 30, 20, 10, 5)]
    answer = act(client, phone, job, "accept", device_time=times[0])
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "accepted" and answer.json["assigned_to_you"] is True
    assert act(client, phone, job, "start-travel", device_time=times[1], position=point(121.40, 31.20),
               accuracy_m=12).json["status"] == "en_route"
    check_in = act(client, phone, job, "check-in", device_time=times[2], position=point(lon + 0.0005, lat))
    assert check_in.status_code == 200 and check_in.json["status"] == "on_site"
    assert check_in.json["event"]["payload"]["within_geofence"] is True
    assert 40 < check_in.json["event"]["payload"]["distance_m"] < 55   # 0.0005° of longitude at 31°N ≈ 47.6 m
    assert act(client, phone, job, "hold", device_time=times[3], reason="customer_unavailable").json[
        "status"] == "on_hold"
    assert act(client, phone, job, "resume", device_time=times[4]).json["status"] == "on_site"
    done = act(client, phone, job, "complete", device_time=times[5], resolution_code="replaced_part",
               resolution_notes="New filter", time_spent_min=35, position=point(lon, lat))
    assert done.status_code == 200 and done.json["status"] == "resolved" and done.json["allowed_actions"] == []
    assert done.json["event"]["payload"]["distance_m"] == 0

    recorded = events_of(session, job)
    assert [e.action for e in recorded] == ["accept", "start_travel", "check_in", "hold", "resume", "resolve"]
    assert [e.device_time for e in recorded] == [datetime.fromisoformat(t) for t in times]
    assert recorded[1].payload["accuracy_m"] == 12
    assert session.get(Engineer, day.engineer.id, populate_existing=True).last_position is not None


def test_a_check_in_far_from_the_site_is_flagged_and_one_without_a_fix_says_so(client, session, day, phone):
    far, blind = day.jobs[0], day.jobs[1]
    for job in (far, blind):
        act(client, phone, job, "accept")
    lon, lat = site_of(far)
    response = act(client, phone, far, "check-in", position=point(lon, lat + 0.01))   # ~1.1 km north
    payload = response.json["event"]["payload"]
    assert payload["within_geofence"] is False and 1100 < payload["distance_m"] < 1120
    assert act(client, phone, blind, "check-in").json["event"]["payload"] == {"position_missing": True}


def test_decline_sends_the_job_back_to_the_queue(client, day, phone):
    response = act(client, phone, day.jobs[0], "decline", reason="too_far", comment="Across the river")
    assert response.status_code == 200
    assert response.json["status"] == "new" and response.json["assigned_to_you"] is False


def test_a_retried_action_answers_the_first_time_and_acts_once(client, session, day, phone):
    job = day.jobs[0]
    act(client, phone, job, "accept")
    body = {"device_time": now_iso(), "position": point(*site_of(job))}
    first = act(client, phone, job, "check-in", key="k-check-in", **body)
    again = act(client, phone, job, "check-in", key="k-check-in", **body)
    assert first.status_code == again.status_code == 200 and first.json == again.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [e.action for e in events_of(session, job)] == ["accept", "check_in"]
    other = act(client, phone, job, "check-in", key="k-check-in", device_time=now_iso(1))
    assert other.status_code == 422 and other.json["status"] == "idempotency_key_reused"


def test_acting_on_a_job_that_changed_while_offline_is_a_conflict(client, session, day, phone, as_role):
    job = day.jobs[0]
    _, agent = as_role(Role.AGENT)
    assert client.post(f"/api/v1/work-orders/{job.id}/cancel", json={"reason": "customer_request"},
                       headers=agent).status_code == 200
    response = act(client, phone, job, "accept")
    assert response.status_code == 409 and response.json["status"] == "invalid_transition"


@pytest.mark.parametrize("slug,body", [
    ("accept", {}), ("decline", {"reason": "sick"}), ("start-travel", {}), ("check-in", {}),
    ("hold", {"reason": "other"}), ("resume", {}), ("complete", {"resolution_code": "fixed"}),
])
def test_another_engineers_job_is_403_for_every_action(client, session, day, token_for, slug, body):
    stranger = token_for(EngineerFactory().user)
    response = act(client, stranger, day.jobs[0], slug, **body)
    assert response.status_code == 403 and response.json["status"] == "forbidden"
    assert events_of(session, day.jobs[0]) == []


def test_reading_another_engineers_job_is_403(client, day, token_for):
    stranger = token_for(EngineerFactory().user)
    for path in (f"/jobs/{day.jobs[0].id}", f"/jobs/{day.jobs[0].id}/parts"):
        response = client.get(MOBILE + path, headers=stranger)
        assert response.status_code == 403 and response.json["status"] == "forbidden", path


def test_partners_see_their_companys_jobs_and_act_only_on_their_own(client, session, token_for):
    company, rival = PartnerCompanyFactory(), PartnerCompanyFactory()
    mine = engineer_day(session, jobs=1, user=UserFactory(role=Role.PARTNER_ENGINEER, partner_company=company),
                        partner_company=company)
    colleague = engineer_day(session, jobs=1, partner_company=company,
                             user=UserFactory(role=Role.PARTNER_ENGINEER, partner_company=company))
    outsider = engineer_day(session, jobs=1, partner_company=rival,
                            user=UserFactory(role=Role.PARTNER_ENGINEER, partner_company=rival))
    phone = token_for(mine.engineer.user)
    assert [j["id"] for j in client.get(f"{MOBILE}/my-day", headers=phone).json["jobs"]] == [mine.jobs[0].id]
    assert client.get(f"{MOBILE}/jobs/{colleague.jobs[0].id}", headers=phone).status_code == 200
    assert client.get(f"{MOBILE}/jobs/{outsider.jobs[0].id}", headers=phone).status_code == 403
    assert act(client, phone, colleague.jobs[0], "accept").status_code == 403
    assert act(client, phone, outsider.jobs[0], "accept").status_code == 403
    assert act(client, phone, mine.jobs[0], "accept").status_code == 200


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER, Role.MANAGER, Role.WAREHOUSE, Role.CUSTOMER])
def test_office_roles_have_no_day_and_no_job_actions(client, as_role, day, role):
    _, headers = as_role(role)
    assert client.get(f"{MOBILE}/my-day", headers=headers).status_code == 403
    assert act(client, headers, day.jobs[0], "accept").status_code == 403
    assert client.get(f"{MOBILE}/van", headers=headers).status_code == 403


@pytest.mark.parametrize("slug,body", [
    ("accept", {"device_time": None}),
    ("accept", {"device_time": "2026-01-01T09:00:00"}),        # no offset
    ("accept", {"device_time": "2999-01-01T09:00:00+08:00"}),  # in the future
    ("accept", {"colour": "red"}),
    ("check-in", {"position": {"type": "Point", "coordinates": [181, 31]}}),
    ("check-in", {"position": point(121.4, 31.2), "accuracy_m": -1}),
    ("decline", {"reason": "bored"}),
    ("complete", {"resolution_code": "Fixed It"}),
])
def test_bad_bodies_are_422_and_change_nothing(client, session, day, phone, slug, body):
    job = day.jobs[0]
    payload = {"device_time": now_iso(), **body}
    if payload["device_time"] is None:
        del payload["device_time"]
    response = client.post(f"{MOBILE}/jobs/{job.id}/{slug}", json=payload, headers=phone)
    assert response.status_code == 422 and response.json["status"] == "validation_error", response.json
    assert events_of(session, job) == []


# --- parts on site ---------------------------------------------------------------------------------

def on_site(client, phone, job):
    act(client, phone, job, "accept")
    act(client, phone, job, "check-in", position=point(*site_of(job)))


def level(session, day, part) -> StockLevel:
    return session.scalar(select(StockLevel).where(StockLevel.part_id == part.id,
                                                   StockLevel.location_id == day.van.id).execution_options(
        populate_existing=True))


def test_the_van_lists_parts_and_serials(client, day, phone):
    van = client.get(f"{MOBILE}/van", headers=phone).json
    assert van["location_id"] == day.van.id
    by_sku = {p["sku"]: p for p in van["parts"]}
    assert by_sku[day.filter_part.sku]["available"] == 10 and by_sku[day.filter_part.sku]["serials"] == []
    assert by_sku[day.board_part.sku]["serials"] == [f"B{day.engineer.id}-1", f"B{day.engineer.id}-2"]


def test_parts_used_on_site_come_out_of_the_van_once(client, session, day, phone):
    job = day.jobs[0]
    body = {"part_id": day.filter_part.id, "quantity": 3, "device_time": now_iso()}
    early = client.post(f"{MOBILE}/jobs/{job.id}/parts-used", json=body, headers=phone)
    assert early.status_code == 409 and early.json["status"] == "job_not_on_site"
    on_site(client, phone, job)
    headers = {**phone, "Idempotency-Key": new_key()}
    used = client.post(f"{MOBILE}/jobs/{job.id}/parts-used", json=body, headers=headers)
    again = client.post(f"{MOBILE}/jobs/{job.id}/parts-used", json=body, headers=headers)
    assert used.status_code == again.status_code == 201 and used.json == again.json
    assert level(session, day, day.filter_part).on_hand == 7
    board = client.post(f"{MOBILE}/jobs/{job.id}/parts-used", headers=phone, json={
        "part_id": day.board_part.id, "quantity": 1, "serials": [f"B{day.engineer.id}-2"], "device_time": now_iso()})
    assert board.status_code == 201 and board.json["serials"] == [f"B{day.engineer.id}-2"]
    too_many = client.post(f"{MOBILE}/jobs/{job.id}/parts-used", headers=phone,
                           json={**body, "quantity": 8})
    assert too_many.status_code == 409 and too_many.json["status"] == "insufficient_stock"
    parts = client.get(f"{MOBILE}/jobs/{job.id}/parts", headers=phone).json
    assert {(p["sku"], p["issued"]) for p in parts["used"]} == {(day.filter_part.sku, 3), (day.board_part.sku, 1)}
    used_events = events_of(session, job, EventKind.PARTS)
    assert [e.action for e in used_events] == ["parts_used", "parts_used"]
    assert used_events[0].device_time == datetime.fromisoformat(body["device_time"])
    assert session.scalar(select(func.count()).select_from(StockMovement)
                          .where(StockMovement.work_order_id == job.id)) == 2


def test_a_part_request_from_the_job_goes_to_the_van(client, session, day, phone):
    job = day.jobs[0]
    response = client.post(f"{MOBILE}/jobs/{job.id}/part-requests", headers=phone,
                           json={"part_id": day.board_part.id, "quantity": 1, "device_time": now_iso(),
                                 "note": "Board burnt"})
    assert response.status_code == 201 and response.json["to_location_id"] == day.van.id
    assert response.json["status"] == "open"
    requested = events_of(session, job, EventKind.PARTS)
    assert [e.action for e in requested] == ["parts_requested"] and requested[0].device_time is not None
    assert client.get(f"{MOBILE}/jobs/{job.id}/parts", headers=phone).json["requests"][0]["id"] == response.json["id"]


def test_parts_on_another_engineers_job_are_refused(client, session, day, token_for):
    other = engineer_day(session, jobs=0)
    stranger = token_for(other.engineer.user)
    for path, body in ((f"/jobs/{day.jobs[0].id}/parts-used", {"part_id": other.filter_part.id, "quantity": 1}),
                       (f"/jobs/{day.jobs[0].id}/part-requests", {"part_id": other.filter_part.id, "quantity": 1})):
        response = client.post(MOBILE + path, json={**body, "device_time": now_iso()}, headers=stranger)
        assert response.status_code == 403 and response.json["status"] == "forbidden", path
    assert level(session, other, other.filter_part).on_hand == 10


@pytest.mark.parametrize("body", [{"quantity": 1}, {"part_id": 1, "quantity": 0}, {"part_id": 1, "quantity": 1,
                                                                                      "location_id": 3}])
def test_bad_parts_bodies_are_422(client, day, phone, body):
    response = client.post(f"{MOBILE}/jobs/{day.jobs[0].id}/parts-used", json={**body, "device_time": now_iso()},
                           headers=phone)
    assert response.status_code == 422 and response.json["status"] == "validation_error"

