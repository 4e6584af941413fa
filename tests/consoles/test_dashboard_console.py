"""The manager's dashboard page: managers, admins and dispatchers only."""
from __future__ import annotations

import json
import re

import pytest

from app.auth.models import Role
from tests import factories
from tests.consoles.conftest import sign_in

PAGE = "/console/dashboard"


def test_without_a_session_the_dashboard_sends_to_sign_in(client):
    answer = client.get(PAGE)
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/sign-in?next=/console/dashboard"


@pytest.mark.parametrize("role", [Role.AGENT, Role.WAREHOUSE])
def test_other_roles_get_the_403_page(client, role):
    sign_in(client, factories.UserFactory(role=role))
    answer = client.get(PAGE, headers={"Accept-Language": "en"})
    assert answer.status_code == 403 and "Not for your role" in answer.text


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN, Role.DISPATCHER])
def test_the_dashboard_for_its_roles_in_both_languages(client, role):
    sign_in(client, factories.UserFactory(role=role))
    english = client.get(PAGE, headers={"Accept-Language": "en"})
    assert english.status_code == 200
    for text in ("Orders by channel", "Orders by status now", "First response and resolution times",
                 "On-time arrival", "CSAT and NPS per week", "Utilisation per engineer", "Last 30 days",
                 "/vendor/chart.js/dist/chart.umd.js", "js/dashboard.js"):
        assert text in english.text
    chinese = client.get(PAGE, headers={"Accept-Language": "zh-CN"})
    assert "各渠道工单" in chinese.text
    messages = json.loads(re.search(r'id="js-messages">(.*?)</script>', chinese.text, re.S).group(1))
    assert messages["channel.wechat"] == "微信" and messages["status.on_site"] == "在现场"
    assert messages["no_data"] == "此期间无数据"


def test_managers_land_on_the_dashboard(client):
    sign_in(client, factories.UserFactory(role=Role.MANAGER))
    assert client.get("/console/").headers["Location"] == PAGE
