"""/customers and contacts: listing, reading (with the customer role's scope), writing."""
import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.customers.models import Contact, Customer, CustomerTier
from tests.factories import ContactFactory, CustomerFactory, SiteFactory, UserFactory

READ_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER)
WRITE_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)
REFUSED_READ = [role for role in Role if role not in READ_ROLES]
REFUSED_WRITE = [role for role in Role if role not in WRITE_ROLES]


def _customer_count(session) -> int:
    return session.scalar(select(func.count(Customer.id)))


# --- GET /customers ----------------------------------------------------------------------

@pytest.mark.parametrize("role", READ_ROLES)
def test_back_office_lists_customers_by_name(client, as_role, role):
    CustomerFactory(name="Zhongshan Hospital", tier=CustomerTier.VIP, phone="+86 21 6404 1990")
    CustomerFactory(name="Aurora Printing", email="it@aurora.example")
    _, headers = as_role(role)
    response = client.get("/api/v1/customers", headers=headers)
    assert response.status_code == 200, response.json
    assert [c["name"] for c in response.json] == ["Aurora Printing", "Zhongshan Hospital"]
    hospital = response.json[1]
    assert hospital["tier"] == "vip" and hospital["phone"] == "+86 21 6404 1990"
    assert '"total": 2' in response.headers["X-Pagination"]


@pytest.mark.parametrize("query, expected", [
    ("q=hosp", ["Zhongshan Hospital"]),
    ("q=6404", ["Zhongshan Hospital"]),
    ("q=AURORA.example", ["Aurora Printing"]),
    ("tier=vip", ["Zhongshan Hospital"]),
    ("tier=standard&q=print", ["Aurora Printing"]),
    ("q=100%25", []),  # a literal %, not a wildcard
])
def test_customer_filters(client, as_role, query, expected):
    CustomerFactory(name="Zhongshan Hospital", tier=CustomerTier.VIP, phone="+86 21 6404 1990")
    CustomerFactory(name="Aurora Printing", email="it@aurora.example")
    _, headers = as_role(Role.AGENT)
    response = client.get(f"/api/v1/customers?{query}", headers=headers)
    assert response.status_code == 200, response.json
    assert [c["name"] for c in response.json] == expected


def test_customer_list_rejects_unknown_tier(client, as_role):
    _, headers = as_role(Role.AGENT)
    response = client.get("/api/v1/customers?tier=gold", headers=headers)
    assert response.status_code == 422 and response.json["status"] == "validation_error"


@pytest.mark.parametrize("role", REFUSED_READ)
def test_customer_list_refuses_other_roles(client, as_role, role):
    _, headers = as_role(role)
    response = client.get("/api/v1/customers", headers=headers)
    assert response.status_code == 403 and response.json["status"] == "forbidden"


def test_customer_list_needs_a_token(client):
    assert client.get("/api/v1/customers").status_code == 401


# --- GET /customers/{id} -----------------------------------------------------------------

def test_customer_detail_includes_contacts_and_sites(client, as_role):
    customer = CustomerFactory(name="Jing'an Mall")
    contact = ContactFactory(customer=customer, name="Li Na", email="li.na@mall.example")
    site = SiteFactory(customer=customer, name="North tower", district="Jing'an")
    customer_id, contact_id, site_id = customer.id, contact.id, site.id
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/customers/{customer_id}", headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["name"] == "Jing'an Mall"
    assert body["contacts"] == [{"id": contact_id, "customer_id": customer_id, "name": "Li Na",
                                 "phone": "+86 21 5555 0000", "email": "li.na@mall.example", "user_id": None,
                                 "created_at": body["contacts"][0]["created_at"]}]
    assert body["sites"] == [{"id": site_id, "name": "North tower", "address": "200 Century Avenue, Pudong, Shanghai",
                              "district": "Jing'an",
                              "location": {"type": "Point", "coordinates": [121.4737, 31.2304]}}]


def test_customer_user_reads_only_its_own_customer(client, token_for):
    own, other = CustomerFactory(), CustomerFactory()
    user = UserFactory(role=Role.CUSTOMER)
    ContactFactory(customer=own, user=user)
    own_id, other_id = own.id, other.id
    headers = token_for(user)
    assert client.get(f"/api/v1/customers/{own_id}", headers=headers).json["id"] == own_id
    response = client.get(f"/api/v1/customers/{other_id}", headers=headers)
    assert response.status_code == 404 and response.json["status"] == "not_found"


def test_customer_user_without_contact_sees_nothing(client, as_role):
    customer_id = CustomerFactory().id
    _, headers = as_role(Role.CUSTOMER)
    assert client.get(f"/api/v1/customers/{customer_id}", headers=headers).status_code == 404


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.PARTNER_ENGINEER, Role.WAREHOUSE])
def test_customer_detail_refuses_field_and_warehouse_roles(client, as_role, role):
    customer_id = CustomerFactory().id
    _, headers = as_role(role)
    assert client.get(f"/api/v1/customers/{customer_id}", headers=headers).status_code == 403


def test_unknown_customer_is_404(client, as_role):
    _, headers = as_role(Role.AGENT)
    response = client.get("/api/v1/customers/999999", headers=headers)
    assert response.status_code == 404 and response.json["status"] == "not_found"


