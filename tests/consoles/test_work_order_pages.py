"""The agents' work-order pages: who may open them, and the shells they render (the
data comes from the API, whose own tests cover it)."""
from __future__ import annotations

import json
import re

import pytest

from app.auth.models import Role
from tests.consoles.conftest import sign_in_as

PAGES = ("/console/work-orders", "/console/work-orders/new", "/console/work-orders/42")


def page_data(page) -> dict:
    found = re.search(r'<script type="application/json" id="wo-data">(.*?)</script>', page.text, re.S)
    return json.loads(found.group(1))


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_need_a_session(client, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/console/sign-in?next=" + path)


@pytest.mark.parametrize("path", PAGES)
def test_the_warehouse_gets_the_403_page(client, path):
    sign_in_as(client, Role.WAREHOUSE)
    answer = client.get(path, headers={"Accept-Language": "en"})
    assert answer.status_code == 403 and "Not for your role" in answer.text


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER, Role.MANAGER, Role.ADMIN])
def test_back_office_roles_open_every_page(client, role):
    sign_in_as(client, role)
    listing = client.get("/console/work-orders", headers={"Accept-Language": "en"})
    assert listing.status_code == 200
    assert 'id="orders"' in listing.text and 'id="filters"' in listing.text
    assert "js/work-orders-list.js" in listing.text
    assert page_data(listing)["role"] == role.value
    new = client.get("/console/work-orders/new", headers={"Accept-Language": "en"})
    assert new.status_code == 200 and 'id="new-order"' in new.text and "js/work-orders-new.js" in new.text
    detail = client.get("/console/work-orders/42", headers={"Accept-Language": "en"})
    assert detail.status_code == 200 and page_data(detail)["order_id"] == 42
    assert "/vendor/leaflet/dist/leaflet.js" in detail.text and "js/work-orders-detail.js" in detail.text


def test_the_menu_leads_agents_to_the_work_orders(client):
    sign_in_as(client, Role.AGENT)
    home = client.get("/console/")
    assert home.status_code == 302 and home.headers["Location"] == "/console/work-orders"


def test_labels_come_in_the_pages_language(client):
    sign_in_as(client, Role.AGENT)
    chinese = client.get("/console/work-orders", headers={"Accept-Language": "zh-CN"})
    labels = page_data(chinese)["enumerations"]
    assert labels["statuses"]["on_hold"] == "挂起" and labels["priorities"]["urgent"] == "紧急"
    assert labels["sla_states"]["overdue"] == "已超时"
    messages = json.loads(re.search(r'id="js-messages">(.*?)</script>', chinese.text, re.S).group(1))
    assert messages["rating_form_title"] == "记录电话回访评价"
    english = client.get("/console/work-orders", headers={"Accept-Language": "en"})
    assert page_data(english)["enumerations"]["statuses"]["on_hold"] == "On hold"
    assert page_data(english)["enumerations"]["hold_reasons"][0] == "waiting_parts"
