"""The rules API: managers keep rules, dispatchers read and try them; every condition and
action is checked strictly when saved, and a dry run changes nothing."""
from __future__ import annotations

import pytest

from app.auth.models import Role
from tests.automation.helpers import API, RULES, get_order, timeline
from tests.factories import EngineerFactory, SkillFactory, TeamFactory, UserFactory, WorkOrderFactory

DRY_RUN = f"{API}/automation/dry-run"
URGENT = [{"type": "set_priority", "priority": "urgent"}]


def test_a_manager_keeps_rules_and_a_dispatcher_reads_them(client, manager, dispatcher):
    team = TeamFactory()
    body = {"name": "VIP leaks go to the east team", "description": "漏水 from VIPs",
            "trigger": "created", "position": 20, "stop_processing": True,
            "conditions": [{"field": "customer_tier", "op": "equals", "value": "vip"},
                           {"field": "text", "op": "keywords", "value": ["漏水", "leak"]}],
            "actions": [{"type": "assign_team", "team_id": team.id}, {"type": "add_tag", "tag": "leak"}]}
    created = client.post(RULES, headers=manager, json=body)
    assert created.status_code == 201, created.json
    rule = created.json
    assert {k: rule[k] for k in body} == body
    assert rule["is_active"] is True and rule["created_by_id"] == rule["updated_by_id"] is not None

    assert client.get(f"{RULES}/{rule['id']}", headers=dispatcher).json == rule
    listed = client.get(RULES, headers=dispatcher, query_string={"trigger": "created"})
    assert [r["id"] for r in listed.json] == [rule["id"]]
    assert client.get(RULES, headers=dispatcher, query_string={"trigger": "rated"}).json == []

    changed = client.patch(f"{RULES}/{rule['id']}", headers=manager, json={
        "is_active": False, "actions": [{"type": "add_tag", "tag": "vip-leak"}]})
    assert changed.status_code == 200, changed.json
    assert changed.json["is_active"] is False
    assert changed.json["actions"] == [{"type": "add_tag", "tag": "vip-leak"}]
    assert changed.json["conditions"] == body["conditions"]
    assert client.get(RULES, headers=dispatcher, query_string={"active": "true"}).json == []

    assert client.delete(f"{RULES}/{rule['id']}", headers=manager).status_code == 204
    assert client.get(f"{RULES}/{rule['id']}", headers=manager).status_code == 404


def test_actions_are_stored_with_their_defaults(client, manager):
    engineer = EngineerFactory()
    answer = client.post(RULES, headers=manager, json={"name": "Defaults", "trigger": "created", "actions": [
        {"type": "assign_engineer", "engineer_id": engineer.id},
        {"type": "set_skills", "skills": [{"skill": SkillFactory(code="hvac").code, "level": 2}]},
        {"type": "create_follow_up", "title": "Check {number}"}]})
    assert answer.status_code == 201, answer.json
    assert answer.json["conditions"] == []
    assert answer.json["actions"] == [
        {"type": "assign_engineer", "engineer_id": engineer.id, "lead_time_min": 60},
        {"type": "set_skills", "skills": [{"skill": "hvac", "level": 2}], "mode": "merge"},
        {"type": "create_follow_up", "title": "Check {number}", "copy_asset": True, "copy_skills": True}]


@pytest.mark.parametrize("role, method, path", [
    (Role.AGENT, "get", "/automation/rules"),
    (Role.ENGINEER, "get", "/automation/rules/{id}"),
    (Role.CUSTOMER, "get", "/automation/vocabulary"),
    (Role.AGENT, "post", "/automation/rules"),
    (Role.DISPATCHER, "post", "/automation/rules"),
    (Role.DISPATCHER, "patch", "/automation/rules/{id}"),
    (Role.DISPATCHER, "delete", "/automation/rules/{id}"),
    (Role.DISPATCHER, "post", "/automation/rules/reorder"),
    (Role.AGENT, "post", "/automation/dry-run"),
    (Role.WAREHOUSE, "post", "/automation/dry-run"),
])
def test_other_roles_are_refused(client, as_role, make_rule, role, method, path):
    rule = make_rule("created", URGENT)
    _, headers = as_role(role)
    answer = client.open(API + path.format(id=rule["id"]), method=method.upper(), headers=headers,
                         json={"name": "x"})
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"
    assert client.get(f"{RULES}/{rule['id']}", headers=as_role(Role.MANAGER)[1]).json == rule


def _rule(**overrides):
    return {"name": "Bad", "trigger": "created", "actions": URGENT, **overrides}


