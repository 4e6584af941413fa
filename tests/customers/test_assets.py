"""/assets: filters, registration rules (warranty, duplicates), changes, service history."""
from contextlib import contextmanager
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event, func, select

from app.auth.models import Role
from app.customers.models import Asset
from app.workorders.models import Priority, Status, WorkType
from tests.factories import AssetFactory, EngineerFactory, SiteFactory, UserFactory, WorkOrderFactory

READ_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER, Role.WAREHOUSE)
WRITE_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)
REFUSED_READ = [role for role in Role if role not in READ_ROLES]
REFUSED_WRITE = [role for role in Role if role not in WRITE_ROLES]


def _asset_count(session) -> int:
    return session.scalar(select(func.count(Asset.id)))


# --- GET /assets -------------------------------------------------------------------------

@pytest.fixture
def two_sites_of_assets():
    hospital_ward = SiteFactory(name="Ward")
    hospital_lab = SiteFactory(name="Lab", customer=hospital_ward.customer)
    AssetFactory(site=hospital_ward, model="Daikin VRV IV", serial_number="DK-001")
    AssetFactory(site=hospital_lab, model="Siemens Acuson", serial_number="SI-778")
    AssetFactory(model="Daikin VRV IV", serial_number="DK-002")  # another customer
    return {"ward": hospital_ward.id, "lab": hospital_lab.id, "customer": hospital_ward.customer_id}


@pytest.mark.parametrize("role", READ_ROLES)
def test_list_assets(client, as_role, two_sites_of_assets, role):
    _, headers = as_role(role)
    response = client.get("/api/v1/assets", headers=headers)
    assert response.status_code == 200, response.json
    assert [a["serial_number"] for a in response.json] == ["DK-001", "SI-778", "DK-002"]
    first = response.json[0]
    assert (first["site_id"], first["customer_id"], first["model"]) == \
        (two_sites_of_assets["ward"], two_sites_of_assets["customer"], "Daikin VRV IV")
    assert (first["installed_on"], first["warranty_until"]) == ("2024-05-01", "2027-05-01")


@pytest.mark.parametrize("query, expected", [
    ("site_id={lab}", ["SI-778"]),
    ("customer_id={customer}", ["DK-001", "SI-778"]),
    ("serial_number=dk-002", ["DK-002"]),
    ("serial_number=DK-00", []),
    ("model=vrv", ["DK-001", "DK-002"]),
    ("model=vrv&customer_id={customer}", ["DK-001"]),
])
def test_asset_filters(client, as_role, two_sites_of_assets, query, expected):
    query = query.format(**two_sites_of_assets)
    _, headers = as_role(Role.WAREHOUSE)
    response = client.get(f"/api/v1/assets?{query}", headers=headers)
    assert response.status_code == 200, response.json
    assert [a["serial_number"] for a in response.json] == expected


@pytest.mark.parametrize("query", ["site_id=x", "customer_id=0", "serial_number="])
def test_bad_asset_filters_are_422(client, as_role, query):
    _, headers = as_role(Role.AGENT)
    assert client.get(f"/api/v1/assets?{query}", headers=headers).status_code == 422


@pytest.mark.parametrize("role", REFUSED_READ)
def test_asset_reads_refuse_other_roles(client, as_role, role):
    asset_id = AssetFactory().id
    _, headers = as_role(role)
    assert client.get("/api/v1/assets", headers=headers).status_code == 403
    assert client.get(f"/api/v1/assets/{asset_id}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/assets/{asset_id}/history", headers=headers).status_code == 403


def test_asset_endpoints_need_a_token(client):
    asset_id = AssetFactory().id
    for method, url in [("GET", "/api/v1/assets"), ("POST", "/api/v1/assets"), ("GET", f"/api/v1/assets/{asset_id}"),
                        ("PATCH", f"/api/v1/assets/{asset_id}"), ("GET", f"/api/v1/assets/{asset_id}/history")]:
        response = client.open(url, method=method, json={"model": "X"} if method != "GET" else None)
        assert response.status_code == 401, (method, url)


# --- GET /assets/{id} --------------------------------------------------------------------

def test_get_asset(client, as_role):
    asset = AssetFactory(model="Otis Gen2", serial_number="OT-9", installed_on=None, warranty_until=None)
    asset_id, site_id = asset.id, asset.site_id
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/assets/{asset_id}", headers=headers)
    assert response.status_code == 200
    assert (response.json["model"], response.json["serial_number"], response.json["site_id"]) == \
        ("Otis Gen2", "OT-9", site_id)
    assert response.json["installed_on"] is None and response.json["warranty_until"] is None


def test_unknown_asset_is_404(client, as_role):
    _, headers = as_role(Role.AGENT)
    for method, url in [("GET", "/api/v1/assets/999999"), ("GET", "/api/v1/assets/999999/history"),
                        ("PATCH", "/api/v1/assets/999999")]:
        response = client.open(url, method=method, headers=headers, json={"model": "X"} if method != "GET" else None)
        assert response.status_code == 404 and response.json["status"] == "not_found", (method, url)


