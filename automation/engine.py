"""Running automation rules after an order's event, in the same transaction.

`run_after_event` is registered with `app.workorders.events.after_event`. For an event
that is a trigger (created, status_changed, sla warning or breach, rated) it takes the
active rules of that trigger by position and, for each whose conditions hold, runs its
actions in order, then writes one `rule` event (action `rule_applied`) to the order's
timeline: the audit, with each action's before and after, and each skipped action and
why. A rule with `stop_processing` ends the pass for that event.

One pass per event, and rules never trigger rules — loops are impossible:
- the pass runs with a context flag set; every event written meanwhile (the `updated`
  event of a rule's edit, the `status_changed` of its assignment, the `created` event
  of a follow-up order) finds the flag and starts no pass of its own;
- those events also carry `via_rule` in their payload (assignments `via: "rule:<id>"`),
  and the engine ignores such events and `rule` events wherever they come from;
- so a follow-up order made by a rule does not run `created` rules for itself, and a
  pass does a bounded amount of work: at most every action of every rule once.
Later rules of the same pass do see what earlier ones changed (rules are an ordered
list, like a checklist), but each rule is considered once per event.

Other hooks still follow a rule's changes: its edits are ordinary `updated` events, so
the SLA clocks are recomputed after a rule raises the priority.

An action that cannot be done (the order is no longer new, the engineer lacks a skill,
the order is closed…) is skipped and recorded; it runs in a savepoint, so a refused
action leaves nothing half-done and never fails the user's request. Every action is
planned first (read-only); a dry run stops there.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.db import utcnow
from app.engineers.models import Engineer, Team
from app.errors import DomainError, ValidationFailedError
from app.workorders.assignment import assignment_warnings
from app.workorders.events import record_event
from app.workorders.lifecycle import Action, transition
from app.workorders.models import (EventKind, Priority, Rating, Status, WorkOrder, WorkOrderEvent,
                                   WorkOrderSkill, WorkType)
from app.workorders.numbering import next_work_order_number
from app.workorders.service import CLOSED_STATUSES, MAX_TAGS, update_work_order
from app.workorders.templates import active_template, validate_custom_fields
from automation import conditions as cond
from automation.models import ActionType, AutomationRule, Trigger
from notifications.service import engineer_user, notify, team_lead, users_with_role

_TRIGGER_OF_KIND = {EventKind.CREATED: Trigger.CREATED, EventKind.STATUS_CHANGED: Trigger.STATUS_CHANGED,
                    EventKind.RATED: Trigger.RATED}
SLA_BREACH_THRESHOLD = 100

# Set while a pass runs: events written by its actions start no pass of their own.
_in_pass: ContextVar[bool] = ContextVar("automation_pass", default=False)
_settings = {"timezone": "Asia/Shanghai"}


def configure(*, timezone: str) -> None:
    """The organisation's time zone (for the availability checks of assignments)."""
    ZoneInfo(timezone)
    _settings["timezone"] = timezone


# --- which events run rules -------------------------------------------------------------------

def trigger_of(event: WorkOrderEvent) -> Trigger | None:
    """The trigger an event is, or None for events rules do not follow."""
    if event.kind is EventKind.SLA:
        threshold = (event.payload or {}).get("threshold")
        breach = event.action == "sla_breach" or (
            event.action != "sla_warning" and isinstance(threshold, int) and threshold >= SLA_BREACH_THRESHOLD)
        return Trigger.SLA_BREACH if breach else Trigger.SLA_WARNING
    return _TRIGGER_OF_KIND.get(event.kind)


def made_by_rule(event: WorkOrderEvent) -> bool:
    """Events written by rules (their audit, and the changes they made) trigger nothing."""
    payload = event.payload or {}
    return (event.kind is EventKind.RULE or payload.get("via_rule") is not None
            or str(payload.get("via") or "").startswith("rule:"))


def active_rules(session: Session, trigger: Trigger, *, include_inactive: bool = False) -> list[AutomationRule]:
    query = select(AutomationRule).where(AutomationRule.trigger == trigger)
    if not include_inactive:
        query = query.where(AutomationRule.is_active.is_(True))
    return list(session.scalars(query.order_by(AutomationRule.position, AutomationRule.id)))


