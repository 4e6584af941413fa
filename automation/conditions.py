"""The condition vocabulary of automation rules, and their evaluation (pure).

A condition is ``{"field": "priority", "op": "in", "value": ["high", "urgent"]}``. The
fields are facts about the order (any trigger) or about the event that triggered the
rule (only for that trigger); `custom_fields.<key>` reads a custom field. Which
operators a field takes depends on its kind:

- choice (priority, status, work_type, channel, customer_tier, from_status, to_status,
  transition, reason, sla_target): equals, not_equals, in, not_in;
- id (customer_id, site_id, asset_id, team_id, engineer_id): those and is_set, is_not_set;
- number (estimated_duration_min, sla_threshold, csat, nps): equals, not_equals, in, not_in,
  gt, gte, lt, lte, is_set, is_not_set;
- text (title, description, text = title + description, site_district, rating_comment):
  equals, not_equals, in, not_in, contains, not_contains, keywords, is_set, is_not_set;
- tags: contains, not_contains, is_set, is_not_set;
- boolean (is_follow_up): equals;
- custom (custom_fields.<key>): any of the above, by the value's type.

Text comparisons ignore case. `keywords` holds when any of the words occurs in the text
as a substring — Chinese has no spaces between words, so 漏水 matches 空调漏水严重.
A missing fact (no such custom field, no NPS given) fails every operator except
`not_equals`, `not_in`, `not_contains` and `is_not_set`.

`check_condition` says what is wrong with a condition (for the API's 422);
`holds` / `all_hold` evaluate conditions against a dict of facts.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.customers.models import CustomerTier
from app.workorders.lifecycle import CANCEL_REASONS, DECLINE_REASONS, HOLD_REASONS, Action
from app.workorders.models import Channel, Priority, Status, WorkType
from app.workorders.service import TAG_PATTERN
from app.workorders.templates import KEY_PATTERN
from automation.models import Trigger
from sla.clock import TargetKind

CUSTOM_PREFIX = "custom_fields."
MAX_LIST = 100
MAX_TEXT = 500


class Kind(str, enum.Enum):
    CHOICE = "choice"
    ID = "id"
    NUMBER = "number"
    TEXT = "text"
    TAGS = "tags"
    BOOLEAN = "boolean"
    CUSTOM = "custom"


@dataclass(frozen=True)
class FieldSpec:
    kind: Kind
    description: str
    choices: tuple[str, ...] = ()
    # The triggers whose events carry this fact; None: a fact of the order, always there.
    triggers: frozenset[Trigger] | None = None
    # What an id refers to ("team", "engineer", "customer", "site"), checked when a rule is saved.
    refers_to: str | None = None


def _values(*enums: Iterable[enum.Enum]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(member.value for members in enums for member in members))


_STATUS_CHANGED = frozenset({Trigger.STATUS_CHANGED})
_SLA = frozenset({Trigger.SLA_WARNING, Trigger.SLA_BREACH})
_RATED = frozenset({Trigger.RATED})

FIELDS: dict[str, FieldSpec] = {
    "priority": FieldSpec(Kind.CHOICE, "The order's priority", _values(Priority)),
    "status": FieldSpec(Kind.CHOICE, "The order's status", _values(Status)),
    "work_type": FieldSpec(Kind.CHOICE, "The order's work type", _values(WorkType)),
    "channel": FieldSpec(Kind.CHOICE, "How the request came in", _values(Channel)),
    "customer_tier": FieldSpec(Kind.CHOICE, "The customer's tier", _values(CustomerTier)),
    "customer_id": FieldSpec(Kind.ID, "The customer", refers_to="customer"),
    "site_id": FieldSpec(Kind.ID, "The site", refers_to="site"),
    "asset_id": FieldSpec(Kind.ID, "The asset (may be unset)"),
    "team_id": FieldSpec(Kind.ID, "The team whose queue the order is in (may be unset)", refers_to="team"),
    "engineer_id": FieldSpec(Kind.ID, "The scheduled engineer (may be unset)", refers_to="engineer"),
    "site_district": FieldSpec(Kind.TEXT, "The site's district, e.g. Pudong"),
    "title": FieldSpec(Kind.TEXT, "The order's title"),
    "description": FieldSpec(Kind.TEXT, "The order's description"),
    "text": FieldSpec(Kind.TEXT, "Title and description together (for keywords)"),
    "tags": FieldSpec(Kind.TAGS, "The order's tags"),
    "estimated_duration_min": FieldSpec(Kind.NUMBER, "Estimated duration in minutes"),
    "is_follow_up": FieldSpec(Kind.BOOLEAN, "The order has a parent order"),
    "from_status": FieldSpec(Kind.CHOICE, "Status before the change", _values(Status), _STATUS_CHANGED),
    "to_status": FieldSpec(Kind.CHOICE, "Status after the change", _values(Status), _STATUS_CHANGED),
    "transition": FieldSpec(Kind.CHOICE, "The lifecycle action (assign, decline, hold…)", _values(Action),
                            _STATUS_CHANGED),
    "reason": FieldSpec(Kind.CHOICE, "The reason given to hold, decline or cancel",
                        tuple(dict.fromkeys(HOLD_REASONS + DECLINE_REASONS + CANCEL_REASONS)), _STATUS_CHANGED),
    "sla_target": FieldSpec(Kind.CHOICE, "The SLA target that reached a threshold", _values(TargetKind), _SLA),
    "sla_threshold": FieldSpec(Kind.NUMBER, "Percent of the target reached (100: the deadline)", triggers=_SLA),
    "csat": FieldSpec(Kind.NUMBER, "Customer satisfaction 1–5", triggers=_RATED),
    "nps": FieldSpec(Kind.NUMBER, "Likelihood to recommend 0–10 (may be unset)", triggers=_RATED),
    "rating_comment": FieldSpec(Kind.TEXT, "The customer's comment (may be empty)", triggers=_RATED),
}
CUSTOM_FIELD = FieldSpec(Kind.CUSTOM, "A custom field of the order's template")

_SET_OPS = frozenset({"is_set", "is_not_set"})
_LIST_OPS = frozenset({"in", "not_in"})
_ORDER_OPS = frozenset({"gt", "gte", "lt", "lte"})
OPERATORS: dict[Kind, frozenset[str]] = {
    Kind.CHOICE: frozenset({"equals", "not_equals"}) | _LIST_OPS,
    Kind.ID: frozenset({"equals", "not_equals"}) | _LIST_OPS | _SET_OPS,
    Kind.NUMBER: frozenset({"equals", "not_equals"}) | _LIST_OPS | _ORDER_OPS | _SET_OPS,
    Kind.TEXT: frozenset({"equals", "not_equals", "contains", "not_contains", "keywords"}) | _LIST_OPS | _SET_OPS,
    Kind.TAGS: frozenset({"contains", "not_contains"}) | _SET_OPS,
    Kind.BOOLEAN: frozenset({"equals"}),
}
OPERATORS[Kind.CUSTOM] = frozenset().union(*OPERATORS.values())
ALL_OPERATORS = OPERATORS[Kind.CUSTOM]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


# --- checking ---------------------------------------------------------------------------------

def field_spec(field: str) -> FieldSpec | None:
    """The spec of a field name, custom fields included; None when unknown."""
    if field.startswith(CUSTOM_PREFIX):
        return CUSTOM_FIELD if KEY_PATTERN.match(field[len(CUSTOM_PREFIX):]) else None
    return FIELDS.get(field)


def check_condition(condition: Mapping[str, Any], trigger: Trigger | None = None) -> dict[str, list[str]]:
    """What is wrong with one condition, by key (`field`, `op`, `value`); empty when
    nothing is. With `trigger`, fields of other triggers' events are refused too."""
    field, op = condition.get("field"), condition.get("op")
    spec = field_spec(field) if isinstance(field, str) else None
    if spec is None:
        return {"field": [f"unknown field {field!r}; use one of {', '.join(FIELDS)} or custom_fields.<key>"]}
    if trigger is not None and spec.triggers is not None and trigger not in spec.triggers:
        return {"field": [f"{field!r} is only known for {' and '.join(sorted(t.value for t in spec.triggers))} "
                          f"rules, not {trigger.value}"]}
    if op not in OPERATORS[spec.kind]:
        return {"op": [f"{op!r} does not apply to {field!r} ({spec.kind.value}); "
                       f"use one of {', '.join(sorted(OPERATORS[spec.kind]))}"]}
    problem = _value_problem(field, spec, op, condition.get("value", MISSING))
    return {"value": [problem]} if problem else {}