# --- POST /assets ------------------------------------------------------------------------

@pytest.mark.parametrize("role", WRITE_ROLES)
def test_register_asset(client, as_role, session, role):
    site_id = SiteFactory().id
    _, headers = as_role(role)
    response = client.post("/api/v1/assets", headers=headers, json={
        "site_id": site_id, "model": "Huawei SUN2000", "serial_number": "HW-2025-0001",
        "installed_on": "2025-03-01", "warranty_until": "2030-03-01"})
    assert response.status_code == 201, response.json
    stored = session.get(Asset, response.json["id"])
    assert (stored.site_id, stored.model, stored.serial_number) == (site_id, "Huawei SUN2000", "HW-2025-0001")
    assert (stored.installed_on, stored.warranty_until) == (date(2025, 3, 1), date(2030, 3, 1))


def test_warranty_may_end_on_the_installation_day(client, as_role):
    site_id = SiteFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/assets", headers=headers, json={
        "site_id": site_id, "model": "M", "serial_number": "S", "installed_on": "2025-03-01",
        "warranty_until": "2025-03-01"})
    assert response.status_code == 201, response.json


def test_warranty_before_installation_is_422(client, as_role, session):
    site_id = SiteFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/assets", headers=headers, json={
        "site_id": site_id, "model": "M", "serial_number": "S", "installed_on": "2025-03-01",
        "warranty_until": "2025-02-28"})
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert "warranty_until" in response.json["errors"]
    assert _asset_count(session) == 0


def test_duplicate_model_and_serial_is_409(client, as_role, session):
    AssetFactory(model="Daikin VRV IV", serial_number="DK-001")
    site_id = SiteFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/assets", headers=headers,
                           json={"site_id": site_id, "model": "Daikin VRV IV", "serial_number": "DK-001"})
    assert response.status_code == 409 and response.json["status"] == "conflict"
    assert _asset_count(session) == 1
    # The same serial number on another model is a different unit.
    other = client.post("/api/v1/assets", headers=headers,
                        json={"site_id": site_id, "model": "Daikin VRV V", "serial_number": "DK-001"})
    assert other.status_code == 201


def test_asset_at_unknown_site_is_404(client, as_role):
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/assets", headers=headers,
                           json={"site_id": 999999, "model": "M", "serial_number": "S"})
    assert response.status_code == 404 and response.json["status"] == "not_found"


@pytest.mark.parametrize("body", [
    {"model": "M", "serial_number": "S"},
    {"site_id": "{site}", "model": "", "serial_number": "S"},
    {"site_id": "{site}", "model": "M"},
    {"site_id": "{site}", "model": "M", "serial_number": "S", "installed_on": "01/03/2025"},
    {"site_id": "{site}", "model": "M", "serial_number": "S", "installed_on": "2025-02-30"},
    {"site_id": "{site}", "model": "M", "serial_number": "S", "colour": "red"},
    {"site_id": "{site}", "model": ["M"], "serial_number": "S"},
])
def test_register_asset_rejects_bad_input(client, as_role, session, body):
    site_id = SiteFactory().id
    body = {key: site_id if value == "{site}" else value for key, value in body.items()}
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/assets", headers=headers, json=body)
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"
    assert _asset_count(session) == 0


# --- PATCH /assets/{id} ------------------------------------------------------------------

def test_patch_asset_moves_it_and_changes_dates(client, as_role, session):
    asset = AssetFactory()
    asset_id, new_site_id = asset.id, SiteFactory().id
    _, headers = as_role(Role.MANAGER)
    response = client.patch(f"/api/v1/assets/{asset_id}", headers=headers,
                            json={"site_id": new_site_id, "warranty_until": "2029-05-01"})
    assert response.status_code == 200, response.json
    assert (response.json["site_id"], response.json["warranty_until"]) == (new_site_id, "2029-05-01")
    stored = session.get(Asset, asset_id)
    assert stored.site_id == new_site_id and stored.warranty_until == date(2029, 5, 1)


def test_patch_checks_warranty_against_the_stored_installation(client, as_role, session):
    asset_id = AssetFactory(installed_on=date(2024, 5, 1), warranty_until=date(2027, 5, 1)).id
    _, headers = as_role(Role.AGENT)
    response = client.patch(f"/api/v1/assets/{asset_id}", headers=headers, json={"warranty_until": "2024-04-30"})
    assert response.status_code == 422
    assert session.get(Asset, asset_id).warranty_until == date(2027, 5, 1)


def test_patch_to_a_taken_serial_is_409(client, as_role, session):
    AssetFactory(model="Daikin VRV IV", serial_number="DK-001")
    asset_id = AssetFactory(model="Daikin VRV IV", serial_number="DK-002").id
    _, headers = as_role(Role.AGENT)
    response = client.patch(f"/api/v1/assets/{asset_id}", headers=headers, json={"serial_number": "DK-001"})
    assert response.status_code == 409
    assert session.get(Asset, asset_id).serial_number == "DK-002"
    # Re-sending its own serial number is no conflict.
    assert client.patch(f"/api/v1/assets/{asset_id}", headers=headers,
                        json={"serial_number": "DK-002"}).status_code == 200


