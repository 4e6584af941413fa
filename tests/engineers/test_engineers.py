"""/engineers: listing with filters and role scoping, reading, creating, changing."""
from contextlib import contextmanager
from datetime import datetime, time, timezone

import pytest
from sqlalchemy import event, func, select

from app.auth.models import Role
from app.engineers.models import Engineer, WorkingHours
from app.geo import lon_lat, make_point
from tests.factories import EngineerFactory, PartnerCompanyFactory, SkillFactory, UserFactory

READ_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER)
REFUSED_READ = (Role.WAREHOUSE, Role.CUSTOMER)
REFUSED_CREATE = [role for role in Role if role not in (Role.ADMIN, Role.MANAGER)]
REFUSED_PATCH = [role for role in Role if role not in (Role.ADMIN, Role.MANAGER, Role.DISPATCHER)]


def point(lon, lat) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def _engineer_count(session) -> int:
    return session.scalar(select(func.count(Engineer.id)))


@pytest.fixture
def crew():
    """Three in-house engineers and two of a partner company, with known skills."""
    partner = PartnerCompanyFactory(name="Huaxin Elevators")
    engineers = {
        "zhang": EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Zhang Wei"), home_district="Pudong",
                                 skills={"hvac": 3, "electrical": 1}),
        "li": EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Li Na"), home_district="Xuhui",
                              skills={"hvac": 1}),
        "wang": EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Wang Fang"), home_district="Pudong",
                                is_active=False),
        "chen": EngineerFactory(user=UserFactory(role=Role.PARTNER_ENGINEER, name="Chen Jie", partner_company=partner),
                                partner_company=partner, skills={"elevator": 2}),
        "zhao": EngineerFactory(user=UserFactory(role=Role.PARTNER_ENGINEER, name="Zhao Lei", partner_company=partner),
                                partner_company=partner, skills={"elevator": 3, "hvac": 2}),
    }
    return {"partner_id": partner.id, **{key: engineer.id for key, engineer in engineers.items()},
            "users": {key: engineer.user for key, engineer in engineers.items()}}


def _names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [engineer["name"] for engineer in response.json]


# --- GET /engineers ----------------------------------------------------------------------

@pytest.mark.parametrize("role", READ_ROLES)
def test_back_office_lists_all_engineers(client, as_role, crew, role):
    _, headers = as_role(role)
    assert _names(client.get("/api/v1/engineers", headers=headers)) == \
        ["Zhang Wei", "Li Na", "Wang Fang", "Chen Jie", "Zhao Lei"]


def test_engineer_json(client, as_role):
    partner = PartnerCompanyFactory(name="Huaxin Elevators")
    user = UserFactory(role=Role.PARTNER_ENGINEER, name="Chen Jie", email="chen@huaxin.example", phone="139",
                       partner_company=partner)
    engineer = EngineerFactory(user=user, partner_company=partner, home_base=make_point(121.5, 31.2),
                               home_district="Pudong", max_jobs_per_day=6, skills={"hvac": 2, "elevator": 3},
                               last_position=make_point(121.49, 31.24),
                               last_position_at=datetime(2026, 3, 2, 8, 15, tzinfo=timezone.utc))
    ids = {"engineer": engineer.id, "user": user.id, "partner": partner.id}
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/engineers/{ids['engineer']}", headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body == {
        "id": ids["engineer"], "user_id": ids["user"], "name": "Chen Jie", "email": "chen@huaxin.example",
        "phone": "139", "home_base": point(121.5, 31.2), "home_district": "Pudong",
        "skills": [{"skill": "elevator", "level": 3}, {"skill": "hvac", "level": 2}],
        "working_hours": [{"weekday": day, "starts": "08:30", "ends": "17:30"} for day in range(5)],
        "max_jobs_per_day": 6, "partner_company": {"id": ids["partner"], "name": "Huaxin Elevators"},
        "team_id": None, "is_active": True, "last_position": point(121.49, 31.24), "last_position_at": "2026-03-02T08:15:00+00:00"}