def run_after_event(session: Session, order: WorkOrder, event: WorkOrderEvent) -> None:
    """Event hook: run the rules of the event's trigger on the order (see the module's doc)."""
    if _in_pass.get() or made_by_rule(event):
        return
    trigger = trigger_of(event)
    if trigger is None:
        return
    rules = active_rules(session, trigger)
    if not rules:
        return
    token = _in_pass.set(True)
    try:
        facts = {**order_facts(order), **event_facts(session, order, trigger, event)}
        for rule in rules:
            if not cond.all_hold(rule.conditions, facts):
                continue
            done, skipped = _run_actions(session, order, rule, facts, dry=False)
            record_event(session, order=order, kind=EventKind.RULE, actor=None, action="rule_applied", payload={
                "rule_id": rule.id, "rule_name": rule.name, "trigger": trigger.value,
                "trigger_event_id": event.id, "actions": done, "skipped": skipped,
                "stop_processing": rule.stop_processing})
            if rule.stop_processing:
                break
    finally:
        _in_pass.reset(token)


# --- facts ------------------------------------------------------------------------------------

def order_facts(order: WorkOrder) -> dict[str, Any]:
    """What conditions may ask about the order (see `automation.conditions.FIELDS`)."""
    return {
        "priority": order.priority.value, "status": order.status.value, "work_type": order.work_type.value,
        "channel": order.channel.value, "customer_tier": order.customer.tier.value,
        "customer_id": order.customer_id, "site_id": order.site_id, "asset_id": order.asset_id,
        "team_id": order.team_id, "engineer_id": order.scheduled_engineer_id,
        "site_district": order.site.district, "title": order.title, "description": order.description or "",
        "text": f"{order.title}\n{order.description or ''}", "tags": list(order.tags or []),
        "estimated_duration_min": order.estimated_duration_min, "is_follow_up": order.parent_id is not None,
        "custom_fields": dict(order.custom_fields or {}),
        # Not a condition field: lets later actions of a dry run see the skills planned before them.
        "required_skills": {row.skill_code: row.level for row in order.required_skills},
    }


def event_facts(session: Session, order: WorkOrder, trigger: Trigger,
                event: WorkOrderEvent | None) -> dict[str, Any]:
    """What conditions may ask about the triggering event (None: no such event yet)."""
    payload = (event.payload or {}) if event is not None else {}
    if trigger is Trigger.STATUS_CHANGED:
        return {"from_status": event.from_status.value if event is not None and event.from_status else None,
                "to_status": event.to_status.value if event is not None and event.to_status else order.status.value,
                "transition": event.action if event is not None else None, "reason": payload.get("reason")}
    if trigger in (Trigger.SLA_WARNING, Trigger.SLA_BREACH):
        return {"sla_target": payload.get("target"), "sla_threshold": payload.get("threshold")}
    if trigger is Trigger.RATED:
        rating = session.scalar(select(Rating).where(Rating.work_order_id == order.id))
        return {"csat": payload.get("csat", rating.csat if rating else None),
                "nps": payload.get("nps", rating.nps if rating else None),
                "rating_comment": (rating.comment if rating else None) or ""}
    return {}


# --- actions: plan (read-only), then apply ------------------------------------------------------

@dataclass
class Plan:
    """What an action would do: `outcome` for the audit ({type, before, after} or
    {type, skipped}), `apply` the writes (None: nothing to do), `facts` what changes."""
    outcome: dict[str, Any]
    apply: Callable[[], dict[str, Any] | None] | None = None
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    session: Session
    order: WorkOrder
    rule: AutomationRule
    facts: dict[str, Any]
    now: datetime


def _skip(action: Mapping[str, Any], reason: str, code: str | None = None) -> Plan:
    outcome = {"type": action["type"], "skipped": reason}
    if code:
        outcome["code"] = code
    return Plan(outcome)


def _run_actions(session: Session, order: WorkOrder, rule: AutomationRule, facts: dict[str, Any], *,
                 dry: bool) -> tuple[list[dict], list[dict]]:
    """Plan and (unless `dry`) apply each action of `rule`; `facts` follows the changes.
    Answers (done, skipped) outcomes."""
    context = Context(session=session, order=order, rule=rule, facts=facts, now=utcnow())
    done, skipped = [], []
    for action in rule.actions:
        plan = _PLANNERS[ActionType(action["type"])](context, action)
        if plan.apply is not None and not dry:
            try:
                with session.begin_nested():
                    plan.outcome.update(plan.apply() or {})
            except DomainError as error:
                plan = _skip(action, error.message, error.code)
        (skipped if "skipped" in plan.outcome else done).append(plan.outcome)
        facts.update(plan.facts)
    return done, skipped


