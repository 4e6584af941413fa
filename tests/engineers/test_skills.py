"""/skills: the catalogue every role but customers reads and managers extend."""
import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.engineers.models import Skill
from tests.factories import SkillFactory

READERS = [role for role in Role if role is not Role.CUSTOMER]
REFUSED_WRITE = [role for role in Role if role not in (Role.ADMIN, Role.MANAGER)]


@pytest.mark.parametrize("role", READERS)
def test_every_staff_role_reads_the_catalogue(client, as_role, role):
    SkillFactory(code="hvac", name_en="HVAC", name_zh="暖通空调")
    SkillFactory(code="electrical", name_en="Electrical", name_zh="电气")
    _, headers = as_role(role)
    response = client.get("/api/v1/skills", headers=headers)
    assert response.status_code == 200, response.json
    assert response.json == [{"code": "electrical", "name_en": "Electrical", "name_zh": "电气"},
                             {"code": "hvac", "name_en": "HVAC", "name_zh": "暖通空调"}]


def test_customers_may_not_read_the_catalogue(client, as_role):
    _, headers = as_role(Role.CUSTOMER)
    assert client.get("/api/v1/skills", headers=headers).status_code == 403


def test_skill_endpoints_need_a_token(client):
    assert client.get("/api/v1/skills").status_code == 401
    assert client.post("/api/v1/skills", json={"code": "x1", "name_en": "X", "name_zh": "X"}).status_code == 401


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_manager_adds_a_skill(client, as_role, session, role):
    _, headers = as_role(role)
    response = client.post("/api/v1/skills", headers=headers,
                           json={"code": "elevator", "name_en": "Elevators", "name_zh": "电梯"})
    assert response.status_code == 201, response.json
    assert response.json == {"code": "elevator", "name_en": "Elevators", "name_zh": "电梯"}
    assert session.get(Skill, "elevator").name_zh == "电梯"


@pytest.mark.parametrize("role", REFUSED_WRITE)
def test_only_managers_add_skills(client, as_role, role):
    _, headers = as_role(role)
    response = client.post("/api/v1/skills", headers=headers, json={"code": "x1", "name_en": "X", "name_zh": "X"})
    assert response.status_code == 403


def test_duplicate_skill_code_is_409(client, as_role):
    SkillFactory(code="hvac")
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/skills", headers=headers, json={"code": "hvac", "name_en": "A", "name_zh": "B"})
    assert response.status_code == 409 and response.json["status"] == "conflict"


@pytest.mark.parametrize("body", [
    {"code": "HVAC", "name_en": "X", "name_zh": "X"},
    {"code": "h", "name_en": "X", "name_zh": "X"},
    {"code": "has space", "name_en": "X", "name_zh": "X"},
    {"code": "1st", "name_en": "X", "name_zh": "X"},
    {"code": "x" * 41, "name_en": "X", "name_zh": "X"},
    {"code": "plumbing", "name_en": "", "name_zh": "X"},
    {"code": "plumbing", "name_en": "X"},
    {"code": "plumbing", "name_en": "X", "name_zh": "X", "level": 2},
])
def test_bad_skill_input_is_422(client, as_role, session, body):
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/skills", headers=headers, json=body)
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert session.scalar(select(func.count()).select_from(Skill)) == 0
