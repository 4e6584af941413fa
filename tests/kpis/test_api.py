"""The KPI API: the catalogue, JSON rows, the same rows as CSV, who may read what, and
what it refuses."""
from __future__ import annotations

import csv
import io

import pytest

from app.auth.models import Role
from app.workorders.models import Channel, Status
from tests.factories import EngineerFactory, RatingFactory, TeamFactory, UserFactory
from tests.kpis.build import at, order, path

API = "/api/v1/kpis"
ALL = {"volume-by-channel", "volume-by-status", "first-response-time", "time-to-site", "time-to-resolve", "sla-compliance",
       "first-time-fix", "repeat-visits", "csat", "nps", "engineer-utilisation", "parts-cost"}


@pytest.fixture
def manager(as_role):
    return as_role(Role.MANAGER)[1]


@pytest.fixture
def orders(session):
    """Three orders in March 2026 for a team with a Chinese name, one resolved and rated."""
    team = TeamFactory(name="暖通东区")
    engineer = EngineerFactory(user=UserFactory(role=Role.ENGINEER, name="张伟"), team=team)
    first = order(at(3, 1, 23, 30), channel=Channel.PHONE, scheduled_engineer=engineer, status=Status.CLOSED)
    path(first, ("assigned", at(3, 2, 0, 10)), ("en_route", at(3, 2, 9)), ("on_site", at(3, 2, 9, 30)),
         ("resolved", at(3, 2, 11)))
    RatingFactory(work_order_id=first.id, csat=4, nps=9, rated_at=at(3, 3, 10))
    order(at(3, 2, 0, 30), channel=Channel.WECHAT, team=team)
    order(at(3, 2, 10), channel=Channel.WECHAT)
    return team


def read_csv(response) -> list[dict]:
    assert response.data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def as_text(value) -> str:
    return "" if value is None else str(value)


def test_the_catalogue_lists_every_kpi_with_its_definition(client, manager):
    answer = client.get(API, headers=manager)
    assert answer.status_code == 200
    kpis = {kpi["name"]: kpi for kpi in answer.json}
    assert set(kpis) == ALL
    fix = kpis["first-time-fix"]
    assert "within 30 days after the resolution" in fix["definition"]
    assert [c["name"] for c in fix["columns"]] == ["bucket", "group_id", "group_name", "resolved_orders",
                                                  "followed_up", "fixed_first_time", "first_time_fix_pct"]
    assert kpis["engineer-utilisation"]["groupings"] == ["team", "engineer"]
    assert kpis["parts-cost"]["roles"] == ["admin", "manager"]
    assert "dispatcher" in kpis["sla-compliance"]["roles"]


def test_rows_as_json(client, manager, orders):
    answer = client.get(f"{API}/volume-by-channel?from=2026-03-01&to=2026-03-02&by=team", headers=manager)
    assert answer.status_code == 200, answer.json
    assert answer.json == [
        {"bucket": "2026-03-01", "group_id": orders.id, "group_name": "暖通东区", "channel": "phone", "orders": 1},
        {"bucket": "2026-03-02", "group_id": orders.id, "group_name": "暖通东区", "channel": "wechat", "orders": 1},
        {"bucket": "2026-03-02", "group_id": None, "group_name": None, "channel": "wechat", "orders": 1},
    ]
    durations = client.get(f"{API}/time-to-resolve?from=2026-03-01&to=2026-03-31&period=month", headers=manager)
    # Created 23:30 on the 1st, resolved 11:00 on the 2nd: 690 minutes.
    assert durations.json == [{"bucket": "2026-03-01", "group_id": None, "group_name": None, "orders": 1,
                               "mean_minutes": 690.0, "median_minutes": 690.0, "p90_minutes": 690.0}]


@pytest.mark.parametrize("how", [{"query": "&format=csv"}, {"accept": "text/csv"}])
def test_the_same_rows_as_csv(client, manager, orders, how):
    url = f"{API}/volume-by-channel?from=2026-03-01&to=2026-03-02&by=team"
    rows = client.get(url, headers=manager).json
    headers = {**manager, "Accept": how["accept"]} if "accept" in how else manager
    answer = client.get(url + how.get("query", ""), headers=headers)
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv" and answer.mimetype_params["charset"] == "utf-8"
    assert answer.headers["Content-Disposition"] == \
        'attachment; filename="volume-by-channel_2026-03-01_2026-03-02_day_by-team.csv"'
    table = read_csv(answer)
    assert list(table[0]) == ["bucket", "group_id", "group_name", "channel", "orders"]
    assert table == [{key: as_text(value) for key, value in row.items()} for row in rows]
    assert table[0]["group_name"] == "暖通东区"


