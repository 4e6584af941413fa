"""Replacing an engineer's skills and working hours; recording and cancelling time off."""
from datetime import datetime, time, timezone

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.engineers.models import Engineer, TimeOff
from app.engineers.service import overlapping_periods
from tests.factories import EngineerFactory, SkillFactory

SCHEDULE_ROLES = (Role.ADMIN, Role.MANAGER, Role.DISPATCHER)
REFUSED_SCHEDULE = [role for role in Role if role not in SCHEDULE_ROLES]
REFUSED_SKILLS = [role for role in Role if role not in (Role.ADMIN, Role.MANAGER)]


def _stored_skills(session, engineer_id) -> dict[str, int]:
    return {s.skill_code: s.level for s in session.get(Engineer, engineer_id).skills}


def _stored_hours(session, engineer_id) -> list[tuple[int, time, time]]:
    return [(p.weekday, p.starts, p.ends) for p in session.get(Engineer, engineer_id).working_hours]


# --- PUT /engineers/{id}/skills ----------------------------------------------------------

@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_replace_skills_updates_adds_and_removes(client, as_role, session, role):
    SkillFactory(code="solar")
    engineer_id = EngineerFactory(skills={"hvac": 1, "electrical": 2}).id
    _, headers = as_role(role)
    response = client.put(f"/api/v1/engineers/{engineer_id}/skills", headers=headers,
                          json={"skills": [{"skill": "hvac", "level": 3}, {"skill": "solar", "level": 1}]})
    assert response.status_code == 200, response.json
    assert response.json["skills"] == [{"skill": "hvac", "level": 3}, {"skill": "solar", "level": 1}]
    assert _stored_skills(session, engineer_id) == {"hvac": 3, "solar": 1}


def test_empty_list_removes_every_skill(client, as_role, session):
    engineer_id = EngineerFactory(skills={"hvac": 1}).id
    _, headers = as_role(Role.MANAGER)
    response = client.put(f"/api/v1/engineers/{engineer_id}/skills", headers=headers, json={"skills": []})
    assert response.status_code == 200 and response.json["skills"] == []
    assert _stored_skills(session, engineer_id) == {}


@pytest.mark.parametrize("body", [
    {"skills": [{"skill": "telepathy", "level": 1}]},
    {"skills": [{"skill": "hvac", "level": 1}, {"skill": "hvac", "level": 2}]},
    {"skills": [{"skill": "hvac", "level": 5}]},
    {"skills": [{"skill": "hvac", "level": "2"}]},
    {"skills": [{"skill": "hvac"}]},
    {"skills": [{"skill": "hvac", "level": 1, "since": "2020"}]},
    {"skills": ["hvac"]},
    {"skills": {"hvac": 1}},
    {"skills": None},
    {},
    [{"skill": "hvac", "level": 1}],
    {"skills": [], "replace": True},
])
def test_replace_skills_rejects_bad_input_and_keeps_the_old_set(client, as_role, session, body):
    engineer_id = EngineerFactory(skills={"hvac": 1, "electrical": 2}).id
    _, headers = as_role(Role.MANAGER)
    response = client.put(f"/api/v1/engineers/{engineer_id}/skills", headers=headers, json=body)
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"
    assert _stored_skills(session, engineer_id) == {"hvac": 1, "electrical": 2}


def test_replace_skills_of_unknown_engineer_is_404(client, as_role):
    _, headers = as_role(Role.MANAGER)
    assert client.put("/api/v1/engineers/999999/skills", headers=headers, json={"skills": []}).status_code == 404


@pytest.mark.parametrize("role", REFUSED_SKILLS)
def test_only_managers_replace_skills(client, as_role, role):
    engineer_id = EngineerFactory().id
    _, headers = as_role(role)
    response = client.put(f"/api/v1/engineers/{engineer_id}/skills", headers=headers, json={"skills": []})
    assert response.status_code == 403


# --- PUT /engineers/{id}/working-hours ---------------------------------------------------

def test_overlap_check_is_per_day_and_allows_touching_periods():
    periods = [{"weekday": 0, "starts": time(8), "ends": time(12)},
               {"weekday": 0, "starts": time(12), "ends": time(17)},
               {"weekday": 1, "starts": time(9), "ends": time(12)},
               {"weekday": 2, "starts": time(9), "ends": time(12)}]
    assert overlapping_periods(periods) == []
    periods.append({"weekday": 1, "starts": time(11, 30), "ends": time(13)})
    assert overlapping_periods(periods) == [(1, time(11, 30), time(13))]


def test_overlap_check_sees_periods_inside_a_long_one():
    periods = [{"weekday": 4, "starts": time(8), "ends": time(18)},
               {"weekday": 4, "starts": time(9), "ends": time(10)},
               {"weekday": 4, "starts": time(11), "ends": time(12)}]
    assert overlapping_periods(periods) == [(4, time(9), time(10)), (4, time(11), time(12))]