def _edit(context: Context, changes: dict[str, Any]) -> Callable[[], None]:
    def apply() -> None:
        update_work_order(context.session, order=context.order, actor=None, changes=changes,
                          event_payload={"via_rule": context.rule.id})
    return apply


def _closed(context: Context, action: Mapping[str, Any]) -> Plan | None:
    status = context.facts["status"]
    if Status(status) in CLOSED_STATUSES:
        return _skip(action, f"the order is {status} and can no longer be edited", "order_closed")
    return None


def _plan_set_priority(context: Context, action: Mapping[str, Any]) -> Plan:
    before, after = context.facts["priority"], action["priority"]
    if before == after:
        return _skip(action, f"the priority is {after} already")
    return _closed(context, action) or Plan({"type": action["type"], "before": before, "after": after},
                                            _edit(context, {"priority": Priority(after)}), {"priority": after})


def _plan_set_work_type(context: Context, action: Mapping[str, Any]) -> Plan:
    before, after = context.facts["work_type"], action["work_type"]
    if before == after:
        return _skip(action, f"the work type is {after} already")
    closed = _closed(context, action)
    if closed:
        return closed
    template = active_template(context.session, WorkType(after))
    try:
        validate_custom_fields(template.fields if template else [], context.facts["custom_fields"])
    except ValidationFailedError as error:
        return _skip(action, f"the custom fields do not fit the {after} template: {error.message}", error.code)
    return Plan({"type": action["type"], "before": before, "after": after},
                _edit(context, {"work_type": WorkType(after)}), {"work_type": after})


def _skill_list(levels: Mapping[str, int]) -> list[dict[str, Any]]:
    return [{"skill": code, "level": level} for code, level in sorted(levels.items())]


def _plan_set_skills(context: Context, action: Mapping[str, Any]) -> Plan:
    current = dict(context.facts["required_skills"])
    wanted = {item["skill"]: item["level"] for item in action["skills"]}
    if action.get("mode", "merge") == "replace":
        after = wanted
    else:   # merge: add the skills, raising a lower level to the rule's
        after = {**current, **{code: max(level, current.get(code, 0)) for code, level in wanted.items()}}
    if after == current:
        return _skip(action, "the order requires these skills already")
    return _closed(context, action) or Plan(
        {"type": action["type"], "before": _skill_list(current), "after": _skill_list(after)},
        _edit(context, {"required_skills": after}), {"required_skills": after})


def _plan_assign_team(context: Context, action: Mapping[str, Any]) -> Plan:
    before, after = context.facts["team_id"], action["team_id"]
    if before == after:
        return _skip(action, f"the order is in team {after}'s queue already")
    if context.session.get(Team, after) is None:
        return _skip(action, f"team {after} no longer exists", "not_found")
    return _closed(context, action) or Plan({"type": action["type"], "before": before, "after": after},
                                            _edit(context, {"team_id": after}), {"team_id": after})


def _plan_tags(context: Context, action: Mapping[str, Any]) -> Plan:
    before = list(context.facts["tags"])
    tag = action["tag"]
    if action["type"] == ActionType.ADD_TAG.value:
        if tag in before:
            return _skip(action, f"the order is tagged {tag} already")
        if len(before) >= MAX_TAGS:
            return _skip(action, f"the order has {MAX_TAGS} tags, the most it may have")
        after = before + [tag]
    else:
        if tag not in before:
            return _skip(action, f"the order is not tagged {tag}")
        after = [t for t in before if t != tag]
    # Tags may change on a closed order too: they label it for reports after the fact.
    return Plan({"type": action["type"], "before": before, "after": after},
                _edit(context, {"tags": after}), {"tags": after})


def _scheduled_start(order: WorkOrder, now: datetime, lead_time_min: int) -> datetime:
    """The opening of the customer's window when it is far enough ahead, else the lead
    time from now (to the next whole minute)."""
    moment = now + timedelta(minutes=lead_time_min)
    whole_minute = moment.replace(second=0, microsecond=0)
    earliest = whole_minute if whole_minute == moment else whole_minute + timedelta(minutes=1)
    if order.window_start is not None and order.window_start >= earliest:
        return order.window_start
    return earliest


