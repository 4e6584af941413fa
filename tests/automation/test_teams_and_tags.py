"""Teams over HTTP (managers keep them, the back office reads them, engineers join them)
and the team and tags of work orders (set by agents and dispatchers, searched, audited)."""
from __future__ import annotations

import pytest

from app.auth.models import Role
from app.workorders.models import Status
from tests.automation.helpers import API, get_order, timeline
from tests.factories import ContactFactory, EngineerFactory, SiteFactory, TeamFactory, UserFactory, WorkOrderFactory

TEAMS = f"{API}/teams"


# --- teams ------------------------------------------------------------------------------------

def test_a_manager_creates_and_renames_a_team_and_the_back_office_reads_it(client, manager, agent, dispatcher):
    lead = UserFactory(role=Role.DISPATCHER, name="Wang Fang")
    created = client.post(TEAMS, headers=manager, json={"name": "HVAC east 暖通东区", "lead_user_id": lead.id})
    assert created.status_code == 201, created.json
    team = created.json
    assert (team["name"], team["lead_user_id"]) == ("HVAC east 暖通东区", lead.id)

    listed = client.get(TEAMS, headers=agent)
    assert listed.status_code == 200
    assert team["id"] in [t["id"] for t in listed.json]
    assert client.get(f"{TEAMS}/{team['id']}", headers=dispatcher).json["name"] == "HVAC east 暖通东区"

    renamed = client.patch(f"{TEAMS}/{team['id']}", headers=manager, json={"name": "HVAC east", "lead_user_id": None})
    assert renamed.status_code == 200, renamed.json
    assert (renamed.json["name"], renamed.json["lead_user_id"]) == ("HVAC east", None)
    assert client.get(f"{TEAMS}/{team['id']}", headers=agent).json["lead_user_id"] is None


@pytest.mark.parametrize("role, method, path", [
    (Role.ENGINEER, "get", ""), (Role.CUSTOMER, "get", ""), (Role.WAREHOUSE, "get", "/{id}"),
    (Role.AGENT, "post", ""), (Role.DISPATCHER, "post", ""), (Role.DISPATCHER, "patch", "/{id}"),
])
def test_teams_are_refused_to_other_roles(client, as_role, role, method, path):
    team = TeamFactory()
    _, headers = as_role(role)
    answer = getattr(client, method)(TEAMS + path.format(id=team.id), headers=headers, json={"name": "X"})
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"


def test_bad_team_input_is_refused(client, manager):
    taken = TeamFactory(name="Elevators")
    engineer_user = UserFactory(role=Role.ENGINEER)
    cases = [
        (client.post(TEAMS, headers=manager, json={"name": "X", "colour": "red"}), 422, "validation_error"),
        (client.post(TEAMS, headers=manager, json={"name": ""}), 422, "validation_error"),
        (client.post(TEAMS, headers=manager, json={"name": "Elevators"}), 409, "conflict"),
        (client.post(TEAMS, headers=manager, json={"name": "Y", "lead_user_id": 999999}), 404, "not_found"),
        (client.post(TEAMS, headers=manager, json={"name": "Z", "lead_user_id": engineer_user.id}), 422,
         "validation_error"),
        (client.patch(f"{TEAMS}/{taken.id}", headers=manager, json={}), 422, "validation_error"),
        (client.patch(f"{TEAMS}/999999", headers=manager, json={"name": "W"}), 404, "not_found"),
        (client.get(f"{TEAMS}/999999", headers=manager), 404, "not_found"),
    ]
    for answer, code, status in cases:
        assert (answer.status_code, answer.json["status"]) == (code, status), answer.json
    assert "colour" in str(cases[0][0].json["errors"])
    assert "lead_user_id" in cases[4][0].json["errors"]


def test_an_engineer_joins_a_team_where_engineers_are_edited(client, dispatcher):
    team = TeamFactory()
    engineer, other = EngineerFactory(), EngineerFactory()
    joined = client.patch(f"{API}/engineers/{engineer.id}", headers=dispatcher, json={"team_id": team.id})
    assert joined.status_code == 200, joined.json
    assert joined.json["team_id"] == team.id
    members = client.get(f"{API}/engineers?team_id={team.id}", headers=dispatcher).json
    assert [e["id"] for e in members] == [engineer.id]
    assert other.id not in [e["id"] for e in members]

    unknown = client.patch(f"{API}/engineers/{engineer.id}", headers=dispatcher, json={"team_id": 999999})
    assert unknown.status_code == 404 and unknown.json["status"] == "not_found"
    left = client.patch(f"{API}/engineers/{engineer.id}", headers=dispatcher, json={"team_id": None})
    assert left.status_code == 200 and left.json["team_id"] is None