@pytest.mark.parametrize("query, expected", [
    ("skill=hvac", ["Zhang Wei", "Li Na", "Zhao Lei"]),
    ("skill=hvac&min_level=2", ["Zhang Wei", "Zhao Lei"]),
    ("skill=hvac&min_level=3", ["Zhang Wei"]),
    ("skill=elevator&min_level=3", ["Zhao Lei"]),
    ("skill=plumbing", []),
    ("district=Pudong", ["Zhang Wei", "Wang Fang"]),
    ("active=false", ["Wang Fang"]),
    ("active=true&district=Pudong", ["Zhang Wei"]),
    ("partner_company_id={partner_id}", ["Chen Jie", "Zhao Lei"]),
])
def test_engineer_filters(client, as_role, crew, query, expected):
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/engineers?{query.format(**crew)}", headers=headers)
    assert _names(response) == expected


@pytest.mark.parametrize("query", ["min_level=2", "skill=hvac&min_level=4", "skill=hvac&min_level=0",
                                   "active=perhaps", "partner_company_id=x"])
def test_bad_engineer_filters_are_422(client, as_role, query):
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/engineers?{query}", headers=headers)
    assert response.status_code == 422 and response.json["status"] == "validation_error"


def test_partner_engineer_sees_only_its_company(client, token_for, crew):
    headers = token_for(crew["users"]["chen"])
    assert _names(client.get("/api/v1/engineers", headers=headers)) == ["Chen Jie", "Zhao Lei"]
    assert client.get(f"/api/v1/engineers/{crew['zhao']}", headers=headers).status_code == 200
    response = client.get(f"/api/v1/engineers/{crew['zhang']}", headers=headers)
    assert response.status_code == 404 and response.json["status"] == "not_found"


def test_partner_engineer_of_another_company_sees_none_of_them(client, as_role, crew):
    _, headers = as_role(Role.PARTNER_ENGINEER)
    assert _names(client.get("/api/v1/engineers", headers=headers)) == []


def test_engineer_sees_only_itself(client, token_for, crew):
    headers = token_for(crew["users"]["li"])
    assert _names(client.get("/api/v1/engineers", headers=headers)) == ["Li Na"]
    assert client.get(f"/api/v1/engineers/{crew['li']}", headers=headers).json["name"] == "Li Na"
    assert client.get(f"/api/v1/engineers/{crew['zhang']}", headers=headers).status_code == 404


@pytest.mark.parametrize("role", REFUSED_READ)
def test_engineer_reads_refuse_other_roles(client, as_role, role):
    engineer_id = EngineerFactory().id
    _, headers = as_role(role)
    assert client.get("/api/v1/engineers", headers=headers).status_code == 403
    assert client.get(f"/api/v1/engineers/{engineer_id}", headers=headers).status_code == 403


def test_engineer_endpoints_need_a_token(client):
    engineer_id = EngineerFactory().id
    assert client.get("/api/v1/engineers").status_code == 401
    assert client.get(f"/api/v1/engineers/{engineer_id}").status_code == 401
    assert client.post("/api/v1/engineers", json={"user_id": 1}).status_code == 401
    assert client.patch(f"/api/v1/engineers/{engineer_id}", json={"is_active": False}).status_code == 401


def test_unknown_engineer_is_404(client, as_role):
    _, headers = as_role(Role.MANAGER)
    assert client.get("/api/v1/engineers/999999", headers=headers).status_code == 404
    response = client.patch("/api/v1/engineers/999999", headers=headers, json={"is_active": False})
    assert response.status_code == 404 and response.json["status"] == "not_found"


# --- POST /engineers ---------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_manager_makes_a_user_an_engineer(client, as_role, session, role):
    SkillFactory(code="hvac")
    SkillFactory(code="electrical")
    user_id = UserFactory(role=Role.ENGINEER, name="Sun Li").id
    _, headers = as_role(role)
    response = client.post("/api/v1/engineers", headers=headers, json={
        "user_id": user_id, "home_base": point(121.44, 31.19), "home_district": "Xuhui", "max_jobs_per_day": 5,
        "skills": [{"skill": "hvac", "level": 2}, {"skill": "electrical", "level": 1}]})
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["user_id"], body["name"], body["max_jobs_per_day"], body["partner_company"]) == \
        (user_id, "Sun Li", 5, None)
    assert body["skills"] == [{"skill": "electrical", "level": 1}, {"skill": "hvac", "level": 2}]
    assert body["working_hours"] == [] and body["last_position"] is None and body["is_active"] is True
    stored = session.get(Engineer, body["id"])
    assert lon_lat(stored.home_base) == pytest.approx((121.44, 31.19))
    assert {s.skill_code: s.level for s in stored.skills} == {"hvac": 2, "electrical": 1}