def _plan_assign_engineer(context: Context, action: Mapping[str, Any]) -> Plan:
    session, order = context.session, context.order
    status = context.facts["status"]
    if status != Status.NEW.value:
        return _skip(action, f"the order is {status}: rules assign only new orders", "invalid_transition")
    engineer = session.get(Engineer, action["engineer_id"])
    if engineer is None or not engineer.is_active:
        return _skip(action, f"engineer {action['engineer_id']} is unknown or inactive", "not_found")
    start = _scheduled_start(order, context.now, action.get("lead_time_min", 60))
    end = start + timedelta(minutes=order.estimated_duration_min)
    blocking = [w for w in assignment_warnings(session, order=order, engineer=engineer, start=start, end=end,
                                               zone=ZoneInfo(_settings["timezone"])) if w.blocking]
    if blocking:
        return _skip(action, f"engineer {engineer.id} cannot take it: {blocking[0].message}", blocking[0].code)

    def apply() -> None:
        transition(session, order=order, action=Action.ASSIGN, actor=None, via=f"rule:{context.rule.id}",
                   engineer_id=engineer.id, scheduled_start=start, scheduled_end=end,
                   timezone=_settings["timezone"])

    return Plan({"type": action["type"], "before": {"engineer_id": context.facts["engineer_id"], "status": status},
                 "after": {"engineer_id": engineer.id, "status": Status.ASSIGNED.value,
                           "scheduled_start": start.isoformat()}},
                apply, {"engineer_id": engineer.id, "status": Status.ASSIGNED.value})


RECIPIENTS = ("assigned_engineer", "team_lead", "dispatchers", "managers", "users")