@pytest.mark.parametrize("body, where, words", [
    (_rule(colour="red"), ["colour"], "Unknown field"),
    (_rule(trigger="updated"), ["trigger"], "Must be one of"),
    (_rule(actions=[]), ["actions"], "Length"),
    (_rule(conditions=[{"field": "colour", "op": "equals", "value": "red"}]), ["conditions", "0", "field"],
     "unknown field 'colour'"),
    (_rule(conditions=[{"field": "priority", "op": "gt", "value": 3}]), ["conditions", "0", "op"],
     "'gt' does not apply to 'priority'"),
    (_rule(conditions=[{"field": "priority", "op": "equals", "value": "urgnet"}]), ["conditions", "0", "value"],
     "unknown priority 'urgnet'"),
    (_rule(conditions=[{"field": "priority", "op": "in", "value": ["high", "asap"]}]), ["conditions", "0", "value"],
     "unknown priority 'asap'"),
    (_rule(conditions=[{"field": "priority", "op": "whenever", "value": "high"}]), ["conditions", "0", "op"],
     "Must be one of"),
    (_rule(conditions=[{"field": "priority", "op": "equals", "value": "high", "also": 1}]),
     ["conditions", "0", "also"], "Unknown field"),
    (_rule(conditions=[{"field": "to_status", "op": "equals", "value": "on_hold"}]), ["conditions", "0", "field"],
     "only known for status_changed rules, not created"),
    (_rule(trigger="sla_warning", conditions=[{"field": "csat", "op": "lte", "value": 2}]),
     ["conditions", "0", "field"], "only known for rated rules"),
    (_rule(conditions=[{"field": "text", "op": "keywords", "value": "漏水"}]), ["conditions", "0", "value"],
     "keywords takes a list"),
    (_rule(conditions=[{"field": "team_id", "op": "is_set", "value": 3}]), ["conditions", "0", "value"],
     "is_set takes no value"),
    (_rule(conditions=[{"field": "tags", "op": "contains", "value": "Not A Tag"}]), ["conditions", "0", "value"],
     "is not a tag"),
    (_rule(conditions=[{"field": "custom_fields.Floor", "op": "gt", "value": 3}]), ["conditions", "0", "field"],
     "unknown field"),
    (_rule(conditions=[{"field": "custom_fields.floor", "op": "gt", "value": "ten"}]), ["conditions", "0", "value"],
     "compares with a number"),
    (_rule(actions=[{"type": "escalate"}]), ["actions", "0", "type"], "unknown action type 'escalate'"),
    (_rule(actions=URGENT + [{"type": "set_priority", "priority": "asap"}]), ["actions", "1", "priority"],
     "Must be one of"),
    (_rule(actions=[{"type": "set_priority", "priority": "high", "team_id": 1}]), ["actions", "0", "team_id"],
     "Unknown field"),
    (_rule(actions=[{"type": "add_tag", "tag": "VIP!"}]), ["actions", "0", "tag"], "not a tag"),
    (_rule(actions=[{"type": "notify", "to": ["users"]}]), ["actions", "0", "user_ids"], "goes with"),
    (_rule(actions=[{"type": "notify", "to": ["everyone"]}]), ["actions", "0", "to", "0"], "Must be one of"),
    (_rule(actions=[{"type": "set_skills", "skills": [{"skill": "hvac", "level": 4}]}]),
     ["actions", "0", "skills", "0", "level"], "less than or equal to 3"),
    (_rule(actions=["set_priority"]), ["actions", "0"], "An action is an object"),
])
def test_invalid_rules_are_refused_naming_the_item(client, manager, body, where, words):
    answer = client.post(RULES, headers=manager, json=body)
    assert answer.status_code == 422, answer.json
    assert answer.json["status"] == "validation_error"
    errors = answer.json["errors"]["json"]
    for key in where:
        errors = errors[key]
    assert words in str(errors), errors


def test_rules_naming_unknown_things_are_refused_naming_the_item(client, manager):
    inactive_id = EngineerFactory(is_active=False).id
    SkillFactory(code="hvac")
    answer = client.post(RULES, headers=manager, json=_rule(
        conditions=[{"field": "team_id", "op": "in", "value": [999998]}],
        actions=[{"type": "assign_team", "team_id": 999999},
                 {"type": "assign_engineer", "engineer_id": inactive_id},
                 {"type": "set_skills", "skills": [{"skill": "hvac", "level": 1}, {"skill": "warp_drive", "level": 1}]},
                 {"type": "notify", "to": ["users"], "user_ids": [999997]}]))
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"
    assert answer.json["errors"] == {
        "conditions": {"0": {"value": ["no team 999998"]}},
        "actions": {"0": {"team_id": ["no team 999999"]},
                    "1": {"engineer_id": [f"engineer {inactive_id} is inactive"]},
                    "2": {"skills": ["skill 'warp_drive' is not in the catalogue"]},
                    "3": {"user_ids": ["no user 999997"]}}}
    assert "actions[0]: no team 999999" in answer.json["message"]


