"""/sites: filters (text, map box, distance), creation with GeoJSON, changes, roles."""
import math

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.customers.models import Site
from app.geo import lon_lat, make_point
from tests.factories import CustomerFactory, SiteFactory

READ_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER)
WRITE_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)
REFUSED_READ = [role for role in Role if role not in READ_ROLES]
REFUSED_WRITE = [role for role in Role if role not in WRITE_ROLES]

# Landmarks in Shanghai, (lon, lat).
PEOPLES_SQUARE = (121.4737, 31.2304)
THE_BUND = (121.4903, 31.2397)
ORIENTAL_PEARL = (121.4997, 31.2397)
XUJIAHUI = (121.4375, 31.1955)
HONGQIAO_AIRPORT = (121.3363, 31.1979)
LANDMARKS = {"People's Square": PEOPLES_SQUARE, "The Bund": THE_BUND, "Oriental Pearl": ORIENTAL_PEARL,
             "Xujiahui": XUJIAHUI, "Hongqiao Airport": HONGQIAO_AIRPORT}


def haversine_m(a, b) -> float:
    """Great-circle metres between two (lon, lat): an independent check on PostGIS's
    spheroid distances, which differ from it by well under 0.5 %."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


@pytest.fixture
def landmark_sites():
    customer = CustomerFactory(name="Shanghai Metro")
    for name, (lon, lat) in LANDMARKS.items():
        SiteFactory(customer=customer, name=name, location=make_point(lon, lat),
                    district="Xuhui" if name in ("Xujiahui", "Hongqiao Airport") else "Huangpu",
                    address=f"{name}, Shanghai")
    SiteFactory(name="Elsewhere", location=make_point(*PEOPLES_SQUARE), district="Huangpu")
    return customer.id


def _names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [site["name"] for site in response.json]


def point(lon, lat) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


# --- GET /sites --------------------------------------------------------------------------

@pytest.mark.parametrize("role", READ_ROLES)
def test_back_office_lists_sites(client, as_role, landmark_sites, role):
    _, headers = as_role(role)
    response = client.get(f"/api/v1/sites?customer_id={landmark_sites}", headers=headers)
    assert _names(response) == list(LANDMARKS)
    bund = response.json[1]
    assert bund["location"] == point(*THE_BUND)
    assert bund["customer"] == {"id": landmark_sites, "name": "Shanghai Metro"}
    assert bund["geofence_radius_m"] == 200 and "distance_m" not in bund


@pytest.mark.parametrize("query, expected", [
    ("district=Xuhui", ["Xujiahui", "Hongqiao Airport"]),
    ("q=airport", ["Hongqiao Airport"]),
    ("q=pearl,%20shanghai", ["Oriental Pearl"]),
    ("bbox=121.45,31.22,121.52,31.25", ["People's Square", "The Bund", "Oriental Pearl"]),
    ("bbox=121.30,31.15,121.45,31.21", ["Xujiahui", "Hongqiao Airport"]),
    ("bbox=0,0,1,1", []),
])
def test_site_filters(client, as_role, landmark_sites, query, expected):
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/sites?customer_id={landmark_sites}&{query}", headers=headers)
    assert _names(response) == expected


def test_near_returns_sites_within_radius_nearest_first_with_distance(client, as_role, landmark_sites):
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/sites?customer_id={landmark_sites}&near=121.4737,31.2304&radius_m=3000",
                          headers=headers)
    assert _names(response) == ["People's Square", "The Bund", "Oriental Pearl"]
    distances = [site["distance_m"] for site in response.json]
    assert distances[0] == pytest.approx(0, abs=0.01)
    assert distances[1] == pytest.approx(haversine_m(PEOPLES_SQUARE, THE_BUND), rel=0.005)
    assert distances[2] == pytest.approx(haversine_m(PEOPLES_SQUARE, ORIENTAL_PEARL), rel=0.005)


def test_wider_radius_reaches_further_sites(client, as_role, landmark_sites):
    _, headers = as_role(Role.AGENT)
    response = client.get(f"/api/v1/sites?customer_id={landmark_sites}&near=121.4737,31.2304&radius_m=6000",
                          headers=headers)
    assert _names(response) == ["People's Square", "The Bund", "Oriental Pearl", "Xujiahui"]
    assert response.json[-1]["distance_m"] == pytest.approx(haversine_m(PEOPLES_SQUARE, XUJIAHUI), rel=0.005)


def test_near_orders_across_pages(client, as_role, landmark_sites):
    _, headers = as_role(Role.AGENT)
    url = f"/api/v1/sites?customer_id={landmark_sites}&near=121.3363,31.1979&radius_m=20000&page_size=2"
    assert _names(client.get(url + "&page=1", headers=headers)) == ["Hongqiao Airport", "Xujiahui"]
    second = client.get(url + "&page=2", headers=headers)
    assert _names(second) == ["People's Square", "The Bund"]
    assert '"total": 5' in second.headers["X-Pagination"]


def test_near_combines_with_bbox(client, as_role, landmark_sites):
    _, headers = as_role(Role.AGENT)
    response = client.get(f"/api/v1/sites?customer_id={landmark_sites}&near=121.4737,31.2304&radius_m=6000"
                          "&bbox=121.48,31.22,121.52,31.25", headers=headers)
    assert _names(response) == ["The Bund", "Oriental Pearl"]


@pytest.mark.parametrize("query", [
    "bbox=121.4,31.1,121.5",
    "bbox=121.4,31.1,121.5,31.3,5",
    "bbox=a,b,c,d",
    "bbox=121.5,31.1,121.4,31.3",  # west > east
    "bbox=121.4,31.3,121.5,31.1",  # south > north
    "bbox=-181,31.1,121.5,31.3",
    "bbox=121.4,-91,121.5,31.3",
    "bbox=121.4,nan,121.5,31.3",
    "near=121.47,31.23",  # no radius
    "radius_m=500",  # no point
    "near=121.47&radius_m=500",
    "near=181,31.23&radius_m=500",
    "near=121.47,95&radius_m=500",
    "near=121.47,31.23&radius_m=0",
    "near=121.47,31.23&radius_m=100001",
    "customer_id=abc",
])
def test_bad_site_filters_are_422(client, as_role, query):
    _, headers = as_role(Role.AGENT)
    response = client.get(f"/api/v1/sites?{query}", headers=headers)
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"


@pytest.mark.parametrize("role", REFUSED_READ)
def test_site_reads_refuse_other_roles(client, as_role, role):
    site_id = SiteFactory().id
    _, headers = as_role(role)
    assert client.get("/api/v1/sites", headers=headers).status_code == 403
    assert client.get(f"/api/v1/sites/{site_id}", headers=headers).status_code == 403


def test_site_endpoints_need_a_token(client):
    site_id = SiteFactory().id
    assert client.get("/api/v1/sites").status_code == 401
    assert client.get(f"/api/v1/sites/{site_id}").status_code == 401
    assert client.post("/api/v1/sites", json={}).status_code == 401
    assert client.patch(f"/api/v1/sites/{site_id}", json={"name": "X"}).status_code == 401


# --- GET /sites/{id} ---------------------------------------------------------------------

def test_get_site(client, as_role):
    site = SiteFactory(name="Lujiazui Tower", location=make_point(*ORIENTAL_PEARL), access_notes="Gate B")
    site_id, customer_id = site.id, site.customer_id
    _, headers = as_role(Role.DISPATCHER)
    response = client.get(f"/api/v1/sites/{site_id}", headers=headers)
    assert response.status_code == 200
    assert (response.json["name"], response.json["customer_id"], response.json["access_notes"]) == \
        ("Lujiazui Tower", customer_id, "Gate B")
    assert response.json["location"] == point(*ORIENTAL_PEARL)


def test_unknown_site_is_404(client, as_role):
    _, headers = as_role(Role.AGENT)
    response = client.get("/api/v1/sites/999999", headers=headers)
    assert response.status_code == 404 and response.json["status"] == "not_found"
    assert client.patch("/api/v1/sites/999999", headers=headers, json={"name": "X"}).status_code == 404


# --- POST /sites -------------------------------------------------------------------------

def _site_body(owner_id, **overrides) -> dict:
    return {"customer_id": owner_id, "name": "Xintiandi store", "address": "123 Taicang Road",
            "district": "Huangpu", "location": point(121.4747, 31.2196), **overrides}


@pytest.mark.parametrize("role", WRITE_ROLES)
def test_create_site(client, as_role, session, role):
    customer_id = CustomerFactory().id
    _, headers = as_role(role)
    response = client.post("/api/v1/sites", headers=headers,
                           json=_site_body(customer_id, geofence_radius_m=150, access_notes="Loading dock"))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["customer_id"], body["name"], body["geofence_radius_m"]) == (customer_id, "Xintiandi store", 150)
    assert body["location"] == point(121.4747, 31.2196)
    stored = session.get(Site, body["id"])
    assert lon_lat(stored.location) == pytest.approx((121.4747, 31.2196))
    assert stored.access_notes == "Loading dock"


def test_create_site_defaults_geofence(client, as_role):
    customer_id = CustomerFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/sites", headers=headers, json=_site_body(customer_id))
    assert response.status_code == 201 and response.json["geofence_radius_m"] == 200


def test_create_site_for_unknown_customer_is_404(client, as_role, session):
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/sites", headers=headers, json=_site_body(999999))
    assert response.status_code == 404 and response.json["status"] == "not_found"
    assert session.scalar(select(func.count(Site.id))) == 0


@pytest.mark.parametrize("overrides", [
    {"location": None},
    {"location": point(181, 31.2)},
    {"location": point(-180.5, 31.2)},
    {"location": point(121.4, 90.1)},
    {"location": point(121.4, -91)},
    {"location": {"type": "Point", "coordinates": [121.4]}},
    {"location": {"type": "Point", "coordinates": [121.4, 31.2, 5]}},
    {"location": {"type": "Point", "coordinates": ["121.4", "31.2"]}},
    {"location": {"type": "Point", "coordinates": [True, 31.2]}},
    {"location": {"type": "LineString", "coordinates": [121.4, 31.2]}},
    {"location": {"type": "Point", "coordinates": [121.4, 31.2], "crs": "EPSG:3857"}},
    {"location": [121.4, 31.2]},
    {"location": "POINT(121.4 31.2)"},
    {"geofence_radius_m": 0},
    {"geofence_radius_m": 10001},
    {"geofence_radius_m": "200"},
    {"name": ""},
    {"customer_id": "1"},
    {"owner": "me"},
])
def test_create_site_rejects_bad_input(client, as_role, session, overrides):
    customer_id = CustomerFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/sites", headers=headers, json=_site_body(customer_id, **overrides))
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"
    assert session.scalar(select(func.count(Site.id))) == 0


@pytest.mark.parametrize("missing", ["customer_id", "name", "address", "location"])
def test_create_site_requires_fields(client, as_role, missing):
    customer_id = CustomerFactory().id
    body = _site_body(customer_id)
    del body[missing]
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/sites", headers=headers, json=body)
    assert response.status_code == 422 and missing in response.json["errors"]["json"]


def test_create_site_accepts_the_edges_of_the_map(client, as_role):
    customer_id = CustomerFactory().id
    _, headers = as_role(Role.AGENT)
    response = client.post("/api/v1/sites", headers=headers,
                           json=_site_body(customer_id, location=point(-180, -90), geofence_radius_m=10000))
    assert response.status_code == 201, response.json
    assert response.json["location"] == point(-180, -90)


# --- PATCH /sites/{id} -------------------------------------------------------------------

def test_patch_site_moves_the_point_and_keeps_the_rest(client, as_role, session):
    site = SiteFactory(name="Old", district="Pudong", geofence_radius_m=200)
    site_id = site.id
    _, headers = as_role(Role.MANAGER)
    response = client.patch(f"/api/v1/sites/{site_id}", headers=headers,
                            json={"location": point(*THE_BUND), "geofence_radius_m": 80, "district": None})
    assert response.status_code == 200, response.json
    assert response.json["location"] == point(*THE_BUND)
    assert (response.json["name"], response.json["geofence_radius_m"], response.json["district"]) == ("Old", 80, None)
    assert lon_lat(session.get(Site, site_id).location) == pytest.approx(THE_BUND)


@pytest.mark.parametrize("body", [{"customer_id": 1}, {"location": point(200, 0)}, {"geofence_radius_m": -5},
                                  {"name": None}, {"location": None}])
def test_patch_site_rejects_bad_input(client, as_role, session, body):
    site_id = SiteFactory(name="Unchanged").id
    _, headers = as_role(Role.AGENT)
    response = client.patch(f"/api/v1/sites/{site_id}", headers=headers, json=body)
    assert response.status_code == 422 and response.json["status"] == "validation_error"
    assert session.get(Site, site_id).name == "Unchanged"


@pytest.mark.parametrize("role", REFUSED_WRITE)
def test_site_writes_refuse_other_roles(client, as_role, role):
    site = SiteFactory()
    site_id, customer_id = site.id, site.customer_id
    _, headers = as_role(role)
    assert client.post("/api/v1/sites", headers=headers, json=_site_body(customer_id)).status_code == 403
    assert client.patch(f"/api/v1/sites/{site_id}", headers=headers, json={"name": "X"}).status_code == 403
