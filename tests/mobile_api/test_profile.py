import pytest

from app.auth.models import Role
from tests.factories import EngineerFactory, PartnerCompanyFactory, UserFactory


def test_engineer_profile_has_skills_and_home_base(client, token_for):
    engineer = EngineerFactory(skills={"hvac": 2, "electrical": 1}, max_jobs_per_day=6)
    response = client.get("/mobile/v1/me", headers=token_for(engineer.user))
    assert response.status_code == 200
    body = response.json
    assert body["engineer_id"] == engineer.id
    assert body["skills"] == [{"skill": "electrical", "level": 1}, {"skill": "hvac", "level": 2}]
    assert body["home_base"] == {"type": "Point", "coordinates": [121.45, 31.22]}
    assert body["max_jobs_per_day"] == 6 and body["partner_company"] is None


def test_partner_engineer_profile_names_the_company(client, token_for):
    company = PartnerCompanyFactory(name="申通设备服务")
    user = UserFactory(role=Role.PARTNER_ENGINEER, partner_company=company)
    EngineerFactory(user=user, partner_company=company)
    response = client.get("/mobile/v1/me", headers=token_for(user))
    assert response.status_code == 200 and response.json["partner_company"] == "申通设备服务"


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.ENGINEER, Role.PARTNER_ENGINEER, Role.ADMIN)])
def test_office_roles_are_refused(client, as_role, role):
    _, headers = as_role(role)
    response = client.get("/mobile/v1/me", headers=headers)
    assert response.status_code == 403 and response.json["status"] == "forbidden"


def test_no_token_is_401(client):
    assert client.get("/mobile/v1/me").status_code == 401
