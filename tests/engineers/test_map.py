"""GET /map/engineers: a GeoJSON layer of active engineers at their last position."""
from datetime import datetime, timezone

import pytest

from app.auth.models import Role
from app.geo import make_point
from tests.factories import EngineerFactory, PartnerCompanyFactory, UserFactory

MAP_ROLES = (Role.ADMIN, Role.MANAGER, Role.DISPATCHER, Role.AGENT)
REFUSED = (Role.ENGINEER, Role.WAREHOUSE, Role.CUSTOMER)
SEEN_AT = datetime(2026, 3, 2, 8, 15, tzinfo=timezone.utc)


@pytest.fixture
def positions():
    partner = PartnerCompanyFactory(name="Huaxin Elevators")
    bund = EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Zhang Wei"), skills={"hvac": 2},
                           last_position=make_point(121.4903, 31.2397), last_position_at=SEEN_AT)
    airport = EngineerFactory(user=UserFactory(role=Role.PARTNER_ENGINEER, name="Chen Jie", partner_company=partner),
                              partner_company=partner, skills={"elevator": 3},
                              last_position=make_point(121.3363, 31.1979), last_position_at=SEEN_AT)
    EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Off duty"), is_active=False,
                    last_position=make_point(121.47, 31.23), last_position_at=SEEN_AT)
    EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Never reported"))
    return {"bund": bund.id, "airport": airport.id, "partner": partner.id,
            "partner_user": airport.user}


@pytest.mark.parametrize("role", MAP_ROLES)
def test_map_shows_active_engineers_with_a_position(client, as_role, positions, role):
    _, headers = as_role(role)
    response = client.get("/api/v1/map/engineers", headers=headers)
    assert response.status_code == 200, response.json
    layer = response.json
    assert layer["type"] == "FeatureCollection"
    assert layer["features"] == [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.4903, 31.2397]},
         "properties": {"id": positions["bund"], "name": "Zhang Wei", "last_position_at": "2026-03-02T08:15:00+00:00",
                        "partner_company": None, "skills": [{"skill": "hvac", "level": 2}]}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.3363, 31.1979]},
         "properties": {"id": positions["airport"], "name": "Chen Jie", "last_position_at": "2026-03-02T08:15:00+00:00",
                        "partner_company": {"id": positions["partner"], "name": "Huaxin Elevators"},
                        "skills": [{"skill": "elevator", "level": 3}]}},
    ]


def test_map_bbox_keeps_engineers_in_view(client, as_role, positions):
    _, headers = as_role(Role.DISPATCHER)
    downtown = client.get("/api/v1/map/engineers?bbox=121.45,31.22,121.52,31.25", headers=headers)
    assert [f["properties"]["name"] for f in downtown.json["features"]] == ["Zhang Wei"]
    west = client.get("/api/v1/map/engineers?bbox=121.30,31.15,121.40,31.21", headers=headers)
    assert [f["properties"]["name"] for f in west.json["features"]] == ["Chen Jie"]


def test_partner_engineer_sees_only_its_company_on_the_map(client, token_for, positions):
    response = client.get("/api/v1/map/engineers", headers=token_for(positions["partner_user"]))
    assert response.status_code == 200
    assert [f["properties"]["id"] for f in response.json["features"]] == [positions["airport"]]


@pytest.mark.parametrize("bbox", ["1,2,3", "121.5,31.1,121.4,31.3", "121.4,31.1,121.5,95", "x,y,z,w"])
def test_bad_map_bbox_is_422(client, as_role, bbox):
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/map/engineers?bbox={bbox}", headers=headers)
    assert response.status_code == 422 and response.json["status"] == "validation_error"


@pytest.mark.parametrize("role", REFUSED)
def test_map_refuses_other_roles(client, as_role, role):
    _, headers = as_role(role)
    assert client.get("/api/v1/map/engineers", headers=headers).status_code == 403


def test_map_needs_a_token(client):
    assert client.get("/api/v1/map/engineers").status_code == 401