def test_bad_filters_are_refused(client, dispatcher):
    for query in ({"trigger": "updated"}, {"active": "maybe"}):
        answer = client.get(RULES, headers=dispatcher, query_string=query)
        assert answer.status_code == 422 and list(answer.json["errors"]["query"]) == list(query)


def test_a_change_of_trigger_rechecks_the_conditions(client, manager, make_rule):
    rule = make_rule("status_changed", URGENT, [{"field": "to_status", "op": "equals", "value": "on_hold"}])
    answer = client.patch(f"{RULES}/{rule['id']}", headers=manager, json={"trigger": "created"})
    assert answer.status_code == 422
    assert answer.json["errors"] == {"conditions": {"0": {"field": [
        "'to_status' is only known for status_changed rules, not created"]}}}
    assert client.patch(f"{RULES}/{rule['id']}", headers=manager, json={}).status_code == 422
    assert client.get(f"{RULES}/{rule['id']}", headers=manager).json["trigger"] == "status_changed"


def test_names_are_unique_and_unknown_rules_are_404(client, manager, make_rule):
    rule = make_rule("created", URGENT)
    again = client.post(RULES, headers=manager, json=_rule(name=rule["name"]))
    assert again.status_code == 409 and again.json["status"] == "conflict"
    for method in ("GET", "PATCH", "DELETE"):
        answer = client.open(f"{RULES}/999999", method=method, headers=manager, json={"name": "x"})
        assert answer.status_code == 404 and answer.json["status"] == "not_found"


def test_reordering_lists_every_rule_of_the_trigger_once(client, manager, make_rule):
    first, second, third = (make_rule("created", URGENT) for _ in range(3))
    other = make_rule("rated", URGENT)
    url = f"{RULES}/reorder"
    for rule_ids in ([third["id"], first["id"]], [third["id"], first["id"], second["id"], other["id"]],
                     [third["id"], first["id"], second["id"], first["id"]]):
        answer = client.post(url, headers=manager, json={"trigger": "created", "rule_ids": rule_ids})
        assert answer.status_code == 422 and "rule_ids" in answer.json["errors"], answer.json
    assert client.post(url, headers=manager, json={"trigger": "created"}).status_code == 422

    answer = client.post(url, headers=manager, json={"trigger": "created",
                                                     "rule_ids": [third["id"], first["id"], second["id"]]})
    assert answer.status_code == 200, answer.json
    assert [(r["id"], r["position"]) for r in answer.json] == [(third["id"], 10), (first["id"], 20),
                                                                (second["id"], 30)]
    listed = client.get(RULES, headers=manager, query_string={"trigger": "created"}).json
    assert [r["id"] for r in listed] == [third["id"], first["id"], second["id"]]


def test_the_vocabulary_lists_fields_operators_and_actions(client, dispatcher):
    answer = client.get(f"{API}/automation/vocabulary", headers=dispatcher)
    assert answer.status_code == 200
    fields = {f["name"]: f for f in answer.json["fields"]}
    assert fields["priority"]["choices"] == ["urgent", "high", "normal", "low"]
    assert fields["to_status"]["triggers"] == ["status_changed"]
    assert "keywords" in fields["text"]["operators"] and fields["text"]["triggers"] is None
    assert answer.json["actions"]["assign_engineer"] == ["engineer_id", "lead_time_min"]
    assert answer.json["triggers"] == ["created", "status_changed", "sla_warning", "sla_breach", "rated"]


# --- dry run ----------------------------------------------------------------------------------