def _value_problem(field: str, spec: FieldSpec, op: str, value: Any) -> str | None:
    if op in _SET_OPS:
        return None if value is MISSING or value is None else f"{op} takes no value"
    if value is MISSING:
        return f"{op} needs a value"
    if op in _LIST_OPS or op == "keywords":
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_LIST:
            return f"{op} takes a list of 1 to {MAX_LIST} values"
        if op == "keywords":
            if not all(isinstance(v, str) and v.strip() and len(v) <= 100 for v in value):
                return "keywords are non-empty strings of at most 100 characters"
            return None
        problems = [p for p in (_scalar_problem(field, spec, v) for v in value) if p]
        return problems[0] if problems else None
    if op in _ORDER_OPS:
        return None if _is_number(value) else f"{op} compares with a number"
    if op in ("contains", "not_contains"):
        if spec.kind is Kind.TAGS:
            return None if isinstance(value, str) and re.match(TAG_PATTERN, value) else f"{value!r} is not a tag"
        if spec.kind is Kind.CUSTOM and (_is_number(value) or isinstance(value, bool)):
            return None
        return None if isinstance(value, str) and value and len(value) <= MAX_TEXT else \
            f"{op} takes a non-empty string"
    return _scalar_problem(field, spec, value)


def _scalar_problem(field: str, spec: FieldSpec, value: Any) -> str | None:
    if spec.kind is Kind.CHOICE:
        if value not in spec.choices:
            return f"unknown {field} {value!r}; one of {', '.join(spec.choices)}"
    elif spec.kind is Kind.ID:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"{value!r} is not an id"
    elif spec.kind is Kind.NUMBER:
        if not _is_number(value):
            return f"{value!r} is not a number"
    elif spec.kind is Kind.TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            return f"{value!r} is not a string of at most {MAX_TEXT} characters"
    elif spec.kind is Kind.BOOLEAN:
        if not isinstance(value, bool):
            return f"{value!r} is not true or false"
    elif spec.kind is Kind.CUSTOM:
        if not isinstance(value, (str, int, float, bool)) or (isinstance(value, str) and len(value) > MAX_TEXT):
            return f"{value!r} is not a string, number or boolean"
    return None