def test_patch_asset_to_unknown_site_is_404(client, as_role):
    asset_id = AssetFactory().id
    _, headers = as_role(Role.AGENT)
    assert client.patch(f"/api/v1/assets/{asset_id}", headers=headers, json={"site_id": 999999}).status_code == 404


@pytest.mark.parametrize("body", [{"model": None}, {"id": 3}, {"installed_on": "yesterday"}, {"site_id": -1}])
def test_patch_asset_rejects_bad_input(client, as_role, body):
    asset_id = AssetFactory().id
    _, headers = as_role(Role.AGENT)
    assert client.patch(f"/api/v1/assets/{asset_id}", headers=headers, json=body).status_code == 422


@pytest.mark.parametrize("role", REFUSED_WRITE)
def test_asset_writes_refuse_other_roles(client, as_role, role):
    asset = AssetFactory()
    asset_id, site_id = asset.id, asset.site_id
    _, headers = as_role(role)
    assert client.post("/api/v1/assets", headers=headers,
                       json={"site_id": site_id, "model": "M", "serial_number": "S"}).status_code == 403
    assert client.patch(f"/api/v1/assets/{asset_id}", headers=headers, json={"model": "M"}).status_code == 403


# --- GET /assets/{id}/history ------------------------------------------------------------

def test_history_lists_the_assets_work_orders_newest_first(client, as_role):
    asset = AssetFactory()
    engineer = EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Zhang Wei"))
    install = WorkOrderFactory(site=asset.site, asset=asset, work_type=WorkType.INSTALLATION, status=Status.CLOSED,
                               title="Install", resolution_code="installed", scheduled_engineer=engineer,
                               created_at=datetime(2024, 5, 1, 9, tzinfo=timezone.utc))
    repair = WorkOrderFactory(site=asset.site, asset=asset, priority=Priority.URGENT, title="No cooling",
                              created_at=datetime(2025, 7, 14, 8, tzinfo=timezone.utc))
    check = WorkOrderFactory(site=asset.site, asset=asset, work_type=WorkType.MAINTENANCE, status=Status.RESOLVED,
                             title="Annual check", resolution_code="ok", scheduled_engineer=engineer,
                             created_at=datetime(2025, 5, 1, 8, tzinfo=timezone.utc))
    WorkOrderFactory(site=asset.site, title="Another unit")  # same site, no asset
    WorkOrderFactory(asset=AssetFactory(), title="Another asset")
    asset_id = asset.id
    ids = {"install": install.id, "repair": repair.id, "check": check.id}
    numbers = {"install": install.number, "repair": repair.number, "check": check.number}

    _, headers = as_role(Role.WAREHOUSE)
    response = client.get(f"/api/v1/assets/{asset_id}/history", headers=headers)
    assert response.status_code == 200, response.json
    assert [entry["id"] for entry in response.json] == [ids["repair"], ids["check"], ids["install"]]
    newest, middle, oldest = response.json
    assert newest == {"id": ids["repair"], "number": numbers["repair"], "status": "new", "work_type": "repair",
                      "priority": "urgent", "title": "No cooling", "created_at": "2025-07-14T08:00:00+00:00",
                      "scheduled_engineer_name": None, "resolution_code": None}
    assert (middle["work_type"], middle["status"], middle["resolution_code"], middle["scheduled_engineer_name"]) == \
        ("maintenance", "resolved", "ok", "Zhang Wei")
    assert (oldest["number"], oldest["work_type"], oldest["status"]) == (numbers["install"], "installation", "closed")


def test_history_of_an_unserviced_asset_is_empty(client, as_role):
    asset_id = AssetFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.get(f"/api/v1/assets/{asset_id}/history", headers=headers)
    assert response.status_code == 200 and response.json == []


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


@pytest.mark.parametrize("url", ["/api/v1/assets", "/api/v1/assets/{asset}/history",
                                 "/api/v1/sites", "/api/v1/sites?near=121.47,31.23&radius_m=5000"])
def test_lists_take_as_many_queries_for_many_rows_as_for_few(client, as_role, engine, url):
    asset = AssetFactory()
    asset_id = asset.id

    def add_rows(count):
        for _ in range(count):
            other = AssetFactory()  # its own site and customer
            WorkOrderFactory(site=other.site, asset=asset, scheduled_engineer=EngineerFactory())

    _, headers = as_role(Role.MANAGER)
    url = url.format(asset=asset_id)
    add_rows(2)
    with recorded_statements(engine) as few:
        assert len(client.get(url, headers=headers).json) >= 2
    add_rows(6)
    with recorded_statements(engine) as many:
        assert len(client.get(url, headers=headers).json) >= 8
    assert len(many) == len(few)