def _recipients(context: Context, action: Mapping[str, Any]) -> tuple[list[User], list[str]]:
    """The users to tell, and the recipients that named nobody (e.g. no engineer yet)."""
    session = context.session
    users: list[User] = []
    nobody = []
    for to in action["to"]:
        found: list[User] = []
        if to in ("assigned_engineer", "team_lead"):
            one = (engineer_user(session, context.facts["engineer_id"]) if to == "assigned_engineer"
                   else team_lead(session, context.facts["team_id"]))
            found = [one] if one is not None else []
        elif to == "dispatchers":
            found = users_with_role(session, Role.DISPATCHER)
        elif to == "managers":
            found = users_with_role(session, Role.MANAGER)
        elif to == "users":
            found = list(session.scalars(select(User).where(User.id.in_(action.get("user_ids") or []))
                                         .order_by(User.id)))
        found = [user for user in found if user.is_active]
        if not found:
            nobody.append(to)
        users += found
    return list({user.id: user for user in users}.values()), nobody


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill `{name}` placeholders from `values`; unknown ones stay as written (no
    str.format: a rule's text must not reach attributes of the values)."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


def _template_values(context: Context) -> dict[str, Any]:
    order = context.order
    return {"number": order.number, "title": order.title, "priority": context.facts["priority"],
            "status": context.facts["status"], "work_type": context.facts["work_type"],
            "customer": order.customer.name, "rule": context.rule.name}


def _plan_notify(context: Context, action: Mapping[str, Any]) -> Plan:
    users, nobody = _recipients(context, action)
    if not users:
        return _skip(action, "nobody to notify (" + ", ".join(nobody) + " named no active user)")
    values = _template_values(context)
    if action.get("title"):
        title = (render(action["title"], values),) * 2
    else:
        title = (f"自动化规则「{context.rule.name}」：工单 {context.order.number}",
                 f"Automation rule \"{context.rule.name}\": {context.order.number}")
    body = (render(action["message"], values),) * 2 if action.get("message") else (context.order.title,) * 2
    outcome = {"type": action["type"], "to": list(action["to"]), "user_ids": [user.id for user in users],
               "title": title[1]}
    if nobody:
        outcome["nobody_for"] = nobody

    def apply() -> None:
        notify(context.session, users, kind="rule", title=title, body=body, work_order_id=context.order.id,
               payload={"rule_id": context.rule.id, "rule_name": context.rule.name})

    return Plan(outcome, apply)


def _plan_create_follow_up(context: Context, action: Mapping[str, Any]) -> Plan:
    session, parent = context.session, context.order
    work_type = WorkType(action.get("work_type") or context.facts["work_type"])
    priority = Priority(action.get("priority") or context.facts["priority"])
    template = active_template(session, work_type)
    values = parent.custom_fields if work_type is parent.work_type else {}
    try:
        custom_fields = validate_custom_fields(template.fields if template else [], values or {})
    except ValidationFailedError as error:
        return _skip(action, f"the follow-up's custom fields do not fit the {work_type.value} template: "
                             f"{error.message}", error.code)
    template_values = _template_values(context)
    title = render(action["title"], template_values)[:200]
    description = render(action.get("description") or "", template_values)
    copy_asset = action.get("copy_asset", True)
    outcome = {"type": action["type"], "title": title, "work_type": work_type.value, "priority": priority.value}

    def apply() -> dict[str, Any]:
        now = utcnow()
        child = WorkOrder(number=next_work_order_number(session, at=now), channel=parent.channel,
                          work_type=work_type, priority=priority, status=Status.NEW, title=title,
                          description=description, customer_id=parent.customer_id, site_id=parent.site_id,
                          asset_id=parent.asset_id if copy_asset else None, parent_id=parent.id,
                          team_id=parent.team_id, template_id=template.id if template else None,
                          custom_fields=custom_fields, estimated_duration_min=parent.estimated_duration_min)
        if action.get("copy_skills", True):
            child.required_skills = [WorkOrderSkill(skill_code=row.skill_code, level=row.level)
                                     for row in parent.required_skills]
        session.add(child)
        session.flush()
        record_event(session, order=child, kind=EventKind.CREATED, actor=None, payload={
            "channel": child.channel.value, "priority": priority.value, "parent_id": parent.id,
            "via_rule": context.rule.id})
        return {"work_order_id": child.id, "number": child.number}

    return Plan(outcome, apply)


_PLANNERS: dict[ActionType, Callable[[Context, Mapping[str, Any]], Plan]] = {
    ActionType.SET_PRIORITY: _plan_set_priority,
    ActionType.SET_WORK_TYPE: _plan_set_work_type,
    ActionType.SET_SKILLS: _plan_set_skills,
    ActionType.ASSIGN_TEAM: _plan_assign_team,
    ActionType.ASSIGN_ENGINEER: _plan_assign_engineer,
    ActionType.ADD_TAG: _plan_tags,
    ActionType.REMOVE_TAG: _plan_tags,
    ActionType.NOTIFY: _plan_notify,
    ActionType.CREATE_FOLLOW_UP: _plan_create_follow_up,
}
assert set(_PLANNERS) == set(ActionType)


# --- dry run ----------------------------------------------------------------------------------

@dataclass
class RuleVerdict:
    rule: AutomationRule
    reached: bool                       # False: an earlier rule stopped processing
    fires: bool
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    skipped: list[dict[str, Any]]


def dry_run(session: Session, *, order: WorkOrder, trigger: Trigger, event_overrides: Mapping[str, Any],
            include_inactive: bool = False) -> tuple[dict[str, Any], list[RuleVerdict]]:
    """Which rules would fire for `trigger` on the order now and what they would do,
    changing nothing. Facts of the event not given in `event_overrides` come from the
    order's latest event of that kind (or its rating), if any. Answers (the facts before
    any rule, verdicts)."""
    facts = {**order_facts(order), **event_facts(session, order, trigger, _latest_event(session, order, trigger)),
             **event_overrides}
    before = dict(facts)    # the actions' planned changes update `facts` as the pass goes
    verdicts = []
    reached = True
    for rule in active_rules(session, trigger, include_inactive=include_inactive):
        checked = [{**c, "actual": _shown(cond.fact(facts, c["field"])), "holds": cond.holds(c, facts)}
                   for c in rule.conditions]
        fires = reached and all(c["holds"] for c in checked)
        done, skipped = _run_actions(session, order, rule, facts, dry=True) if fires else ([], [])
        verdicts.append(RuleVerdict(rule=rule, reached=reached, fires=fires, conditions=checked, actions=done,
                                    skipped=skipped))
        if fires and rule.stop_processing:
            reached = False
    return before, verdicts


def _shown(value: Any) -> Any:
    return None if value is cond.MISSING else value


def _latest_event(session: Session, order: WorkOrder, trigger: Trigger) -> WorkOrderEvent | None:
    kinds = {Trigger.CREATED: EventKind.CREATED, Trigger.STATUS_CHANGED: EventKind.STATUS_CHANGED,
             Trigger.RATED: EventKind.RATED, Trigger.SLA_WARNING: EventKind.SLA, Trigger.SLA_BREACH: EventKind.SLA}
    query = select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id,
                                         WorkOrderEvent.kind == kinds[trigger])
    if trigger in (Trigger.SLA_WARNING, Trigger.SLA_BREACH):
        query = query.where(WorkOrderEvent.action == trigger.value)
    return session.scalar(query.order_by(WorkOrderEvent.server_time.desc(), WorkOrderEvent.id.desc()).limit(1))