# --- POST /customers, PATCH /customers/{id} ----------------------------------------------

@pytest.mark.parametrize("role", WRITE_ROLES)
def test_create_customer(client, as_role, session, role):
    _, headers = as_role(role)
    response = client.post("/api/v1/customers", headers=headers, json={
        "name": "瑞金医院", "tier": "vip", "phone": "+86 21 6437 0045", "email": "facilities@ruijin.example",
        "notes": "Badge needed at gate 3"})
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["name"], body["tier"], body["notes"]) == ("瑞金医院", "vip", "Badge needed at gate 3")
    stored = session.get(Customer, body["id"])
    assert stored.tier is CustomerTier.VIP and stored.email == "facilities@ruijin.example"


def test_new_customer_defaults_to_standard_tier(client, as_role):
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/customers", headers=headers, json={"name": "Corner Cafe"})
    assert response.status_code == 201 and response.json["tier"] == "standard"


@pytest.mark.parametrize("body", [
    {},
    {"name": ""},
    {"name": "X", "tier": "gold"},
    {"name": "X", "email": "not-an-email"},
    {"name": 42},
    {"name": "X", "phone": "1" * 41},
    {"name": "X", "credit_limit": 100},
])
def test_create_customer_rejects_bad_input(client, as_role, session, body):
    _, headers = as_role(Role.MANAGER)
    before = _customer_count(session)
    response = client.post("/api/v1/customers", headers=headers, json=body)
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"
    assert _customer_count(session) == before


@pytest.mark.parametrize("role", REFUSED_WRITE)
def test_customer_writes_refuse_other_roles(client, as_role, role):
    customer_id = CustomerFactory().id
    _, headers = as_role(role)
    assert client.post("/api/v1/customers", headers=headers, json={"name": "X"}).status_code == 403
    assert client.patch(f"/api/v1/customers/{customer_id}", headers=headers, json={"name": "Y"}).status_code == 403


def test_customer_writes_need_a_token(client):
    customer_id = CustomerFactory().id
    assert client.post("/api/v1/customers", json={"name": "X"}).status_code == 401
    assert client.patch(f"/api/v1/customers/{customer_id}", json={"name": "Y"}).status_code == 401


def test_patch_customer_changes_only_what_is_sent(client, as_role, session):
    customer = CustomerFactory(name="Old name", phone="123", email="a@b.example")
    customer_id = customer.id
    _, headers = as_role(Role.AGENT)
    response = client.patch(f"/api/v1/customers/{customer_id}", headers=headers,
                            json={"name": "New name", "tier": "vip", "email": None})
    assert response.status_code == 200, response.json
    assert (response.json["name"], response.json["tier"], response.json["phone"], response.json["email"]) == \
        ("New name", "vip", "123", None)
    stored = session.get(Customer, customer_id)
    assert stored.name == "New name" and stored.email is None


@pytest.mark.parametrize("body", [{"name": None}, {"tier": "gold"}, {"id": 5}, {"email": "nope"}])
def test_patch_customer_rejects_bad_input(client, as_role, session, body):
    customer_id = CustomerFactory(name="Keep me").id
    _, headers = as_role(Role.AGENT)
    response = client.patch(f"/api/v1/customers/{customer_id}", headers=headers, json=body)
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert session.get(Customer, customer_id).name == "Keep me"


def test_patch_unknown_customer_is_404(client, as_role):
    _, headers = as_role(Role.AGENT)
    assert client.patch("/api/v1/customers/999999", headers=headers, json={"name": "X"}).status_code == 404


# --- contacts ----------------------------------------------------------------------------

def test_list_contacts_of_a_customer(client, as_role):
    customer = CustomerFactory()
    ContactFactory(customer=customer, name="First")
    ContactFactory(customer=customer, name="Second")
    ContactFactory(name="Someone else's")
    customer_id = customer.id
    _, headers = as_role(Role.AGENT)
    response = client.get(f"/api/v1/customers/{customer_id}/contacts", headers=headers)
    assert response.status_code == 200, response.json
    assert [c["name"] for c in response.json] == ["First", "Second"]


def test_contacts_of_unknown_customer_are_404(client, as_role):
    _, headers = as_role(Role.AGENT)
    assert client.get("/api/v1/customers/999999/contacts", headers=headers).status_code == 404
    response = client.post("/api/v1/customers/999999/contacts", headers=headers, json={"name": "X"})
    assert response.status_code == 404 and response.json["status"] == "not_found"


def test_create_contact_linked_to_a_customer_user(client, as_role, session):
    customer_id = CustomerFactory().id
    user_id = UserFactory(role=Role.CUSTOMER).id
    _, headers = as_role(Role.MANAGER)
    response = client.post(f"/api/v1/customers/{customer_id}/contacts", headers=headers, json={
        "name": "Wang Fang", "phone": "+86 139 0000 1111", "email": "wang.fang@example.test", "user_id": user_id})
    assert response.status_code == 201, response.json
    assert response.json["customer_id"] == customer_id and response.json["user_id"] == user_id
    stored = session.get(Contact, response.json["id"])
    assert (stored.name, stored.user_id) == ("Wang Fang", user_id)


