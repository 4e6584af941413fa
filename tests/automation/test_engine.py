"""Rules at work, over HTTP: each trigger fires its rules in the same transaction as the
event, conditions read the order, the event and custom fields, every action does what it
says (or is skipped, and says why), rules run in order and can stop the rest, every rule
that fires leaves an audit entry in the timeline — and rules never trigger rules."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app import db
from app.auth.models import Role, User
from app.customers.models import CustomerTier
from app.db import utcnow
from app.workorders import templates
from app.workorders.models import Status, WorkType
from sla import sweeper
from tests.automation.helpers import API, RULES, get_order, rule_entries, timeline
from tests.factories import (AssetFactory, ContactFactory, CustomerFactory, EngineerFactory, SiteFactory,
                             SkillFactory, TeamFactory, UserFactory, WorkOrderFactory)
from tests.workorders.conftest import REPAIR_FIELDS

# Two days ahead, not tomorrow: an order scheduled "30 minutes from now" late in the
# UTC evening would otherwise overlap a window at 01:00 tomorrow, and its rule skip.
WINDOW_START = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=1, minute=0, second=0, microsecond=0)
WINDOW = {"start": WINDOW_START.isoformat(), "end": (WINDOW_START + timedelta(hours=4)).isoformat()}


def inbox(client, headers, kind: str = "rule") -> list[dict]:
    answer = client.get(f"{API}/notifications", headers=headers)
    assert answer.status_code == 200, answer.json
    return [n for n in answer.json if n["kind"] == kind]


def act(client, headers, order_id: int, action: str, **body) -> dict:
    answer = client.post(f"{API}/work-orders/{order_id}/{action}", headers=headers, json=body)
    assert answer.status_code == 200, answer.json
    return answer.json


# --- created ----------------------------------------------------------------------------------

def test_created_rules_match_keywords_chinese_too_and_the_audit_shows_before_and_after(
        client, agent, make_rule, make_order):
    rule = make_rule("created", [{"type": "set_priority", "priority": "urgent"}, {"type": "add_tag", "tag": "leak"}],
                     [{"field": "text", "op": "keywords", "value": ["漏水", "leak"]}], name="Leaks are urgent")

    leaking = make_order(title="机房空调漏水", description="客户说很严重")
    assert (leaking["priority"], leaking["tags"]) == ("urgent", ["leak"])   # the answer shows the rule's work
    english = make_order(title="Water LEAK in the lobby")
    assert english["priority"] == "urgent"
    in_description = make_order(title="空调故障", description="室内机漏水")
    assert in_description["priority"] == "urgent"
    dry = make_order(title="空调不制冷", description="Blows warm air")
    assert (dry["priority"], dry["tags"]) == ("normal", [])
    assert rule_entries(client, agent, dry["id"]) == []

    events = timeline(client, agent, leaking["id"])
    assert [(e["kind"], e["action"]) for e in events] == [
        ("created", None), ("updated", None), ("updated", None), ("rule", "rule_applied")]
    created, priority, tags, audit = events
    assert priority["payload"] == {"changes": {"priority": {"old": "normal", "new": "urgent"}}, "via_rule": rule["id"]}
    assert tags["payload"] == {"changes": {"tags": {"old": [], "new": ["leak"]}}, "via_rule": rule["id"]}
    assert priority["actor"] is None and audit["actor"] is None
    assert audit["payload"] == {
        "rule_id": rule["id"], "rule_name": "Leaks are urgent", "trigger": "created",
        "trigger_event_id": created["id"], "stop_processing": False, "skipped": [],
        "actions": [{"type": "set_priority", "before": "normal", "after": "urgent"},
                    {"type": "add_tag", "before": [], "after": ["leak"]}]}


def test_a_deleted_rule_fires_no_more_but_its_audit_stays(client, manager, agent, make_rule, make_order):
    rule = make_rule("created", [{"type": "add_tag", "tag": "seen"}], name="Short-lived")
    before = make_order()
    assert client.delete(f"{RULES}/{rule['id']}", headers=manager).status_code == 204
    after = make_order()
    assert (before["tags"], after["tags"]) == (["seen"], [])
    [audit] = rule_entries(client, agent, before["id"])
    assert (audit["rule_id"], audit["rule_name"]) == (rule["id"], "Short-lived")


def test_conditions_on_custom_fields_tier_channel_and_district(client, agent, make_rule, make_order):
    templates.create_template(db.db_session(), work_type=WorkType.REPAIR, name="Repair", fields=REPAIR_FIELDS)
    team = TeamFactory()
    make_rule("created", [{"type": "add_tag", "tag": "high-rise"}],
              [{"field": "custom_fields.floor", "op": "gte", "value": 10},
               {"field": "custom_fields.symptom", "op": "in", "value": ["leak", "noise"]}])
    make_rule("created", [{"type": "assign_team", "team_id": team.id}],
              [{"field": "customer_tier", "op": "equals", "value": "vip"},
               {"field": "channel", "op": "in", "value": ["phone", "wechat"]},
               {"field": "site_district", "op": "equals", "value": "pudong"}])
    repair = {"work_type": "repair", "title": "空调故障"}

    high = make_order(**repair, custom_fields={"floor": 12, "symptom": "leak"})
    low = make_order(**repair, custom_fields={"floor": 3, "symptom": "leak"})
    quiet = make_order(**repair, custom_fields={"floor": 30, "symptom": "no_cooling"})
    no_template = make_order()
    assert [o["tags"] for o in (high, low, quiet, no_template)] == [["high-rise"], [], [], []]

    vip_site = SiteFactory(customer=CustomerFactory(tier=CustomerTier.VIP), district="Pudong")
    assert make_order(site=vip_site)["team_id"] == team.id
    assert make_order(site=vip_site, channel="email")["team_id"] is None
    other_district = SiteFactory(customer=CustomerFactory(tier=CustomerTier.VIP), district="Xuhui")
    assert make_order(site=other_district)["team_id"] is None
    assert make_order()["team_id"] is None


def test_every_field_action(client, agent, make_rule, make_order):
    templates.create_template(db.db_session(), work_type=WorkType.REPAIR, name="Repair", fields=REPAIR_FIELDS)
    for code in ("hvac", "elevator", "electrical"):
        SkillFactory(code=code)
    make_rule("created", [{"type": "set_work_type", "work_type": "maintenance"},
                          {"type": "set_skills", "skills": [{"skill": "hvac", "level": 2},
                                                            {"skill": "elevator", "level": 1}]},
                          {"type": "remove_tag", "tag": "draft"}, {"type": "remove_tag", "tag": "absent"}],
              [{"field": "tags", "op": "contains", "value": "draft"}], position=10)
    make_rule("created", [{"type": "set_skills", "skills": [{"skill": "electrical", "level": 1}],
                           "mode": "replace"},
                          {"type": "set_work_type", "work_type": "repair"}],
              [{"field": "title", "op": "contains", "value": "REWIRE"}], position=20)

    order = make_order(title="Service visit", tags=["draft", "vip"],
                       required_skills=[{"skill": "elevator", "level": 2}])
    assert order["work_type"] == "maintenance"
    assert order["required_skills"] == [{"skill": "elevator", "level": 2}, {"skill": "hvac", "level": 2}]
    assert order["tags"] == ["vip"]
    [audit] = rule_entries(client, agent, order["id"])
    assert audit["skipped"] == [{"type": "remove_tag", "skipped": "the order is not tagged absent"}]
    assert audit["actions"][1] == {"type": "set_skills",
                                   "before": [{"skill": "elevator", "level": 2}],
                                   "after": [{"skill": "elevator", "level": 2}, {"skill": "hvac", "level": 2}]}

    rewire = make_order(title="Rewire the plant room", required_skills=[{"skill": "hvac", "level": 1}])
    assert rewire["required_skills"] == [{"skill": "electrical", "level": 1}]
    assert rewire["work_type"] == "installation"   # the repair template needs floor and symptom
    [audit] = rule_entries(client, agent, rewire["id"])
    [skipped] = audit["skipped"]
    assert skipped["type"] == "set_work_type" and "do not fit the repair template" in skipped["skipped"]


def headers_of(token_for, user_id: int) -> dict[str, str]:
    return token_for(db.db_session().get(User, user_id))


# --- assignment -------------------------------------------------------------------------------

def test_a_rule_assigns_a_new_order_through_the_lifecycle(client, agent, make_rule, make_order):
    engineer = EngineerFactory(skills={"hvac": 2})
    engineer_id = engineer.id
    rule = make_rule("created", [{"type": "assign_engineer", "engineer_id": engineer_id, "lead_time_min": 30}],
                     [{"field": "channel", "op": "equals", "value": "wechat"}])

    order = make_order(channel="wechat", window=WINDOW, required_skills=[{"skill": "hvac", "level": 2}])
    assert order["status"] == "assigned"
    assert order["scheduled_engineer"]["id"] == engineer_id
    assert datetime.fromisoformat(order["scheduled"]["start"]) == WINDOW_START
    events = timeline(client, agent, order["id"])
    assert [(e["kind"], e["action"]) for e in events] == [
        ("created", None), ("status_changed", "assign"), ("rule", "rule_applied")]
    assign = events[1]
    assert (assign["from_status"], assign["to_status"], assign["actor"]) == ("new", "assigned", None)
    assert assign["payload"]["via"] == f"rule:{rule['id']}"
    assert events[2]["payload"]["actions"] == [{
        "type": "assign_engineer", "before": {"engineer_id": None, "status": "new"},
        "after": {"engineer_id": engineer_id, "status": "assigned", "scheduled_start": WINDOW_START.isoformat()}}]

    # Without a window the visit starts the lead time from now.
    before = utcnow()
    soon = make_order(channel="wechat", required_skills=[{"skill": "hvac", "level": 1}])
    start = datetime.fromisoformat(soon["scheduled"]["start"])
    assert before + timedelta(minutes=30) <= start <= utcnow() + timedelta(minutes=31)


def test_an_assignment_a_rule_cannot_make_is_skipped_and_the_request_succeeds(client, agent, make_rule, make_order):
    engineer_id = EngineerFactory(skills={"hvac": 1}).id
    make_rule("created", [{"type": "assign_engineer", "engineer_id": engineer_id},
                          {"type": "add_tag", "tag": "auto"}])
    make_rule("status_changed", [{"type": "assign_engineer", "engineer_id": engineer_id}],
              [{"field": "to_status", "op": "equals", "value": "on_hold"}])

    order = make_order(required_skills=[{"skill": "hvac", "level": 3}])
    assert (order["status"], order["tags"]) == ("new", ["auto"])
    [audit] = rule_entries(client, agent, order["id"])
    [skipped] = audit["skipped"]
    assert skipped["type"] == "assign_engineer" and skipped["code"] == "skill_mismatch"
    assert audit["actions"] == [{"type": "add_tag", "before": [], "after": ["auto"]}]

    act(client, agent, order["id"], "hold", reason="customer_unavailable")
    audit = rule_entries(client, agent, order["id"])[-1]
    assert audit["skipped"] == [{"type": "assign_engineer", "code": "invalid_transition",
                                 "skipped": "the order is on_hold: rules assign only new orders"}]
    assert get_order(client, agent, order["id"])["status"] == "on_hold"


# --- status_changed ---------------------------------------------------------------------------

def test_status_changed_rules_read_from_to_transition_and_reason(client, agent, dispatcher, make_rule, make_order):
    parts = make_rule("status_changed",
                      [{"type": "add_tag", "tag": "waiting-parts"},
                       {"type": "notify", "to": ["dispatchers"], "title": "{number} 等待备件", "message": "{title}"}],
                      [{"field": "to_status", "op": "equals", "value": "on_hold"},
                       {"field": "reason", "op": "equals", "value": "waiting_parts"}])
    resumed = make_rule("status_changed", [{"type": "remove_tag", "tag": "waiting-parts"}],
                        [{"field": "from_status", "op": "equals", "value": "on_hold"},
                         {"field": "transition", "op": "equals", "value": "resume"}])

    order = make_order(title="Replace the compressor")
    act(client, agent, order["id"], "hold", reason="customer_unavailable")
    assert get_order(client, agent, order["id"])["tags"] == []
    act(client, agent, order["id"], "resume")
    act(client, agent, order["id"], "hold", reason="waiting_parts")
    assert get_order(client, agent, order["id"])["tags"] == ["waiting-parts"]
    [notice] = inbox(client, dispatcher)
    assert notice["title"] == f"{order['number']} 等待备件" and notice["body"] == "Replace the compressor"
    assert notice["work_order_id"] == order["id"]
    assert notice["payload"]["rule_id"] == parts["id"]

    act(client, agent, order["id"], "resume")
    assert get_order(client, agent, order["id"])["tags"] == []
    entries = rule_entries(client, agent, order["id"])
    assert [e["rule_id"] for e in entries] == [resumed["id"], parts["id"], resumed["id"]]
    assert entries[0]["skipped"] == [{"type": "remove_tag", "skipped": "the order is not tagged waiting-parts"}]
    assert {e["trigger"] for e in entries} == {"status_changed"}


def test_notify_reaches_the_assigned_engineer_the_team_lead_and_named_users(client, dispatcher, make_rule,
                                                                             make_order, token_for):
    lead, named = UserFactory(role=Role.DISPATCHER, locale="en"), UserFactory(role=Role.AGENT, locale="zh_CN")
    team = TeamFactory(lead_user_id=lead.id)
    engineer = EngineerFactory()
    ids = {"lead": lead.id, "named": named.id, "engineer_user": engineer.user_id, "engineer": engineer.id}
    rule = make_rule("status_changed",
                     [{"type": "notify", "to": ["assigned_engineer", "team_lead", "users"], "user_ids": [named.id]}],
                     [{"field": "transition", "op": "equals", "value": "assign"}], name="Tell them")
    make_rule("created", [{"type": "notify", "to": ["team_lead", "assigned_engineer"]}])

    order = make_order(team_id=team.id)
    [audit] = rule_entries(client, dispatcher, order["id"])
    [done] = audit["actions"]
    assert (done["user_ids"], done["nobody_for"]) == ([ids["lead"]], ["assigned_engineer"])
    without_team = make_order()
    [audit] = rule_entries(client, dispatcher, without_team["id"])
    assert audit["skipped"] == [{"type": "notify", "skipped": "nobody to notify (team_lead, assigned_engineer "
                                                              "named no active user)"}]

    act(client, dispatcher, order["id"], "assign", engineer_id=ids["engineer"], scheduled_start=WINDOW["start"])
    audit = rule_entries(client, dispatcher, order["id"])[-1]
    assert audit["actions"][0]["user_ids"] == [ids["engineer_user"], ids["lead"], ids["named"]]
    lead_inbox = inbox(client, headers_of(token_for, ids["lead"]))
    assert [n["title"] for n in lead_inbox if n["payload"]["rule_id"] == rule["id"]] == [
        f"Automation rule \"Tell them\": {order['number']}"]   # in the lead's language
    assert [n["title"] for n in inbox(client, headers_of(token_for, ids["named"]))] == [
        f"自动化规则「Tell them」：工单 {order['number']}"]
    assert len(inbox(client, headers_of(token_for, ids["engineer_user"]))) == 1


# --- SLA warning and breach -------------------------------------------------------------------

def _sla_policies(client, manager) -> dict[str, int]:
    calendars = client.get(f"{API}/sla/calendars", headers=manager).json
    china = next(c["id"] for c in calendars if c["name"].startswith("China mainland"))
    ids = {}
    for name, position, priorities, minutes in (("Standard", 100, [], 60), ("Urgent", 10, ["urgent"], 30)):
        answer = client.post(f"{API}/sla/policies", headers=manager, json={
            "name": name, "position": position, "priorities": priorities, "calendar_id": china,
            "targets": [{"kind": "first_response", "minutes": minutes, "business_time": False},
                        {"kind": "resolution", "minutes": 480, "business_time": False}]})
        assert answer.status_code == 201, answer.json
        ids[name] = answer.json["id"]
    return ids


def test_sla_warning_and_breach_rules_fire_from_the_sweeper_and_the_clocks_follow(
        client, session, manager, make_rule, make_order):
    policies = _sla_policies(client, manager)
    warning = make_rule("sla_warning", [{"type": "add_tag", "tag": "sla-risk"}],
                        [{"field": "sla_threshold", "op": "gte", "value": 75}])
    breach = make_rule("sla_breach", [{"type": "set_priority", "priority": "urgent"},
                                      {"type": "notify", "to": ["managers"]}],
                       [{"field": "sla_target", "op": "equals", "value": "first_response"}])
    order = make_order()
    clocks = {c["kind"]: c for c in client.get(f"{API}/work-orders/{order['id']}/sla", headers=manager).json}
    assert clocks["first_response"]["policy_id"] == policies["Standard"]

    report = sweeper.sweep(session, now=utcnow() + timedelta(minutes=61))
    assert report.raised == 3   # first response: 50 %, 75 %, 100 %
    session.commit()

    entries = rule_entries(client, manager, order["id"])
    assert [(e["rule_id"], e["trigger"]) for e in entries] == [(warning["id"], "sla_warning"),
                                                               (breach["id"], "sla_breach")]
    sla_events = [e for e in timeline(client, manager, order["id"]) if e["kind"] == "sla"]
    assert entries[0]["trigger_event_id"] == sla_events[1]["id"]     # the 75 % warning, not the 50 %
    assert entries[1]["trigger_event_id"] == sla_events[2]["id"]
    now = get_order(client, manager, order["id"])
    assert (now["priority"], now["tags"]) == ("urgent", ["sla-risk"])
    assert len(inbox(client, manager)) == 1
    # The rule's priority change is an `updated` event: the clocks moved to the urgent policy.
    clocks = {c["kind"]: c for c in client.get(f"{API}/work-orders/{order['id']}/sla", headers=manager).json}
    assert clocks["resolution"]["policy_id"] == policies["Urgent"]


# --- rated ------------------------------------------------------------------------------------

def test_a_poor_rating_creates_a_follow_up_which_runs_no_created_rules(client, agent, make_rule, token_for):
    lead = UserFactory(role=Role.DISPATCHER)
    team = TeamFactory(lead_user_id=lead.id)
    asset = AssetFactory()
    order = WorkOrderFactory(status=Status.AWAITING_FEEDBACK, site=asset.site, asset=asset, team=team,
                             title="Compressor replaced", skills={"hvac": 2})
    happy = WorkOrderFactory(status=Status.AWAITING_FEEDBACK)
    ids = {"order": order.id, "happy": happy.id, "asset": asset.id, "site": asset.site_id,
           "customer": asset.site.customer_id, "team": team.id, "number": order.number, "lead": lead.id}
    make_rule("created", [{"type": "add_tag", "tag": "intake"}])   # would tag the follow-up if it ran
    rule = make_rule("rated", [{"type": "create_follow_up", "title": "回访：{number} {title}", "priority": "high",
                                "description": "Customer rated {rule}"},
                               {"type": "add_tag", "tag": "detractor"}, {"type": "notify", "to": ["team_lead"]}],
                     [{"field": "csat", "op": "lte", "value": 2}], name="Detractors")

    rated = client.post(f"{API}/work-orders/{ids['order']}/rating", headers=agent, json={"csat": 2, "nps": 3})
    assert rated.status_code == 201, rated.json
    assert client.post(f"{API}/work-orders/{ids['happy']}/rating", headers=agent,
                       json={"csat": 5}).status_code == 201

    parent = get_order(client, agent, ids["order"])
    assert (parent["status"], parent["tags"]) == ("closed", ["detractor"])
    [child_id] = parent["children"]
    child = get_order(client, agent, child_id)
    assert child["title"] == f"回访：{ids['number']} Compressor replaced"
    assert child["description"] == "Customer rated Detractors"
    assert (child["parent_id"], child["customer"]["id"], child["site"]["id"], child["asset"]["id"]) == (
        ids["order"], ids["customer"], ids["site"], ids["asset"])
    assert (child["status"], child["priority"], child["team_id"]) == ("new", "high", ids["team"])
    assert child["required_skills"] == [{"skill": "hvac", "level": 2}]
    assert child["tags"] == [] and child["children"] == []
    child_events = timeline(client, agent, child_id)
    assert [e["kind"] for e in child_events] == ["created"]
    assert child_events[0]["payload"]["via_rule"] == rule["id"]

    [audit] = rule_entries(client, agent, ids["order"])
    assert audit["trigger"] == "rated"
    assert audit["actions"][0] == {"type": "create_follow_up", "title": child["title"], "work_type": "repair",
                                   "priority": "high", "work_order_id": child_id, "number": child["number"]}
    assert len(inbox(client, headers_of(token_for, ids["lead"]))) == 1
    assert get_order(client, agent, ids["happy"])["children"] == []


# --- order, stop_processing, inactive rules ----------------------------------------------------

def test_rules_run_by_position_each_seeing_the_earlier_ones_and_can_stop_the_rest(
        client, manager, agent, make_rule, make_order):
    high = make_rule("created", [{"type": "set_priority", "priority": "high"}], position=10)
    escalate = make_rule("created", [{"type": "add_tag", "tag": "escalated"}],
                         [{"field": "priority", "op": "equals", "value": "high"}], position=20, stop_processing=True)
    never = make_rule("created", [{"type": "add_tag", "tag": "never"}], position=30)
    make_rule("created", [{"type": "add_tag", "tag": "inactive"}], position=5, is_active=False)

    order = make_order()
    assert (order["priority"], order["tags"]) == ("high", ["escalated"])
    entries = rule_entries(client, agent, order["id"])
    assert [(e["rule_id"], e["stop_processing"]) for e in entries] == [(high["id"], False), (escalate["id"], True)]

    answer = client.post(f"{RULES}/reorder", headers=manager, json={"trigger": "created", "rule_ids": [
        never["id"], escalate["id"], high["id"], *[r["id"] for r in client.get(
            RULES, headers=manager, query_string={"trigger": "created", "active": "false"}).json]]})
    assert answer.status_code == 200, answer.json
    order = make_order()
    # `never` first; `escalate` does not hold yet (priority normal); `high` last.
    assert (order["priority"], order["tags"]) == ("high", ["never"])


# --- no loops ---------------------------------------------------------------------------------

def test_changes_made_by_rules_trigger_no_rules(client, agent, dispatcher, make_rule, make_order, token_for):
    first, backup = EngineerFactory(), EngineerFactory()
    ids = {"first": first.id, "backup": backup.id, "first_user": first.user_id}
    # A declined order is reassigned to the backup engineer: that assignment is itself a
    # status change, which must not run the status rules again (not this one, not others).
    reassign = make_rule("status_changed", [{"type": "assign_engineer", "engineer_id": backup.id}],
                         [{"field": "transition", "op": "equals", "value": "decline"}], position=10)
    make_rule("status_changed", [{"type": "add_tag", "tag": "assigned"}],
              [{"field": "to_status", "op": "equals", "value": "assigned"}], position=20)
    # A rule whose change would satisfy an earlier rule's condition does not re-run it.
    make_rule("status_changed", [{"type": "add_tag", "tag": "urgent-seen"}],
              [{"field": "priority", "op": "equals", "value": "urgent"}], position=5)
    urgent = make_rule("status_changed", [{"type": "set_priority", "priority": "urgent"}],
                       [{"field": "transition", "op": "equals", "value": "decline"}], position=30)

    order = make_order()
    act(client, dispatcher, order["id"], "assign", engineer_id=ids["first"], scheduled_start=WINDOW["start"])
    assert get_order(client, agent, order["id"])["tags"] == ["assigned"]   # a person's assignment does
    act(client, headers_of(token_for, ids["first_user"]), order["id"], "decline", reason="too_far")

    now = get_order(client, agent, order["id"])
    assert (now["status"], now["scheduled_engineer"]["id"], now["priority"]) == ("assigned", ids["backup"], "urgent")
    assert now["tags"] == ["assigned"]
    events = timeline(client, agent, order["id"])
    changes = [(e["action"], e["payload"].get("via")) for e in events if e["kind"] == "status_changed"]
    assert changes == [("assign", None), ("decline", None), ("assign", f"rule:{reassign['id']}")]
    decline_id = next(e["id"] for e in events if e["action"] == "decline")
    assert [(e["rule_id"], e["trigger_event_id"]) for e in rule_entries(client, agent, order["id"])][1:] == [
        (reassign["id"], decline_id), (urgent["id"], decline_id)]


def test_a_follow_up_rule_on_created_makes_one_child_not_a_chain(client, agent, make_rule, make_order):
    make_rule("created", [{"type": "create_follow_up", "title": "Check of {number}"}])
    order = make_order()
    [child_id] = order["children"]
    child = get_order(client, agent, child_id)
    assert child["title"] == f"Check of {order['number']}" and child["children"] == []
    assert [e["kind"] for e in timeline(client, agent, child_id)] == ["created"]
    assert len(rule_entries(client, agent, order["id"])) == 1


# --- closed orders, customers -----------------------------------------------------------------

def test_a_closed_order_is_tagged_but_not_otherwise_edited_by_rules(client, agent, make_rule):
    order = WorkOrderFactory(status=Status.RESOLVED)
    order_id = order.id
    make_rule("status_changed", [{"type": "set_priority", "priority": "low"}, {"type": "add_tag", "tag": "done"}],
              [{"field": "to_status", "op": "equals", "value": "closed"}])
    act(client, agent, order_id, "close")
    now = get_order(client, agent, order_id)
    assert (now["status"], now["priority"], now["tags"]) == ("closed", "normal", ["done"])
    [audit] = rule_entries(client, agent, order_id)
    assert audit["skipped"] == [{"type": "set_priority", "code": "order_closed",
                                 "skipped": "the order is closed and can no longer be edited"}]


def test_customers_set_rules_off_but_do_not_see_their_audit(client, agent, as_role, make_rule):
    make_rule("created", [{"type": "add_tag", "tag": "web"}], [{"field": "channel", "op": "equals", "value": "web"}])
    site = SiteFactory()
    user, customer = as_role(Role.CUSTOMER)
    ContactFactory(customer=site.customer, user=user)
    answer = client.post(f"{API}/work-orders", headers=customer, json={
        "work_type": "installation", "title": "Install", "site_id": site.id})
    assert answer.status_code == 201 and answer.json["tags"] == ["web"]
    assert [e["kind"] for e in timeline(client, customer, answer.json["id"])] == ["created", "updated"]
    assert len(rule_entries(client, agent, answer.json["id"])) == 1


def test_the_lead_time_start_rounds_up_to_the_next_whole_minute():
    from automation.engine import _scheduled_start
    from app.workorders.models import WorkOrder
    order = WorkOrder(window_start=None)
    now = datetime(2026, 11, 23, 12, 16, 0, 35370, tzinfo=timezone.utc)
    assert _scheduled_start(order, now, 30) == datetime(2026, 11, 23, 12, 47, tzinfo=timezone.utc)
    exact = datetime(2026, 11, 23, 12, 16, tzinfo=timezone.utc)
    assert _scheduled_start(order, exact, 30) == datetime(2026, 11, 23, 12, 46, tzinfo=timezone.utc)