def check_conditions(conditions: Sequence[Mapping[str, Any]], trigger: Trigger) -> dict[int, dict[str, list[str]]]:
    """The problems of each condition, by index (empty when all are well)."""
    errors = {}
    for index, condition in enumerate(conditions):
        problems = check_condition(condition, trigger)
        if problems:
            errors[index] = problems
    return errors


def referenced_ids(conditions: Sequence[Mapping[str, Any]]) -> list[tuple[int, str, int]]:
    """(condition index, what, id) for every id a condition compares with."""
    found = []
    for index, condition in enumerate(conditions):
        spec = field_spec(condition.get("field", ""))
        if spec is None or spec.refers_to is None or condition.get("op") in _SET_OPS:
            continue
        value = condition.get("value")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int):
                found.append((index, spec.refers_to, item))
    return found


# --- evaluating -------------------------------------------------------------------------------

def fact(facts: Mapping[str, Any], field: str) -> Any:
    """The value of `field` among `facts` (custom fields under facts["custom_fields"])."""
    if field.startswith(CUSTOM_PREFIX):
        return (facts.get("custom_fields") or {}).get(field[len(CUSTOM_PREFIX):], MISSING)
    return facts.get(field, MISSING)


def holds(condition: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether one (valid) condition holds for these facts."""
    op, value = condition["op"], condition.get("value")
    actual = fact(facts, condition["field"])
    negated = {"not_equals": "equals", "not_in": "in", "not_contains": "contains", "is_not_set": "is_set"}
    if op in negated:
        return not holds({**condition, "op": negated[op]}, facts)
    if op == "is_set":
        return actual is not MISSING and actual not in (None, "", [], {})
    if actual is MISSING or actual is None:
        return False
    if op == "equals":
        return _same(actual, value)
    if op == "in":
        return any(_same(actual, item) for item in value)
    if op in _ORDER_OPS:
        if not _is_number(actual):
            return False
        return {"gt": actual > value, "gte": actual >= value, "lt": actual < value, "lte": actual <= value}[op]
    if op == "contains":
        if isinstance(actual, list):
            return any(_same(item, value) for item in actual)
        return isinstance(actual, str) and isinstance(value, str) and value.casefold() in actual.casefold()
    if op == "keywords":
        text = actual.casefold() if isinstance(actual, str) else ""
        return any(word.strip().casefold() in text for word in value)
    raise ValueError(f"unknown operator {op!r}")


def all_hold(conditions: Sequence[Mapping[str, Any]], facts: Mapping[str, Any]) -> bool:
    """Whether every condition holds (an empty list always does)."""
    return all(holds(condition, facts) for condition in conditions)


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.casefold() == expected.casefold()
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    return actual == expected


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
