"""The warehouse desk page: signed-in warehouse staff, managers and admins only."""
from __future__ import annotations

import json
import re

import pytest

from app.auth.models import Role
from tests import factories
from tests.consoles.conftest import sign_in

PAGE = "/console/warehouse"


def test_without_a_session_the_desk_sends_to_sign_in(client):
    answer = client.get(PAGE)
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/sign-in?next=/console/warehouse"


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER])
def test_other_roles_get_the_403_page(client, role):
    sign_in(client, factories.UserFactory(role=role))
    answer = client.get(PAGE, headers={"Accept-Language": "en"})
    assert answer.status_code == 403 and "Not for your role" in answer.text


@pytest.mark.parametrize("role", [Role.WAREHOUSE, Role.MANAGER, Role.ADMIN])
def test_the_desk_for_its_roles_in_both_languages(client, role):
    sign_in(client, factories.UserFactory(role=role))
    english = client.get(PAGE, headers={"Accept-Language": "en"})
    assert english.status_code == 200
    for text in ("Warehouse desk", "Part requests", "Receive returns", "Stock by location", "Stock count",
                 "js/warehouse.js", 'id="js-messages"'):
        assert text in english.text
    assert 'href="/console/warehouse" aria-current="page"' in english.text
    chinese = client.get(PAGE, headers={"Accept-Language": "zh-CN"})
    assert "仓库工作台" in chinese.text
    # The JS's texts come along, translated.
    messages = json.loads(re.search(r'id="js-messages">(.*?)</script>', chinese.text, re.S).group(1))
    assert messages["issue"] == "拣货发出" and messages["error.insufficient_stock"] == "该处可用库存不足。"


def test_a_warehouse_user_lands_on_the_desk(client):
    sign_in(client, factories.UserFactory(role=Role.WAREHOUSE))
    assert client.get("/console/").headers["Location"] == PAGE