def test_partner_engineer_defaults_to_its_own_company(client, as_role):
    partner = PartnerCompanyFactory()
    user_id, partner_id = UserFactory(role=Role.PARTNER_ENGINEER, partner_company=partner).id, partner.id
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/engineers", headers=headers,
                           json={"user_id": user_id, "home_base": point(121.5, 31.2)})
    assert response.status_code == 201, response.json
    assert response.json["partner_company"]["id"] == partner_id


def test_partner_engineer_may_be_linked_with_its_own_company_only(client, as_role, session):
    own, other = PartnerCompanyFactory(), PartnerCompanyFactory()
    user_id, own_id, other_id = UserFactory(role=Role.PARTNER_ENGINEER, partner_company=own).id, own.id, other.id
    _, headers = as_role(Role.MANAGER)
    refused = client.post("/api/v1/engineers", headers=headers,
                          json={"user_id": user_id, "home_base": point(121.5, 31.2), "partner_company_id": other_id})
    assert refused.status_code == 422 and "partner_company_id" in refused.json["errors"]
    assert _engineer_count(session) == 0
    accepted = client.post("/api/v1/engineers", headers=headers,
                           json={"user_id": user_id, "home_base": point(121.5, 31.2), "partner_company_id": own_id})
    assert accepted.status_code == 201


def test_in_house_engineer_cannot_join_a_partner_company(client, as_role, session):
    user_id, partner_id = UserFactory(role=Role.ENGINEER).id, PartnerCompanyFactory().id
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/engineers", headers=headers,
                           json={"user_id": user_id, "home_base": point(121.5, 31.2), "partner_company_id": partner_id})
    assert response.status_code == 422
    assert _engineer_count(session) == 0


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER, Role.CUSTOMER, Role.WAREHOUSE, Role.MANAGER])
def test_only_engineer_roles_can_become_engineers(client, as_role, session, role):
    user_id = UserFactory(role=role).id
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/engineers", headers=headers,
                           json={"user_id": user_id, "home_base": point(121.5, 31.2)})
    assert response.status_code == 422 and "user_id" in response.json["errors"]
    assert _engineer_count(session) == 0


def test_a_user_has_one_engineer_record(client, as_role, session):
    user_id = EngineerFactory().user_id
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/engineers", headers=headers,
                           json={"user_id": user_id, "home_base": point(121.5, 31.2)})
    assert response.status_code == 409 and response.json["status"] == "conflict"
    assert _engineer_count(session) == 1


def test_engineer_for_unknown_user_is_404(client, as_role):
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/engineers", headers=headers,
                           json={"user_id": 999999, "home_base": point(121.5, 31.2)})
    assert response.status_code == 404 and response.json["status"] == "not_found"


def test_skills_must_come_from_the_catalogue(client, as_role, session):
    SkillFactory(code="hvac")
    user_id = UserFactory(role=Role.ENGINEER).id
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/engineers", headers=headers, json={
        "user_id": user_id, "home_base": point(121.5, 31.2),
        "skills": [{"skill": "hvac", "level": 1}, {"skill": "telepathy", "level": 3}]})
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert "telepathy" in str(response.json["errors"]["skills"])
    assert _engineer_count(session) == 0


@pytest.mark.parametrize("overrides", [
    {"home_base": None},
    {"home_base": point(190, 31.2)},
    {"home_base": point(121.5, -95)},
    {"home_base": {"type": "Point", "coordinates": [121.5]}},
    {"max_jobs_per_day": 0},
    {"max_jobs_per_day": 51},
    {"max_jobs_per_day": 2.5},
    {"skills": [{"skill": "hvac", "level": 4}]},
    {"skills": [{"skill": "hvac", "level": 0}]},
    {"skills": [{"skill": "hvac"}]},
    {"skills": [{"skill": "hvac", "level": 1, "certified": True}]},
    {"skills": [{"skill": "hvac", "level": 1}, {"skill": "hvac", "level": 2}]},
    {"skills": {"hvac": 1}},
    {"user_id": "12"},
    {"salary": 100},
])
def test_create_engineer_rejects_bad_input(client, as_role, session, overrides):
    SkillFactory(code="hvac")
    body = {"user_id": UserFactory(role=Role.ENGINEER).id, "home_base": point(121.5, 31.2), **overrides}
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/engineers", headers=headers, json=body)
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"
    assert _engineer_count(session) == 0