def test_csv_of_every_kpi_matches_its_json(client, manager, orders):
    catalogue = {kpi["name"]: kpi for kpi in client.get(API, headers=manager).json}
    for name, kpi in catalogue.items():
        url = f"{API}/{name}?from=2026-03-01&to=2026-03-31&period=week&by={kpi['groupings'][0]}"
        rows = client.get(url, headers=manager).json
        table = read_csv(client.get(url + "&format=csv", headers=manager))
        columns = [c["name"] for c in kpi["columns"]]
        assert table == [{c: as_text(row.get(c)) for c in columns} for row in rows], name
    # Something to compare in the ones the fixture feeds.
    nps = client.get(f"{API}/nps?from=2026-03-01&to=2026-03-31&period=month", headers=manager).json
    assert [(r["responses"], r["promoters"], r["nps"]) for r in nps] == [(1, 1, 100.0)]


def test_formula_like_names_are_defused_in_csv(client, manager, session):
    team = TeamFactory(name="=HYPERLINK(\"http://evil\")")
    order(at(3, 2, 10), team=team)
    answer = client.get(f"{API}/volume-by-channel?from=2026-03-02&to=2026-03-02&by=team&format=csv",
                        headers=manager)
    assert read_csv(answer)[0]["group_name"] == "'=HYPERLINK(\"http://evil\")"


def test_dispatchers_read_the_operational_kpis_only(client, as_role, orders):
    _, dispatcher = as_role(Role.DISPATCHER)
    assert client.get(API, headers=dispatcher).status_code == 200
    ok = client.get(f"{API}/sla-compliance?from=2026-03-01&to=2026-03-02", headers=dispatcher)
    assert ok.status_code == 200
    for name in ("csat", "nps", "parts-cost"):
        refused = client.get(f"{API}/{name}?from=2026-03-01&to=2026-03-02", headers=dispatcher)
        assert refused.status_code == 403 and refused.json["status"] == "forbidden", name
    # Refused before the query string is looked at.
    assert client.get(f"{API}/parts-cost?nonsense=1", headers=dispatcher).status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.WAREHOUSE, Role.CUSTOMER])
def test_other_roles_read_no_kpi(client, as_role, role):
    _, headers = as_role(role)
    assert client.get(API, headers=headers).status_code == 403
    answer = client.get(f"{API}/volume-by-channel?from=2026-03-01&to=2026-03-02", headers=headers)
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"


def test_admins_read_everything(client, as_role):
    _, admin = as_role(Role.ADMIN)
    assert client.get(f"{API}/parts-cost?from=2026-03-01&to=2026-03-02", headers=admin).json == []


def test_an_unknown_kpi_is_not_found(client, manager):
    answer = client.get(f"{API}/happiness?from=2026-03-01&to=2026-03-02", headers=manager)
    assert answer.status_code == 404 and answer.json["status"] == "not_found"


@pytest.mark.parametrize("query, field", [
    ("from=2026-03-02&to=2026-03-01", "to"),                        # backwards
    ("from=2026-01-01&to=2027-01-02", "to"),                        # 367 days of days
    ("from=2020-01-01&to=2026-01-01&period=month", "to"),           # more than five years
    ("from=2026-03-01", "to"),                                      # missing
    ("from=2026-03-01&to=2026-13-01", "to"),                        # not a date
    ("from=2026-03-01&to=2026-03-02&period=year", "period"),
    ("from=2026-03-01&to=2026-03-02&by=site", "by"),
    ("from=2026-03-01&to=2026-03-02&format=xlsx", "format"),
    ("from=2026-03-01&to=2026-03-02&page=2", "page"),               # unknown fields are refused
])
def test_bad_input_is_422(client, manager, query, field):
    answer = client.get(f"{API}/volume-by-channel?{query}", headers=manager)
    assert answer.status_code == 422, answer.json
    assert answer.json["status"] == "validation_error"
    assert field in str(answer.json["errors"])


def test_a_year_of_days_and_longer_ranges_of_weeks_are_fine(client, manager):
    assert client.get(f"{API}/csat?from=2026-01-01&to=2026-12-31", headers=manager).status_code == 200
    assert client.get(f"{API}/csat?from=2025-01-01&to=2026-12-31&period=week", headers=manager).status_code == 200


def test_utilisation_is_grouped_by_team_or_engineer_only(client, manager):
    answer = client.get(f"{API}/engineer-utilisation?from=2026-03-01&to=2026-03-02&by=customer", headers=manager)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"
    assert "by" in answer.json["errors"]


def test_the_definitions_are_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").json
    operation = spec["paths"]["/api/v1/kpis/{name}"]["get"]
    assert "LEAST(COALESCE(device_time, server_time), server_time)" in operation["description"]
    assert "`first-time-fix`" in operation["description"] and "weeks start on Monday" in operation["description"]
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert {"403", "404", "422"} <= set(operation["responses"])