# --- team and tags of work orders ---------------------------------------------------------------

def test_an_agent_files_an_order_into_a_team_with_tags_and_search_finds_it(client, agent, make_order):
    team = TeamFactory()
    order = make_order(team_id=team.id, tags=["warranty", "漏水"])
    assert (order["team_id"], order["tags"]) == (team.id, ["warranty", "漏水"])
    other = make_order()
    assert (other["team_id"], other["tags"]) == (None, [])

    queue = client.get(f"{API}/work-orders?team_id={team.id}", headers=agent).json
    assert [o["id"] for o in queue] == [order["id"]]
    tagged = client.get(f"{API}/work-orders", query_string={"tag": "漏水"}, headers=agent).json
    assert [o["id"] for o in tagged] == [order["id"]]


def test_editing_team_and_tags_keeps_the_etag_rules_and_records_the_change(client, dispatcher, make_order):
    team = TeamFactory()
    order = make_order(tags=["warranty"])
    tag = client.get(f"{API}/work-orders/{order['id']}", headers=dispatcher).headers["ETag"]

    assert client.patch(f"{API}/work-orders/{order['id']}", headers=dispatcher,
                        json={"tags": ["vip"]}).status_code == 428
    edited = client.patch(f"{API}/work-orders/{order['id']}", headers={**dispatcher, "If-Match": tag},
                          json={"team_id": team.id, "tags": ["warranty", "vip-escalation"]})
    assert edited.status_code == 200, edited.json
    assert edited.headers["ETag"] != tag
    assert (edited.json["team_id"], edited.json["tags"]) == (team.id, ["warranty", "vip-escalation"])
    stale = client.patch(f"{API}/work-orders/{order['id']}", headers={**dispatcher, "If-Match": tag},
                         json={"tags": []})
    assert stale.status_code == 412

    [updated] = [e for e in timeline(client, dispatcher, order["id"]) if e["kind"] == "updated"]
    assert updated["payload"]["changes"] == {"team_id": {"old": None, "new": team.id},
                                             "tags": {"old": ["warranty"], "new": ["warranty", "vip-escalation"]}}


@pytest.mark.parametrize("body, code, field", [
    ({"tags": ["VIP"]}, 422, "tags"),
    ({"tags": ["two words"]}, 422, "tags"),
    ({"tags": ["x" * 41]}, 422, "tags"),
    ({"tags": ["a", "a"]}, 422, "tags"),
    ({"tags": [f"t{i}" for i in range(21)]}, 422, "tags"),
    ({"tags": "vip"}, 422, "tags"),
    ({"team_id": 999999}, 404, None),
    ({"team_id": 0}, 422, "team_id"),
])
def test_bad_team_or_tags_are_refused(client, agent, body, code, field):
    site = SiteFactory()
    answer = client.post(f"{API}/work-orders", headers=agent, json={
        "channel": "phone", "work_type": "installation", "title": "Install", "site_id": site.id,
        "customer_id": site.customer_id, **body})
    assert answer.status_code == code, answer.json
    if field:
        assert field in answer.json["errors"]["json"]
    else:
        assert answer.json["status"] == "not_found" and "Team 999999" in answer.json["message"]


def test_customers_do_not_set_team_or_tags(client, as_role):
    site = SiteFactory()
    user, headers = as_role(Role.CUSTOMER)
    ContactFactory(customer=site.customer, user=user)
    answer = client.post(f"{API}/work-orders", headers=headers, json={
        "work_type": "installation", "title": "Install", "site_id": site.id, "tags": ["vip"]})
    assert answer.status_code == 403 and answer.json["errors"] == {"tags": ["not for customers"]}
    plain = client.post(f"{API}/work-orders", headers=headers, json={
        "work_type": "installation", "title": "Install", "site_id": site.id})
    assert plain.status_code == 201 and plain.json["tags"] == []


def test_a_closed_order_may_still_be_tagged_but_nothing_else(client, agent):
    order = WorkOrderFactory(status=Status.CLOSED)
    tag = client.get(f"{API}/work-orders/{order.id}", headers=agent).headers["ETag"]
    refused = client.patch(f"{API}/work-orders/{order.id}", headers={**agent, "If-Match": tag},
                           json={"tags": ["detractor"], "priority": "high"})
    assert refused.status_code == 409 and refused.json["status"] == "order_closed"
    tagged = client.patch(f"{API}/work-orders/{order.id}", headers={**agent, "If-Match": tag},
                          json={"tags": ["detractor"]})
    assert tagged.status_code == 200, tagged.json
    assert get_order(client, agent, order.id)["tags"] == ["detractor"]