@pytest.mark.parametrize("missing", ["user_id", "home_base"])
def test_create_engineer_requires_fields(client, as_role, missing):
    body = {"user_id": UserFactory(role=Role.ENGINEER).id, "home_base": point(121.5, 31.2)}
    del body[missing]
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/engineers", headers=headers, json=body)
    assert response.status_code == 422 and missing in response.json["errors"]["json"]


@pytest.mark.parametrize("role", REFUSED_CREATE)
def test_only_managers_create_engineers(client, as_role, role):
    user_id = UserFactory(role=Role.ENGINEER).id
    _, headers = as_role(role)
    response = client.post("/api/v1/engineers", headers=headers,
                           json={"user_id": user_id, "home_base": point(121.5, 31.2)})
    assert response.status_code == 403


# --- PATCH /engineers/{id} ---------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.MANAGER, Role.DISPATCHER, Role.ADMIN])
def test_patch_engineer(client, as_role, session, role):
    engineer = EngineerFactory(home_district="Jing'an", max_jobs_per_day=8, skills={"hvac": 2})
    engineer_id = engineer.id
    _, headers = as_role(role)
    response = client.patch(f"/api/v1/engineers/{engineer_id}", headers=headers, json={
        "home_base": point(121.6, 31.25), "home_district": None, "max_jobs_per_day": 12, "is_active": False})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["home_base"], body["home_district"], body["max_jobs_per_day"], body["is_active"]) == \
        (point(121.6, 31.25), None, 12, False)
    assert body["skills"] == [{"skill": "hvac", "level": 2}]
    stored = session.get(Engineer, engineer_id)
    assert lon_lat(stored.home_base) == pytest.approx((121.6, 31.25)) and stored.is_active is False


@pytest.mark.parametrize("body", [{"max_jobs_per_day": 51}, {"home_base": point(0, 91)}, {"user_id": 3},
                                  {"partner_company_id": 1}, {"skills": []}, {"is_active": "maybe"},
                                  {"home_base": None}])
def test_patch_engineer_rejects_bad_input(client, as_role, session, body):
    engineer_id = EngineerFactory(max_jobs_per_day=8).id
    _, headers = as_role(Role.MANAGER)
    response = client.patch(f"/api/v1/engineers/{engineer_id}", headers=headers, json=body)
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert session.get(Engineer, engineer_id).max_jobs_per_day == 8


@pytest.mark.parametrize("role", REFUSED_PATCH)
def test_patch_engineer_refuses_other_roles(client, as_role, role):
    engineer_id = EngineerFactory().id
    _, headers = as_role(role)
    assert client.patch(f"/api/v1/engineers/{engineer_id}", headers=headers,
                        json={"is_active": False}).status_code == 403


def test_working_hours_are_listed_by_day_and_time(client, as_role):
    engineer = EngineerFactory(weekdays=False)
    engineer.working_hours.extend([WorkingHours(weekday=1, starts=time(13), ends=time(18)),
                                   WorkingHours(weekday=0, starts=time(9), ends=time(12)),
                                   WorkingHours(weekday=1, starts=time(8), ends=time(12))])
    engineer_id = engineer.id
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/engineers/{engineer_id}", headers=headers)
    assert response.json["working_hours"] == [{"weekday": 0, "starts": "09:00", "ends": "12:00"},
                                              {"weekday": 1, "starts": "08:00", "ends": "12:00"},
                                              {"weekday": 1, "starts": "13:00", "ends": "18:00"}]


# --- no N+1 ------------------------------------------------------------------------------

@contextmanager
def recorded_statements(engine):
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("url", ["/api/v1/engineers", "/api/v1/map/engineers"])
def test_engineer_lists_take_as_many_queries_for_many_engineers_as_for_few(client, as_role, engine, url):
    def add_engineers(count):
        for n in range(count):
            partner = PartnerCompanyFactory()
            EngineerFactory(user=UserFactory(role=Role.PARTNER_ENGINEER, partner_company=partner),
                            partner_company=partner, skills={"hvac": 1, "electrical": 2},
                            last_position=make_point(121.4 + n / 100, 31.2))

    _, headers = as_role(Role.DISPATCHER)
    add_engineers(2)
    with recorded_statements(engine) as few:
        assert len(client.get(url, headers=headers).json) > 0
    add_engineers(6)
    with recorded_statements(engine) as many:
        assert client.get(url, headers=headers).status_code == 200
    assert len(many) == len(few)