@pytest.mark.parametrize("role", SCHEDULE_ROLES)
def test_replace_working_hours(client, as_role, session, role):
    engineer_id = EngineerFactory().id  # Monday–Friday 08:30–17:30
    _, headers = as_role(role)
    response = client.put(f"/api/v1/engineers/{engineer_id}/working-hours", headers=headers, json={"working_hours": [
        {"weekday": 5, "starts": "09:00", "ends": "13:00"},
        {"weekday": 0, "starts": "13:00", "ends": "18:00"},
        {"weekday": 0, "starts": "08:30", "ends": "12:00"}]})
    assert response.status_code == 200, response.json
    assert response.json["working_hours"] == [{"weekday": 0, "starts": "08:30", "ends": "12:00"},
                                              {"weekday": 0, "starts": "13:00", "ends": "18:00"},
                                              {"weekday": 5, "starts": "09:00", "ends": "13:00"}]
    assert _stored_hours(session, engineer_id) == [(0, time(8, 30), time(12)), (0, time(13), time(18)),
                                                   (5, time(9), time(13))]


def test_working_hours_may_keep_a_period_that_already_exists(client, as_role, session):
    engineer_id = EngineerFactory().id
    _, headers = as_role(Role.DISPATCHER)
    response = client.put(f"/api/v1/engineers/{engineer_id}/working-hours", headers=headers,
                          json={"working_hours": [{"weekday": 0, "starts": "08:30", "ends": "16:00"}]})
    assert response.status_code == 200, response.json
    assert _stored_hours(session, engineer_id) == [(0, time(8, 30), time(16))]


def test_overlapping_working_hours_are_refused(client, as_role, session):
    engineer_id = EngineerFactory().id
    before = _stored_hours(session, engineer_id)
    _, headers = as_role(Role.DISPATCHER)
    response = client.put(f"/api/v1/engineers/{engineer_id}/working-hours", headers=headers, json={"working_hours": [
        {"weekday": 2, "starts": "08:00", "ends": "12:00"},
        {"weekday": 2, "starts": "11:00", "ends": "15:00"}]})
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert "weekday 2: 11:00–15:00" in str(response.json["errors"]["working_hours"])
    assert _stored_hours(session, engineer_id) == before


def test_identical_periods_overlap(client, as_role):
    engineer_id = EngineerFactory().id
    _, headers = as_role(Role.DISPATCHER)
    period = {"weekday": 3, "starts": "08:00", "ends": "12:00"}
    response = client.put(f"/api/v1/engineers/{engineer_id}/working-hours", headers=headers,
                          json={"working_hours": [period, period]})
    assert response.status_code == 422


@pytest.mark.parametrize("period", [
    {"weekday": 0, "starts": "12:00", "ends": "08:00"},
    {"weekday": 0, "starts": "08:00", "ends": "08:00"},
    {"weekday": 7, "starts": "08:00", "ends": "12:00"},
    {"weekday": -1, "starts": "08:00", "ends": "12:00"},
    {"weekday": "1", "starts": "08:00", "ends": "12:00"},
    {"weekday": 0, "starts": "25:00", "ends": "26:00"},
    {"weekday": 0, "starts": "8am", "ends": "12:00"},
    {"weekday": 0, "starts": "08:00:00", "ends": "12:00:00"},
    {"weekday": 0, "starts": "08:00"},
    {"weekday": 0, "starts": "08:00", "ends": "12:00", "lunch": "12:00"},
])
def test_bad_working_periods_are_422(client, as_role, session, period):
    engineer_id = EngineerFactory().id
    before = _stored_hours(session, engineer_id)
    _, headers = as_role(Role.MANAGER)
    response = client.put(f"/api/v1/engineers/{engineer_id}/working-hours", headers=headers,
                          json={"working_hours": [period]})
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"
    assert _stored_hours(session, engineer_id) == before


def test_working_hours_of_unknown_engineer_is_404(client, as_role):
    _, headers = as_role(Role.MANAGER)
    response = client.put("/api/v1/engineers/999999/working-hours", headers=headers, json={"working_hours": []})
    assert response.status_code == 404


# --- time off ----------------------------------------------------------------------------

