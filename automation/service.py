"""Keeping automation rules: create, change, reorder, delete (flush only).

The API's schemas check each condition and action on its own; here the rule is checked
as a whole (conditions against its trigger, also after a change of trigger) and against
the database (teams, engineers, skills, users, customers and sites it names).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.customers.models import Customer, Site
from app.engineers.models import Engineer, Skill, Team
from app.errors import ConflictError, NotFoundError, ValidationFailedError
from automation import conditions as cond
from automation.models import ActionType, AutomationRule, Trigger

RULE_FIELDS = frozenset({"name", "description", "position", "is_active", "trigger", "conditions", "actions",
                         "stop_processing"})
POSITION_STEP = 10
_MODELS = {"team": Team, "engineer": Engineer, "customer": Customer, "site": Site, "user": User}


def rule_query(*, trigger: Trigger | None = None, active: bool | None = None) -> Select:
    """Rules in the order they run: by trigger, then position, then id."""
    query = select(AutomationRule).order_by(AutomationRule.trigger, AutomationRule.position, AutomationRule.id)
    if trigger is not None:
        query = query.where(AutomationRule.trigger == trigger)
    if active is not None:
        query = query.where(AutomationRule.is_active.is_(active))
    return query


def get_rule(session: Session, rule_id: int) -> AutomationRule:
    """The rule with this id. Raises NotFoundError."""
    rule = session.get(AutomationRule, rule_id)
    if rule is None:
        raise NotFoundError(f"Automation rule {rule_id} not found", rule_id=rule_id)
    return rule


def save_rule(session: Session, rule: AutomationRule | None = None, *, actor: User,
              **fields: Any) -> AutomationRule:
    """Create (rule None) or change a rule; fields not given keep their value.

    Raises ConflictError (name taken) and ValidationFailedError (a condition that does
    not fit the trigger, an unknown or inactive team, engineer, skill or user, an
    unknown customer or site), naming the offending item, e.g.
    ``{"actions": {"1": {"team_id": ["no team 99"]}}}``."""
    unexpected = set(fields) - RULE_FIELDS
    if unexpected:
        raise TypeError(f"not rule fields: {sorted(unexpected)}")
    name = fields.get("name")
    if name is not None and session.scalar(select(AutomationRule.id).where(
            AutomationRule.name == name, AutomationRule.id != (rule.id if rule else -1))) is not None:
        raise ConflictError(f"A rule named {name!r} exists", errors={"name": ["already taken"]})
    trigger = Trigger(fields.get("trigger") or rule.trigger)
    conditions = fields["conditions"] if "conditions" in fields else rule.conditions
    actions = fields["actions"] if "actions" in fields else rule.actions
    problems = cond.check_conditions(conditions, trigger)
    if problems:
        first = next(iter(problems.items()))
        raise ValidationFailedError(
            f"conditions[{first[0]}]: " + "; ".join(m for ms in first[1].values() for m in ms),
            errors={"conditions": {str(i): p for i, p in problems.items()}})
    _check_references(session, conditions, actions)

    if rule is None:
        rule = AutomationRule(created_by_id=actor.id)
        session.add(rule)
    for field, value in fields.items():
        setattr(rule, field, value)
    rule.updated_by_id = actor.id
    session.flush()
    return rule


def _check_references(session: Session, conditions: Sequence[Mapping[str, Any]],
                      actions: Sequence[Mapping[str, Any]]) -> None:
    """Every id and skill code a rule names must exist (engineers and users active)."""
    wanted: list[tuple[str, str, str, Any]] = []   # (list, index, key, (what, id or code))
    for index, what, ident in cond.referenced_ids(conditions):
        wanted.append(("conditions", str(index), "value", (what, ident)))
    for index, action in enumerate(actions):
        kind = ActionType(action["type"])
        if kind is ActionType.ASSIGN_TEAM:
            wanted.append(("actions", str(index), "team_id", ("team", action["team_id"])))
        elif kind is ActionType.ASSIGN_ENGINEER:
            wanted.append(("actions", str(index), "engineer_id", ("engineer", action["engineer_id"])))
        elif kind is ActionType.NOTIFY:
            wanted += [("actions", str(index), "user_ids", ("user", ident)) for ident in action.get("user_ids") or []]
        elif kind is ActionType.SET_SKILLS:
            wanted += [("actions", str(index), "skills", ("skill", item["skill"])) for item in action["skills"]]

    errors: dict[str, dict[str, dict[str, list[str]]]] = {}
    messages = []
    for where, index, key, (what, ident) in wanted:
        problem = _reference_problem(session, what, ident)
        if problem:
            errors.setdefault(where, {}).setdefault(index, {}).setdefault(key, []).append(problem)
            messages.append(f"{where}[{index}]: {problem}")
    if errors:
        raise ValidationFailedError("; ".join(messages), errors=errors)


def _reference_problem(session: Session, what: str, ident: Any) -> str | None:
    if what == "skill":
        return None if session.get(Skill, ident) is not None else f"skill {ident!r} is not in the catalogue"
    row = session.get(_MODELS[what], ident)
    if row is None:
        return f"no {what} {ident}"
    if what in ("engineer", "user") and not row.is_active:
        return f"{what} {ident} is inactive"
    return None


def delete_rule(session: Session, rule: AutomationRule) -> None:
    """Remove a rule. Its audit entries stay in the timelines (they carry its id and name)."""
    session.delete(rule)
    session.flush()


def reorder(session: Session, *, trigger: Trigger, rule_ids: Sequence[int]) -> list[AutomationRule]:
    """Put the rules of `trigger` in the order of `rule_ids` (positions 10, 20, …); the
    list names each rule of that trigger once. Raises ValidationFailedError."""
    rules = {rule.id: rule for rule in session.scalars(
        select(AutomationRule).where(AutomationRule.trigger == trigger).with_for_update())}
    missing, foreign = sorted(set(rules) - set(rule_ids)), sorted(set(rule_ids) - set(rules))
    if missing or foreign or len(set(rule_ids)) != len(rule_ids):
        problems = ([f"rule {i} is not a {trigger.value} rule" for i in foreign]
                    + [f"rule {i} is missing" for i in missing]
                    + (["each rule may appear once"] if len(set(rule_ids)) != len(rule_ids) else []))
        raise ValidationFailedError(f"List every {trigger.value} rule once: " + "; ".join(problems),
                                    errors={"rule_ids": problems})
    for place, rule_id in enumerate(rule_ids, start=1):
        rules[rule_id].position = place * POSITION_STEP
    session.flush()
    return [rules[rule_id] for rule_id in rule_ids]