def test_linked_contact_lets_the_user_read_its_customer(client, as_role, token_for):
    customer_id = CustomerFactory().id
    customer_user = UserFactory(role=Role.CUSTOMER)
    _, headers = as_role(Role.AGENT)
    response = client.post(f"/api/v1/customers/{customer_id}/contacts", headers=headers,
                           json={"name": "Boss", "user_id": customer_user.id})
    assert response.status_code == 201
    assert client.get(f"/api/v1/customers/{customer_id}", headers=token_for(customer_user)).status_code == 200


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.ADMIN])
def test_contact_user_must_have_role_customer(client, as_role, session, role):
    customer_id = CustomerFactory().id
    user_id = UserFactory(role=role).id
    _, headers = as_role(Role.AGENT)
    response = client.post(f"/api/v1/customers/{customer_id}/contacts", headers=headers,
                           json={"name": "X", "user_id": user_id})
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert "user_id" in response.json["errors"]
    assert session.scalar(select(func.count(Contact.id)).where(Contact.customer_id == customer_id)) == 0


def test_contact_user_may_speak_for_one_contact_only(client, as_role):
    user = UserFactory(role=Role.CUSTOMER)
    ContactFactory(user=user)
    customer_id, user_id = CustomerFactory().id, user.id
    _, headers = as_role(Role.AGENT)
    response = client.post(f"/api/v1/customers/{customer_id}/contacts", headers=headers,
                           json={"name": "X", "user_id": user_id})
    assert response.status_code == 409 and response.json["status"] == "conflict"


def test_contact_with_unknown_user_is_404(client, as_role):
    customer_id = CustomerFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post(f"/api/v1/customers/{customer_id}/contacts", headers=headers,
                           json={"name": "X", "user_id": 999999})
    assert response.status_code == 404 and response.json["status"] == "not_found"


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "X", "user_id": "7"}, {"name": "X", "role": "boss"},
                                  {"name": "X", "email": "nope"}, {"name": "X", "user_id": 0}])
def test_create_contact_rejects_bad_input(client, as_role, body):
    customer_id = CustomerFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post(f"/api/v1/customers/{customer_id}/contacts", headers=headers, json=body)
    assert response.status_code == 422 and response.json["status"] == "validation_error"


def test_patch_contact_relinks_and_unlinks(client, as_role, session):
    user = UserFactory(role=Role.CUSTOMER)
    contact = ContactFactory(user=user, name="Old")
    contact_id = contact.id
    _, headers = as_role(Role.AGENT)
    response = client.patch(f"/api/v1/contacts/{contact_id}", headers=headers, json={"name": "New", "user_id": None})
    assert response.status_code == 200, response.json
    assert (response.json["name"], response.json["user_id"]) == ("New", None)
    assert session.get(Contact, contact_id).user_id is None


def test_patch_contact_keeps_its_own_link(client, as_role):
    user = UserFactory(role=Role.CUSTOMER)
    contact_id, user_id = ContactFactory(user=user).id, user.id
    _, headers = as_role(Role.AGENT)
    response = client.patch(f"/api/v1/contacts/{contact_id}", headers=headers, json={"user_id": user_id})
    assert response.status_code == 200 and response.json["user_id"] == user_id


def test_patch_contact_refuses_a_user_linked_elsewhere(client, as_role, session):
    taken = UserFactory(role=Role.CUSTOMER)
    ContactFactory(user=taken)
    contact_id, taken_id = ContactFactory().id, taken.id
    _, headers = as_role(Role.AGENT)
    response = client.patch(f"/api/v1/contacts/{contact_id}", headers=headers, json={"user_id": taken_id})
    assert response.status_code == 409
    assert session.get(Contact, contact_id).user_id is None


def test_patch_unknown_contact_is_404(client, as_role):
    _, headers = as_role(Role.AGENT)
    assert client.patch("/api/v1/contacts/999999", headers=headers, json={"name": "X"}).status_code == 404


@pytest.mark.parametrize("role", REFUSED_WRITE)
def test_contact_endpoints_refuse_other_roles(client, as_role, role):
    contact = ContactFactory()
    contact_id, customer_id = contact.id, contact.customer_id
    _, headers = as_role(role)
    assert client.get(f"/api/v1/customers/{customer_id}/contacts", headers=headers).status_code == 403
    assert client.post(f"/api/v1/customers/{customer_id}/contacts", headers=headers,
                       json={"name": "X"}).status_code == 403
    assert client.patch(f"/api/v1/contacts/{contact_id}", headers=headers, json={"name": "X"}).status_code == 403


def test_contact_endpoints_need_a_token(client):
    contact = ContactFactory()
    contact_id, customer_id = contact.id, contact.customer_id
    assert client.get(f"/api/v1/customers/{customer_id}/contacts").status_code == 401
    assert client.post(f"/api/v1/customers/{customer_id}/contacts", json={"name": "X"}).status_code == 401
    assert client.patch(f"/api/v1/contacts/{contact_id}", json={"name": "X"}).status_code == 401