def test_record_list_and_cancel_time_off(client, as_role, session):
    engineer_id = EngineerFactory().id
    _, headers = as_role(Role.DISPATCHER)
    url = f"/api/v1/engineers/{engineer_id}/time-off"
    later = client.post(url, headers=headers, json={
        "starts_at": "2026-10-01T00:00:00+08:00", "ends_at": "2026-10-08T00:00:00+08:00", "reason": "National Day"})
    assert later.status_code == 201, later.json
    assert later.json["starts_at"] == "2026-09-30T16:00:00+00:00"
    assert later.json["reason"] == "National Day"
    earlier = client.post(url, headers=headers, json={
        "starts_at": "2026-05-01T09:00:00Z", "ends_at": "2026-05-01T12:00:00Z"})
    assert earlier.status_code == 201 and earlier.json["reason"] is None

    listed = client.get(url, headers=headers)
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json] == [earlier.json["id"], later.json["id"]]
    assert listed.json[1] == later.json

    deleted = client.delete(f"{url}/{earlier.json['id']}", headers=headers)
    assert deleted.status_code == 204
    remaining = session.scalars(select(TimeOff).where(TimeOff.engineer_id == engineer_id)).all()
    assert [(t.id, t.ends_at) for t in remaining] == \
        [(later.json["id"], datetime(2026, 10, 7, 16, tzinfo=timezone.utc))]


@pytest.mark.parametrize("body", [
    {"starts_at": "2026-05-01T12:00:00Z", "ends_at": "2026-05-01T09:00:00Z"},
    {"starts_at": "2026-05-01T12:00:00Z", "ends_at": "2026-05-01T12:00:00Z"},
    {"starts_at": "2026-05-01T09:00:00", "ends_at": "2026-05-01T12:00:00"},
    {"starts_at": "2026-05-01", "ends_at": "2026-05-02"},
    {"starts_at": "tomorrow", "ends_at": "2026-05-01T12:00:00Z"},
    {"starts_at": "2026-05-01T09:00:00Z"},
    {"starts_at": "2026-05-01T09:00:00Z", "ends_at": "2026-05-01T12:00:00Z", "reason": "x" * 201},
    {"starts_at": "2026-05-01T09:00:00Z", "ends_at": "2026-05-01T12:00:00Z", "paid": True},
])
def test_bad_time_off_is_422(client, as_role, session, body):
    engineer_id = EngineerFactory().id
    _, headers = as_role(Role.MANAGER)
    response = client.post(f"/api/v1/engineers/{engineer_id}/time-off", headers=headers, json=body)
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"
    assert session.scalar(select(func.count(TimeOff.id))) == 0


def test_time_off_of_unknown_engineer_is_404(client, as_role):
    _, headers = as_role(Role.MANAGER)
    url = "/api/v1/engineers/999999/time-off"
    assert client.get(url, headers=headers).status_code == 404
    assert client.post(url, headers=headers, json={"starts_at": "2026-05-01T09:00:00Z",
                                                   "ends_at": "2026-05-01T12:00:00Z"}).status_code == 404
    assert client.delete(f"{url}/1", headers=headers).status_code == 404


def test_cancelling_another_engineers_time_off_is_404(client, as_role, session):
    mine, theirs = EngineerFactory(), EngineerFactory()
    time_off = TimeOff(engineer=theirs, starts_at=datetime(2026, 5, 1, 9, tzinfo=timezone.utc),
                       ends_at=datetime(2026, 5, 1, 12, tzinfo=timezone.utc))
    session.add(time_off)
    session.flush()
    mine_id, time_off_id = mine.id, time_off.id
    _, headers = as_role(Role.MANAGER)
    response = client.delete(f"/api/v1/engineers/{mine_id}/time-off/{time_off_id}", headers=headers)
    assert response.status_code == 404 and response.json["status"] == "not_found"
    assert session.get(TimeOff, time_off_id) is not None
    assert client.delete(f"/api/v1/engineers/{mine_id}/time-off/999999", headers=headers).status_code == 404


@pytest.mark.parametrize("role", REFUSED_SCHEDULE)
def test_schedule_endpoints_refuse_other_roles(client, as_role, role):
    engineer_id = EngineerFactory().id
    _, headers = as_role(role)
    base = f"/api/v1/engineers/{engineer_id}"
    assert client.put(f"{base}/working-hours", headers=headers, json={"working_hours": []}).status_code == 403
    assert client.get(f"{base}/time-off", headers=headers).status_code == 403
    assert client.post(f"{base}/time-off", headers=headers, json={
        "starts_at": "2026-05-01T09:00:00Z", "ends_at": "2026-05-01T12:00:00Z"}).status_code == 403
    assert client.delete(f"{base}/time-off/1", headers=headers).status_code == 403


def test_schedule_endpoints_need_a_token(client):
    base = f"/api/v1/engineers/{EngineerFactory().id}"
    assert client.put(f"{base}/skills", json={"skills": []}).status_code == 401
    assert client.put(f"{base}/working-hours", json={"working_hours": []}).status_code == 401
    assert client.get(f"{base}/time-off").status_code == 401
    assert client.post(f"{base}/time-off", json={}).status_code == 401
    assert client.delete(f"{base}/time-off/1").status_code == 401
