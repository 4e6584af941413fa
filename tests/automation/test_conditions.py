"""The condition vocabulary, evaluated without a database."""
from __future__ import annotations

import pytest

from automation.conditions import all_hold, check_condition, holds
from automation.models import Trigger

FACTS = {"priority": "high", "text": "机房空调漏水\nCustomer is ANGRY", "tags": ["vip", "warranty"],
         "team_id": None, "csat": 2, "nps": None, "site_district": "Pudong",
         "custom_fields": {"floor": 12, "areas": ["lobby", "office"], "remarks": "Back door code 1234"}}


@pytest.mark.parametrize("field, op, value, expected", [
    ("priority", "equals", "high", True),
    ("priority", "not_equals", "high", False),
    ("priority", "in", ["urgent", "high"], True),
    ("priority", "not_in", ["urgent", "high"], False),
    ("text", "keywords", ["漏水"], True),
    ("text", "keywords", ["angry", "upset"], True),
    ("text", "keywords", ["噪音", "noise"], False),
    ("text", "contains", "customer is", True),
    ("site_district", "equals", "PUDONG", True),
    ("tags", "contains", "vip", True),
    ("tags", "not_contains", "vip", False),
    ("tags", "is_set", None, True),
    ("team_id", "is_set", None, False),
    ("team_id", "is_not_set", None, True),
    ("team_id", "equals", 3, False),
    ("team_id", "not_equals", 3, True),
    ("csat", "lte", 2, True),
    ("csat", "lt", 2, False),
    ("nps", "lte", 6, False),            # no NPS given: not a detractor, not anything
    ("nps", "is_not_set", None, True),
    ("custom_fields.floor", "gte", 10, True),
    ("custom_fields.floor", "equals", 12, True),
    ("custom_fields.areas", "contains", "lobby", True),
    ("custom_fields.remarks", "keywords", ["DOOR"], True),
    ("custom_fields.missing", "equals", "x", False),
    ("custom_fields.missing", "not_equals", "x", True),
    ("custom_fields.missing", "gt", 1, False),
    ("custom_fields.remarks", "gt", 1, False),  # not a number: no comparison holds
])
def test_operators(field, op, value, expected):
    condition = {"field": field, "op": op} | ({} if value is None else {"value": value})
    assert check_condition(condition, Trigger.RATED) == {}
    assert holds(condition, FACTS) is expected


def test_all_conditions_must_hold_and_none_always_holds():
    assert all_hold([], FACTS)
    assert all_hold([{"field": "priority", "op": "equals", "value": "high"},
                     {"field": "tags", "op": "contains", "value": "vip"}], FACTS)
    assert not all_hold([{"field": "priority", "op": "equals", "value": "high"},
                         {"field": "tags", "op": "contains", "value": "gold"}], FACTS)


@pytest.mark.parametrize("condition, trigger, problem", [
    ({"field": "csat", "op": "lte", "value": 2}, Trigger.CREATED, "field"),
    ({"field": "priority", "op": "keywords", "value": ["x"]}, None, "op"),
    ({"field": "priority", "op": "equals"}, None, "value"),
    ({"field": "team_id", "op": "in", "value": []}, None, "value"),
    ({"field": "team_id", "op": "equals", "value": True}, None, "value"),
    ({"field": "is_follow_up", "op": "equals", "value": "yes"}, None, "value"),
    ({"field": "csat", "op": "gte", "value": "4"}, None, "value"),
    ({"field": "custom_fields.", "op": "equals", "value": 1}, None, "field"),
    ({"field": "custom_fields.x", "op": "equals", "value": {"a": 1}}, None, "value"),
])
def test_checking_names_what_is_wrong(condition, trigger, problem):
    assert list(check_condition(condition, trigger)) == [problem]