def test_a_dry_run_says_which_rules_would_fire_and_changes_nothing(client, manager, dispatcher, make_rule):
    team = TeamFactory()
    order = WorkOrderFactory(title="机房空调漏水", description="", tags=["vip"])
    order_id = order.id
    tag = client.get(f"{API}/work-orders/{order_id}", headers=dispatcher).headers["ETag"]
    leak = make_rule("created", [{"type": "set_priority", "priority": "urgent"},
                                 {"type": "add_tag", "tag": "vip"}, {"type": "assign_team", "team_id": team.id}],
                     [{"field": "text", "op": "keywords", "value": ["漏水"]}], position=10)
    escalate = make_rule("created", [{"type": "add_tag", "tag": "escalated"}],
                         [{"field": "priority", "op": "equals", "value": "urgent"}], position=20,
                         stop_processing=True)
    never = make_rule("created", URGENT, [{"field": "channel", "op": "equals", "value": "email"}], position=30)
    after_stop = make_rule("created", URGENT, position=40)
    make_rule("created", URGENT, position=50, is_active=False)
    make_rule("rated", URGENT)

    answer = client.post(DRY_RUN, headers=dispatcher, json={"work_order_id": order_id, "trigger": "created"})
    assert answer.status_code == 200, answer.json
    result = answer.json
    assert result["facts"]["priority"] == "normal" and result["facts"]["text"] == "机房空调漏水\n"
    verdicts = {v["rule_id"]: v for v in result["rules"]}
    assert list(verdicts) == [leak["id"], escalate["id"], never["id"], after_stop["id"]]
    assert verdicts[leak["id"]]["fires"] is True
    assert verdicts[leak["id"]]["conditions"] == [{"field": "text", "op": "keywords", "value": ["漏水"],
                                                   "actual": "机房空调漏水\n", "holds": True}]
    assert verdicts[leak["id"]]["actions"] == [
        {"type": "set_priority", "before": "normal", "after": "urgent"},
        {"type": "assign_team", "before": None, "after": team.id}]
    assert verdicts[leak["id"]]["skipped"] == [{"type": "add_tag", "skipped": "the order is tagged vip already"}]
    # The second rule sees the priority the first would have set, and stops the rest.
    assert verdicts[escalate["id"]]["fires"] is True
    assert verdicts[escalate["id"]]["actions"] == [{"type": "add_tag", "before": ["vip"],
                                                    "after": ["vip", "escalated"]}]
    assert (verdicts[never["id"]]["reached"], verdicts[never["id"]]["fires"]) == (False, False)
    assert verdicts[never["id"]]["conditions"][0]["holds"] is False
    assert (verdicts[after_stop["id"]]["reached"], verdicts[after_stop["id"]]["fires"]) == (False, False)

    order_now = get_order(client, dispatcher, order_id)
    assert (order_now["priority"], order_now["tags"], order_now["team_id"]) == ("normal", ["vip"], None)
    assert client.get(f"{API}/work-orders/{order_id}", headers=dispatcher).headers["ETag"] == tag
    assert timeline(client, dispatcher, order_id) == []

    with_inactive = client.post(DRY_RUN, headers=manager, json={"work_order_id": order_id, "trigger": "created",
                                                                "include_inactive": True}).json
    assert len(with_inactive["rules"]) == 5


def test_a_dry_run_takes_facts_of_the_event(client, dispatcher, make_rule):
    order = WorkOrderFactory()
    rule = make_rule("sla_warning", URGENT, [{"field": "sla_target", "op": "equals", "value": "resolution"},
                                             {"field": "sla_threshold", "op": "gte", "value": 75}])
    body = {"work_order_id": order.id, "trigger": "sla_warning", "sla_target": "resolution"}
    low = client.post(DRY_RUN, headers=dispatcher, json={**body, "sla_threshold": 50}).json
    high = client.post(DRY_RUN, headers=dispatcher, json={**body, "sla_threshold": 75}).json
    assert [(v["rule_id"], v["fires"]) for v in low["rules"]] == [(rule["id"], False)]
    assert [(v["rule_id"], v["fires"]) for v in high["rules"]] == [(rule["id"], True)]
    unknown_fact = client.post(DRY_RUN, headers=dispatcher, json={**body, "csat": 1})
    assert unknown_fact.status_code == 422 and "csat" in unknown_fact.json["errors"]["json"]


def test_a_dry_run_of_an_unknown_order_is_404(client, dispatcher):
    answer = client.post(DRY_RUN, headers=dispatcher, json={"work_order_id": 999999, "trigger": "created"})
    assert answer.status_code == 404 and answer.json["status"] == "not_found"
    bad = client.post(DRY_RUN, headers=dispatcher, json={"work_order_id": 1, "trigger": "updated"})
    assert bad.status_code == 422


def test_a_dry_run_reports_an_assignment_that_would_be_refused(client, dispatcher, make_rule):
    engineer = EngineerFactory(skills={"hvac": 1})
    order = WorkOrderFactory(skills={"hvac": 3})
    make_rule("created", [{"type": "assign_engineer", "engineer_id": engineer.id}])
    [verdict] = client.post(DRY_RUN, headers=dispatcher, json={"work_order_id": order.id,
                                                               "trigger": "created"}).json["rules"]
    assert verdict["actions"] == []
    assert verdict["skipped"][0]["code"] == "skill_mismatch"
    assert "hvac" in verdict["skipped"][0]["skipped"]


def test_inactive_users_cannot_be_notified_by_a_new_rule(client, manager):
    gone = UserFactory(is_active=False).id
    answer = client.post(RULES, headers=manager, json=_rule(actions=[
        {"type": "notify", "to": ["users"], "user_ids": [gone]}]))
    assert answer.status_code == 422
    assert answer.json["errors"] == {"actions": {"0": {"user_ids": [f"user {gone} is inactive"]}}}
