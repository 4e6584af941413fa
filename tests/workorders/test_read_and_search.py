"""GET /api/v1/work-orders, /{id} and /{id}/children: scoping, filters, search, bbox."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from app.auth.models import Role
from app.geo import make_point
from app.workorders.models import Channel, Priority, Status, WorkType
from tests.factories import (AssetFactory, ContactFactory, CustomerFactory, EngineerFactory,
                             PartnerCompanyFactory, SiteFactory, UserFactory, WorkOrderFactory)

URL = "/api/v1/work-orders"


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [order["id"] for order in response.json]


def listed(client, headers, query: str = "") -> list[int]:
    return ids_of(client.get(f"{URL}?page_size=100{'&' if query else ''}{query}", headers=headers))


# --- one order --------------------------------------------------------------------------------

def test_read_one_order_in_full(client, as_role):
    site = SiteFactory(name="Tower A", address="88 Century Ave", district="Pudong", access_notes="Gate 3",
                       location=make_point(121.5, 31.24), customer=CustomerFactory(name="Lujiazui Bank"))
    engineer = EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="Li Lei"))
    start = datetime(2026, 5, 4, 2, tzinfo=timezone.utc)
    order = WorkOrderFactory(site=site, asset=AssetFactory(site=site, serial_number="SN-7"),
                             status=Status.ASSIGNED, scheduled_engineer=engineer, scheduled_start=start,
                             scheduled_end=start + timedelta(hours=1), skills={"hvac": 2},
                             custom_fields={"floor": 3}, hold_reason=None)
    order_id, number, engineer_id, site_id = order.id, order.number, engineer.id, site.id
    _, headers = as_role(Role.WAREHOUSE)
    response = client.get(f"{URL}/{order_id}", headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["number"] == number and body["status"] == "assigned"
    assert body["customer"]["name"] == "Lujiazui Bank" and body["customer"]["tier"] == "standard"
    assert body["site"] == {"id": site_id, "name": "Tower A", "address": "88 Century Ave", "district": "Pudong",
                            "location": {"type": "Point", "coordinates": [121.5, 31.24]},
                            "geofence_radius_m": 200, "access_notes": "Gate 3"}
    assert body["asset"]["serial_number"] == "SN-7"
    assert body["scheduled_engineer"] == {"id": engineer_id, "name": "Li Lei"}
    assert datetime.fromisoformat(body["scheduled"]["start"]) == start
    assert datetime.fromisoformat(body["scheduled"]["end"]) == start + timedelta(hours=1)
    assert body["required_skills"] == [{"skill": "hvac", "level": 2}]
    assert body["custom_fields"] == {"floor": 3}
    assert response.headers["ETag"]
    not_modified = client.get(f"{URL}/{order_id}", headers={**headers, "If-None-Match": response.headers["ETag"]})
    assert not_modified.status_code == 304


def test_unknown_order_is_404(client, as_role):
    _, headers = as_role(Role.AGENT)
    response = client.get(f"{URL}/999999", headers=headers)
    assert response.status_code == 404 and response.json["status"] == "not_found"


def test_reading_needs_a_token(client):
    order_id = WorkOrderFactory().id
    for url in (URL, f"{URL}/{order_id}", f"{URL}/{order_id}/children"):
        response = client.get(url)
        assert response.status_code == 401 and response.json["status"] == "unauthorized"


def test_children_are_listed_and_scoped(client, as_role):
    site = SiteFactory()
    parent = WorkOrderFactory(site=site)
    first, second = WorkOrderFactory(site=site, parent=parent), WorkOrderFactory(site=site, parent=parent)
    WorkOrderFactory(site=site)
    parent_id, child_ids = parent.id, [first.id, second.id]
    _, headers = as_role(Role.DISPATCHER)
    assert ids_of(client.get(f"{URL}/{parent_id}/children", headers=headers)) == child_ids
    assert client.get(f"{URL}/{parent_id}", headers=headers).json["children"] == child_ids
    assert client.get(f"{URL}/{child_ids[0]}/children", headers=headers).json == []
    missing = client.get(f"{URL}/999999/children", headers=headers)
    assert missing.status_code == 404 and missing.json["status"] == "not_found"
    _, engineer_headers = as_role(Role.ENGINEER)
    assert client.get(f"{URL}/{parent_id}/children", headers=engineer_headers).status_code == 404


# --- scoping by role --------------------------------------------------------------------------

def test_customer_sees_only_its_customers_orders(client, as_role):
    site = SiteFactory()
    own = [WorkOrderFactory(site=site).id, WorkOrderFactory(site=SiteFactory(customer=site.customer)).id]
    foreign_id = WorkOrderFactory().id
    user, headers = as_role(Role.CUSTOMER)
    ContactFactory(customer=site.customer, user=user)
    assert sorted(listed(client, headers)) == sorted(own)
    assert client.get(f"{URL}/{own[0]}", headers=headers).status_code == 200
    hidden = client.get(f"{URL}/{foreign_id}", headers=headers)
    assert hidden.status_code == 404 and hidden.json["status"] == "not_found"


def test_engineer_sees_only_orders_scheduled_to_them(client, as_role):
    user, headers = as_role(Role.ENGINEER)
    me, colleague = EngineerFactory(user=user), EngineerFactory()
    mine = WorkOrderFactory(scheduled_engineer=me).id
    theirs = WorkOrderFactory(scheduled_engineer=colleague).id
    WorkOrderFactory()
    assert listed(client, headers) == [mine]
    assert client.get(f"{URL}/{theirs}", headers=headers).status_code == 404


def test_partner_engineer_sees_only_its_companys_orders(client, as_role):
    company = PartnerCompanyFactory()
    _, headers = as_role(Role.PARTNER_ENGINEER, partner_company=company)
    partner_engineer = EngineerFactory(partner_company=company,
                                       user=UserFactory(role=Role.PARTNER_ENGINEER, partner_company=company))
    ours = [WorkOrderFactory(scheduled_engineer=partner_engineer).id]
    other_company = PartnerCompanyFactory()
    WorkOrderFactory(scheduled_engineer=EngineerFactory(partner_company=other_company))
    WorkOrderFactory(scheduled_engineer=EngineerFactory())
    WorkOrderFactory()
    assert listed(client, headers) == ours


# --- filters and search -----------------------------------------------------------------------

def test_default_order_is_urgent_first_then_oldest(client, as_role):
    now = datetime.now(timezone.utc)
    low = WorkOrderFactory(priority=Priority.LOW, created_at=now - timedelta(hours=5)).id
    old_normal = WorkOrderFactory(priority=Priority.NORMAL, created_at=now - timedelta(hours=4)).id
    urgent = WorkOrderFactory(priority=Priority.URGENT, created_at=now - timedelta(hours=1)).id
    new_normal = WorkOrderFactory(priority=Priority.NORMAL, created_at=now - timedelta(hours=2)).id
    high = WorkOrderFactory(priority=Priority.HIGH, created_at=now).id
    _, headers = as_role(Role.DISPATCHER)
    assert listed(client, headers) == [urgent, high, old_normal, new_normal, low]


def test_results_are_paginated(client, as_role):
    for _ in range(3):
        WorkOrderFactory()
    _, headers = as_role(Role.AGENT)
    response = client.get(f"{URL}?page_size=2&page=2", headers=headers)
    assert response.status_code == 200 and len(response.json) == 1
    assert '"total": 3' in response.headers["X-Pagination"]


def test_text_search_matches_number_title_description_and_customer_name(client, as_role):
    by_title = WorkOrderFactory(title="Compressor NOISE at night").id
    by_description = WorkOrderFactory(description="Strange noise from the fan coil").id
    by_customer = WorkOrderFactory(site=SiteFactory(customer=CustomerFactory(name="Noiseless Audio Ltd"))).id
    by_number = WorkOrderFactory(number="WO-2026-123456").id
    WorkOrderFactory(title="Leak under the unit", description="Water on the floor")
    _, headers = as_role(Role.AGENT)
    assert sorted(listed(client, headers, "q=noise")) == sorted([by_title, by_description, by_customer])
    assert listed(client, headers, "q=wo-2026-1234") == [by_number]
    # LIKE wildcards in the query are taken literally.
    assert listed(client, headers, "q=%25") == []
    assert listed(client, headers, "q=_") == []


def test_bbox_keeps_orders_whose_site_is_inside(client, as_role):
    peoples_square = WorkOrderFactory(site=SiteFactory(location=make_point(121.4737, 31.2304))).id
    lujiazui = WorkOrderFactory(site=SiteFactory(location=make_point(121.5055, 31.2397))).id
    WorkOrderFactory(site=SiteFactory(location=make_point(121.8083, 31.1443)))   # Pudong airport
    WorkOrderFactory(site=SiteFactory(location=make_point(116.4074, 39.9042)))   # Beijing
    _, headers = as_role(Role.DISPATCHER)
    assert sorted(listed(client, headers, "bbox=121.40,31.20,121.55,31.26")) == sorted([peoples_square, lujiazui])
    assert listed(client, headers, "bbox=121.49,31.20,121.55,31.26") == [lujiazui]


@pytest.mark.parametrize("bbox", ["121.4,31.2,121.5", "121.4,31.2,121.5,31.3,1", "a,b,c,d", "",
                                  "121.5,31.2,121.4,31.3", "121.4,31.3,121.5,31.2",
                                  "-181,0,10,10", "0,-91,10,10", "0,0,10,nan"])
def test_bad_bbox_is_422(client, as_role, bbox):
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"{URL}?bbox={bbox}", headers=headers)
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert "bbox" in response.json["errors"]["query"]


def test_filters_combine(client, as_role):
    site = SiteFactory()
    engineer = EngineerFactory()
    start = datetime(2026, 5, 4, 1, tzinfo=timezone.utc)
    scheduled = {"scheduled_start": start, "scheduled_end": start + timedelta(hours=1)}
    target = WorkOrderFactory(site=site, status=Status.ASSIGNED, priority=Priority.URGENT,
                              work_type=WorkType.MAINTENANCE, channel=Channel.EMAIL,
                              scheduled_engineer=engineer, **scheduled)
    new_one = WorkOrderFactory(site=site, status=Status.NEW, priority=Priority.URGENT,
                               work_type=WorkType.MAINTENANCE, channel=Channel.EMAIL)
    WorkOrderFactory(site=site, status=Status.ASSIGNED, priority=Priority.LOW, work_type=WorkType.MAINTENANCE,
                     channel=Channel.EMAIL, scheduled_engineer=engineer, **scheduled)
    WorkOrderFactory(site=site, status=Status.ON_SITE, priority=Priority.URGENT,
                     work_type=WorkType.MAINTENANCE, channel=Channel.EMAIL)
    WorkOrderFactory(status=Status.NEW, priority=Priority.URGENT, work_type=WorkType.MAINTENANCE)
    target_id, new_id, site_id, engineer_id = target.id, new_one.id, site.id, engineer.id
    _, headers = as_role(Role.MANAGER)

    base = f"site_id={site_id}&status=new&status=assigned&priority=urgent&work_type=maintenance&channel=email"
    assert sorted(listed(client, headers, base)) == sorted([target_id, new_id])
    assert listed(client, headers, f"{base}&unassigned=true") == [new_id]
    assert listed(client, headers, f"{base}&unassigned=false") == [target_id]
    assert listed(client, headers, f"{base}&engineer_id={engineer_id}") == [target_id]
    assert listed(client, headers, f"{base}&scheduled_from=2026-05-04T09:00:00%2B08:00"
                                   "&scheduled_to=2026-05-04T10:00:00%2B08:00") == [target_id]
    assert listed(client, headers, f"{base}&scheduled_from=2026-05-04T09:00:01%2B08:00") == []


def test_created_range_and_customer_and_asset_filters(client, as_role):
    now = datetime.now(timezone.utc)
    site = SiteFactory()
    asset = AssetFactory(site=site)
    yesterday = WorkOrderFactory(site=site, asset=asset, created_at=now - timedelta(days=1)).id
    last_week = WorkOrderFactory(site=site, created_at=now - timedelta(days=7)).id
    WorkOrderFactory(created_at=now - timedelta(days=1))
    customer_id, asset_id = site.customer_id, asset.id
    _, headers = as_role(Role.AGENT)
    since = (now - timedelta(days=2)).isoformat().replace("+", "%2B")
    assert listed(client, headers, f"customer_id={customer_id}&created_from={since}") == [yesterday]
    assert listed(client, headers, f"customer_id={customer_id}&created_to={since}") == [last_week]
    assert listed(client, headers, f"asset_id={asset_id}") == [yesterday]


@pytest.mark.parametrize("query, field", [
    ("status=lost", "status"), ("priority=asap", "priority"), ("customer_id=abc", "customer_id"),
    ("engineer_id=0", "engineer_id"), ("unassigned=maybe", "unassigned"),
    ("created_from=2026-05-04T09:00:00", "created_from"),
    ("created_from=2026-05-05T00:00:00Z&created_to=2026-05-04T00:00:00Z", "created_to"),
])
def test_bad_filters_are_422(client, as_role, query, field):
    _, headers = as_role(Role.AGENT)
    response = client.get(f"{URL}?{query}", headers=headers)
    assert response.status_code == 422 and field in response.json["errors"]["query"]


def test_listing_runs_a_fixed_number_of_queries(client, as_role, engine):
    """No N+1: a page of many orders costs as many queries as a page of one."""
    def make_orders(count):
        for _ in range(count):
            engineer = EngineerFactory()
            site = SiteFactory()
            parent = WorkOrderFactory(site=site, scheduled_engineer=engineer, asset=AssetFactory(site=site),
                                      skills={"hvac": 1})
            WorkOrderFactory(site=site, parent=parent)

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    _, headers = as_role(Role.AGENT)
    make_orders(1)
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert len(listed(client, headers)) == 2
        few = len(statements)
        make_orders(6)
        statements.clear()
        assert len(listed(client, headers)) == 14
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert 0 < many == few
