"""POST /api/v1/work-orders."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.workorders.models import EventKind, WorkOrder, WorkOrderEvent
from tests.factories import (AssetFactory, ContactFactory, CustomerFactory, SiteFactory, SkillFactory,
                             WorkOrderFactory)
from tests.workorders.conftest import order_body

URL = "/api/v1/work-orders"


def order_count(session) -> int:
    return session.scalar(select(func.count()).select_from(WorkOrder))


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def site_ids(site):
    """(site_id, customer_id) of a fresh site."""
    return site.id, site.customer_id


def test_agent_creates_an_order_with_every_field(client, as_role, session, site, site_ids, repair_template):
    site_id, customer_id = site_ids
    asset_id = AssetFactory(site=site, model="Daikin VRV IV", serial_number="SN-42").id
    SkillFactory(code="hvac")
    agent, headers = as_role(Role.AGENT)
    agent_id = agent.id
    response = client.post(URL, headers=headers, json=order_body(
        site_id, customer_id, channel="email", work_type="repair", priority="urgent", title="No cooling on 12F",
        description="Server room at 31 °C", asset_id=asset_id, required_skills=[{"skill": "hvac", "level": 2}],
        estimated_duration_min=90, window={"start": "2026-05-04T09:00:00+08:00", "end": "2026-05-04T12:00:00+08:00"},
        custom_fields={"floor": 12, "symptom": "no_cooling", "areas": ["server_room"]}))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "new" and body["channel"] == "email" and body["priority"] == "urgent"
    assert body["work_type"] == "repair" and body["title"] == "No cooling on 12F"
    assert body["description"] == "Server room at 31 °C"
    assert body["customer"]["id"] == customer_id and body["site"]["id"] == site_id
    assert body["site"]["location"] == {"type": "Point", "coordinates": [121.4737, 31.2304]}
    assert body["asset"] == {"id": asset_id, "model": "Daikin VRV IV", "serial_number": "SN-42"}
    assert body["required_skills"] == [{"skill": "hvac", "level": 2}]
    assert body["estimated_duration_min"] == 90
    assert datetime.fromisoformat(body["window"]["start"]) == datetime(2026, 5, 4, 1, tzinfo=timezone.utc)
    assert datetime.fromisoformat(body["window"]["end"]) == datetime(2026, 5, 4, 4, tzinfo=timezone.utc)
    assert body["custom_fields"] == {"floor": 12, "symptom": "no_cooling", "areas": ["server_room"]}
    assert body["scheduled"] is None and body["scheduled_engineer"] is None
    assert body["parent_id"] is None and body["children"] == [] and body["version"] == 1
    assert response.headers["ETag"]
    assert response.headers["Location"].endswith(f"{URL}/{body['id']}")

    order = session.get(WorkOrder, body["id"])
    assert order.template_id == repair_template and order.created_by_id == agent_id
    events = session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == body["id"])).all()
    assert [(e.kind, e.actor_id, e.payload) for e in events] == [
        (EventKind.CREATED, agent_id, {"channel": "email", "priority": "urgent"})]


def test_defaults_and_the_etag_matches_a_later_read(client, as_role, site_ids):
    _, headers = as_role(Role.DISPATCHER)
    created = client.post(URL, headers=headers, json=order_body(*site_ids))
    assert created.status_code == 201, created.json
    assert created.json["priority"] == "normal" and created.json["estimated_duration_min"] == 60
    assert created.json["description"] == "" and created.json["window"] is None
    assert created.json["custom_fields"] == {}
    read = client.get(f"{URL}/{created.json['id']}", headers=headers)
    assert read.headers["ETag"] == created.headers["ETag"]


def test_numbers_follow_the_format_and_are_unique(client, as_role, site_ids):
    _, headers = as_role(Role.AGENT)
    numbers = [client.post(URL, headers=headers, json=order_body(*site_ids)).json["number"] for _ in range(3)]
    year = datetime.now(timezone.utc).year
    assert all(re.fullmatch(rf"WO-{year}-\d{{6}}", n) for n in numbers), numbers
    assert len(set(numbers)) == 3


def test_a_child_order_points_at_its_parent(client, as_role, site, site_ids):
    site_id, customer_id = site_ids
    parent_id = WorkOrderFactory(site=site).id
    _, headers = as_role(Role.AGENT)
    child = client.post(URL, headers=headers, json=order_body(site_id, customer_id, parent_id=parent_id))
    assert child.status_code == 201, child.json
    assert child.json["parent_id"] == parent_id
    assert client.get(f"{URL}/{parent_id}", headers=headers).json["children"] == [child.json["id"]]


def test_custom_fields_are_checked_against_the_active_template(client, as_role, session, site_ids,
                                                               repair_template):
    _, headers = as_role(Role.AGENT)
    before = order_count(session)
    response = client.post(URL, headers=headers, json=order_body(
        *site_ids, work_type="repair", custom_fields={"symptom": "smoke", "colour": "red"}))
    assert response.status_code == 422
    assert response.json["status"] == "validation_error"
    assert set(response.json["errors"]["custom_fields"]) == {"floor", "symptom", "colour"}
    assert order_count(session) == before


def test_custom_fields_need_a_template(client, as_role, site_ids):
    _, headers = as_role(Role.AGENT)
    response = client.post(URL, headers=headers, json=order_body(*site_ids, custom_fields={"floor": 3}))
    assert response.status_code == 422
    assert response.json["errors"]["custom_fields"] == {"floor": ["this work type has no custom fields"]}


# --- customers --------------------------------------------------------------------------------

def test_customer_files_for_its_own_customer_through_the_web(client, as_role, session, site, site_ids):
    site_id, customer_id = site_ids
    user, headers = as_role(Role.CUSTOMER)
    ContactFactory(customer=site.customer, user=user)
    response = client.post(URL, headers=headers, json=order_body(site_id, None, channel="phone"))
    assert response.status_code == 201, response.json
    assert response.json["customer"]["id"] == customer_id
    assert response.json["channel"] == "web"
    event = session.scalar(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == response.json["id"]))
    assert event.payload == {"channel": "web", "priority": "normal"}


def test_customer_cannot_file_for_another_customer(client, as_role, session):
    own_customer = CustomerFactory()
    other = SiteFactory()
    other_site_id, other_customer_id = other.id, other.customer_id
    user, headers = as_role(Role.CUSTOMER)
    ContactFactory(customer=own_customer, user=user)
    before = order_count(session)
    response = client.post(URL, headers=headers, json=order_body(other_site_id, other_customer_id))
    assert response.status_code == 403 and response.json["status"] == "forbidden"
    # Leaving customer_id out pins the order to its own customer: the other's site does not match.
    response = client.post(URL, headers=headers, json=order_body(other_site_id, None))
    assert response.status_code == 422 and response.json["status"] == "site_mismatch"
    assert order_count(session) == before


def test_customer_account_without_a_contact_is_refused(client, as_role, site_ids):
    _, headers = as_role(Role.CUSTOMER)
    response = client.post(URL, headers=headers, json=order_body(*site_ids))
    assert response.status_code == 403


def test_customer_cannot_hang_an_order_under_another_customers_order(client, as_role, site, site_ids):
    site_id, _ = site_ids
    foreign_order_id = WorkOrderFactory().id
    user, headers = as_role(Role.CUSTOMER)
    ContactFactory(customer=site.customer, user=user)
    response = client.post(URL, headers=headers, json=order_body(site_id, None, parent_id=foreign_order_id))
    assert response.status_code == 404 and response.json["status"] == "not_found"


# --- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.ENGINEER, Role.PARTNER_ENGINEER, Role.WAREHOUSE])
def test_roles_that_may_not_create(client, as_role, session, site_ids, role):
    _, headers = as_role(role)
    before = order_count(session)
    response = client.post(URL, headers=headers, json=order_body(*site_ids))
    assert response.status_code == 403 and response.json["status"] == "forbidden"
    assert order_count(session) == before


def test_no_token_is_401(client, site_ids):
    response = client.post(URL, json=order_body(*site_ids))
    assert response.status_code == 401 and response.json["status"] == "unauthorized"


@pytest.mark.parametrize("overrides, field", [
    ({"colour": "red"}, "colour"),
    ({"status": "assigned"}, "status"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": None}, "title"),
    ({"site_id": "first"}, "site_id"),
    ({"priority": "asap"}, "priority"),
    ({"channel": "fax"}, "channel"),
    ({"work_type": "painting"}, "work_type"),
    ({"estimated_duration_min": 0}, "estimated_duration_min"),
    ({"estimated_duration_min": 10081}, "estimated_duration_min"),
    ({"required_skills": [{"skill": "hvac", "level": 4}]}, "required_skills"),
    ({"required_skills": [{"skill": "hvac", "level": 1}, {"skill": "hvac", "level": 2}]}, "required_skills"),
    ({"required_skills": [{"skill": "hvac"}]}, "required_skills"),
    ({"window": {"start": "2026-05-04T12:00:00+08:00", "end": "2026-05-04T09:00:00+08:00"}}, "window"),
    ({"window": {"start": "2026-05-04T09:00:00", "end": "2026-05-04T12:00:00"}}, "window"),
    ({"window": {"start": "2026-05-04T09:00:00+08:00"}}, "window"),
    ({"custom_fields": ["floor"]}, "custom_fields"),
])
def test_bad_input_is_422_and_writes_nothing(client, as_role, session, site_ids, overrides, field):
    _, headers = as_role(Role.AGENT)
    before = order_count(session)
    response = client.post(URL, headers=headers, json=order_body(*site_ids, **overrides))
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"
    assert field in response.json["errors"]["json"]
    assert order_count(session) == before


@pytest.mark.parametrize("missing", ["customer_id", "channel"])
def test_back_office_must_say_whose_order_and_how_it_came(client, as_role, site_ids, missing):
    _, headers = as_role(Role.AGENT)
    body = order_body(*site_ids)
    del body[missing]
    response = client.post(URL, headers=headers, json=body)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [missing]


@pytest.mark.parametrize("field", ["customer_id", "site_id", "asset_id", "parent_id"])
def test_unknown_references_are_404(client, as_role, session, site_ids, field):
    _, headers = as_role(Role.AGENT)
    before = order_count(session)
    response = client.post(URL, headers=headers, json=order_body(*site_ids, **{field: 999999}))
    assert response.status_code == 404 and response.json["status"] == "not_found"
    assert order_count(session) == before


def test_site_of_another_customer_is_site_mismatch(client, as_role, site_ids):
    site_id, _ = site_ids
    other_customer_id = CustomerFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post(URL, headers=headers, json=order_body(site_id, other_customer_id))
    assert response.status_code == 422 and response.json["status"] == "site_mismatch"
    assert "site_id" in response.json["errors"]


def test_asset_at_another_site_is_asset_mismatch(client, as_role, site, site_ids):
    site_id, customer_id = site_ids
    elsewhere = AssetFactory(site=SiteFactory(customer=site.customer)).id
    _, headers = as_role(Role.AGENT)
    response = client.post(URL, headers=headers, json=order_body(site_id, customer_id, asset_id=elsewhere))
    assert response.status_code == 422 and response.json["status"] == "asset_mismatch"


def test_parent_of_another_customer_is_parent_mismatch(client, as_role, site_ids):
    foreign_parent_id = WorkOrderFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post(URL, headers=headers, json=order_body(*site_ids, parent_id=foreign_parent_id))
    assert response.status_code == 422 and response.json["status"] == "parent_mismatch"


def test_skill_outside_the_catalogue_is_unknown_skill(client, as_role, session, site_ids):
    SkillFactory(code="hvac")
    _, headers = as_role(Role.AGENT)
    before = order_count(session)
    response = client.post(URL, headers=headers, json=order_body(
        *site_ids, required_skills=[{"skill": "hvac", "level": 1}, {"skill": "juggling", "level": 1}]))
    assert response.status_code == 422 and response.json["status"] == "unknown_skill"
    assert response.json["errors"] == {"required_skills": {"juggling": ["not in the skill catalogue"]}}
    assert order_count(session) == before
