"""The dispatcher's map console page: who may open it, what the shell carries, and that
its scripts and the libraries they load are served."""
from __future__ import annotations

import json
import re

import pytest

from app.auth.models import Role
from tests.consoles.conftest import sign_in_as


def page_settings(text: str) -> dict:
    found = re.search(r'<script type="application/json" id="dispatch-settings">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


def page_messages(text: str) -> dict:
    found = re.search(r'<script type="application/json" id="js-messages">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


def test_without_a_session_the_page_sends_to_sign_in(client):
    answer = client.get("/console/dispatch?date=2026-11-24")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/console/sign-in?next=/console/dispatch")


@pytest.mark.parametrize("role", [Role.WAREHOUSE])
def test_other_roles_are_refused(client, role):
    sign_in_as(client, role, language="zh-CN")
    answer = client.get("/console/dispatch")
    assert answer.status_code == 403


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.MANAGER])
def test_planners_get_the_shell_with_the_optimiser(client, role):
    sign_in_as(client, role, language="zh-CN")
    answer = client.get("/console/dispatch", headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 200
    page = answer.text
    assert 'id="dispatch-map"' in page and 'id="timeline"' in page and 'id="unassigned-list"' in page
    assert 'id="optimise-form"' in page and "智能排程" in page
    assert "/vendor/leaflet/dist/leaflet.js" in page and "leaflet.markercluster.js" in page
    assert "js/dispatch/main.js" in page
    settings = page_settings(page)
    assert settings["canPlan"] is True and settings["pollSeconds"] <= 10
    assert {s["value"] for s in settings["statuses"]} >= {"new", "assigned", "on_site"}
    assert {p["shape"] for p in settings["priorities"]} == {"triangle", "diamond", "circle", "square"}
    messages = page_messages(page)
    assert messages["status.on_site"] == "服务中" and messages["priority.urgent"] == "紧急"


@pytest.mark.parametrize("role", [Role.AGENT, Role.ADMIN])
def test_agents_and_admins_look_without_planning_controls(client, role):
    sign_in_as(client, role, language="en")
    answer = client.get("/console/dispatch", headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    assert 'id="optimise-form"' not in answer.text and 'id="read-only"' in answer.text
    assert page_settings(answer.text)["canPlan"] is False
    assert page_messages(answer.text)["status.on_site"] == "On site"


def test_the_menu_links_the_console(client):
    sign_in_as(client, Role.DISPATCHER, language="zh-CN")
    home = client.get("/console/")
    assert home.status_code == 302 and home.headers["Location"] == "/console/dispatch"


def test_the_scripts_and_styles_are_served(client):
    for name in ("main", "map", "lists", "timeline", "optimise", "candidates", "live", "symbols"):
        answer = client.get(f"/console/static/js/dispatch/{name}.js")
        assert answer.status_code == 200, name
        answer.close()
    css = client.get("/console/static/css/dispatch.css")
    assert css.status_code == 200 and "@media" in css.text
