"""Fixtures of the automation tests: people, rules and orders made over HTTP."""
from __future__ import annotations

import pytest

from app.auth.models import Role
from tests.automation.helpers import API, RULES
from tests.factories import SiteFactory


@pytest.fixture
def manager(as_role):
    return as_role(Role.MANAGER)[1]


@pytest.fixture
def dispatcher(as_role):
    return as_role(Role.DISPATCHER)[1]


@pytest.fixture
def agent(as_role):
    return as_role(Role.AGENT)[1]


@pytest.fixture
def make_rule(client, manager):
    """make_rule(trigger, actions, conditions=(), **fields) -> the created rule's JSON."""
    counter = iter(range(1, 1000))

    def make(trigger: str, actions: list[dict], conditions: list[dict] = (), **fields) -> dict:
        body = {"name": f"Rule {next(counter)}", "trigger": trigger, "conditions": list(conditions),
                "actions": actions, **fields}
        answer = client.post(RULES, headers=manager, json=body)
        assert answer.status_code == 201, answer.json
        return answer.json
    return make


@pytest.fixture
def make_order(client, agent):
    """make_order(headers=agent, site=None, **fields) -> the created order's JSON."""
    def make(headers=None, site=None, **fields) -> dict:
        site = site or SiteFactory()
        body = {"channel": "phone", "work_type": "installation", "title": "Install a split unit",
                "site_id": site.id, "customer_id": site.customer_id, **fields}
        answer = client.post(f"{API}/work-orders", headers=headers or agent, json=body)
        assert answer.status_code == 201, answer.json
        return answer.json
    return make

