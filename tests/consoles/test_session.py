"""Console sign-in: JWTs in cookies, the same permissions as the API, CSRF on changes,
silent refresh, sign-out that revokes, and pages in the browser's language."""
from __future__ import annotations

from datetime import timedelta

from flask_jwt_extended import create_access_token

from app.auth.models import Role
from tests import factories
from tests.consoles.conftest import sign_in
from tests.factories import TEST_PASSWORD


def cookie(client, name):
    found = client.get_cookie(name, path="/") or client.get_cookie(name, path="/console/session/")
    return found.value if found else None


def test_sign_in_page_speaks_the_browsers_language(client):
    chinese = client.get("/console/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert chinese.status_code == 200
    assert 'lang="zh-CN"' in chinese.text and "登录工单控制台" in chinese.text
    english = client.get("/console/sign-in", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in english.text and "Sign in to the consoles" in english.text
    # Neither language offered: Chinese, the home market's.
    assert "登录工单控制台" in client.get("/console/sign-in", headers={"Accept-Language": "fr"}).text


def test_the_switch_overrides_the_browser_and_only_goes_back_to_this_site(client):
    answer = client.get("/lang/en?next=/console/sign-in", headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/sign-in"
    page = client.get("/console/sign-in", headers={"Accept-Language": "zh-CN"})
    assert "Sign in to the consoles" in page.text
    for elsewhere in ("https://evil.example/", "//evil.example/x", "evil"):
        assert client.get("/lang/zh", query_string={"next": elsewhere}).headers["Location"] == "/console/"
    assert client.get("/lang/xx?next=/console/sign-in").status_code == 302   # unknown: ignored
    assert "登录工单控制台" in client.get("/lang/zh?next=/console/sign-in", follow_redirects=True).text


def test_pages_need_a_session_and_come_back_after_signing_in(client):
    answer = client.get("/console/?x=1")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/console/sign-in?next=/console/")
    dispatcher = factories.UserFactory(role=Role.DISPATCHER)
    signed_in = sign_in(client, dispatcher, next_page="/console/?x=1")
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/console/?x=1"
    assert cookie(client, "access_token_cookie") and cookie(client, "csrf_access_token")
    refresh = client.get_cookie("refresh_token_cookie", path="/console/session/")
    assert refresh is not None and refresh.http_only
    assert client.get_cookie("access_token_cookie").http_only
    home = client.get("/console/")
    assert home.status_code in (200, 302)


def test_a_next_page_elsewhere_is_ignored(client):
    agent = factories.UserFactory(role=Role.AGENT)
    answer = sign_in(client, agent, next_page="https://evil.example/steal")
    assert answer.headers["Location"] == "/console/"


def test_wrong_password_and_field_roles_stay_out(client):
    agent = factories.UserFactory(role=Role.AGENT)
    engineer = factories.UserFactory(role=Role.ENGINEER)
    engineer_email = engineer.email
    wrong = client.post("/console/sign-in", data={"email": agent.email, "password": "nope"},
                        headers={"Accept-Language": "en"})
    assert wrong.status_code == 401 and "Wrong e-mail or password." in wrong.text
    assert cookie(client, "access_token_cookie") is None
    answer = client.post("/console/sign-in", data={"email": engineer_email, "password": TEST_PASSWORD},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 403 and "mobile app" in answer.text
    assert cookie(client, "access_token_cookie") is None


def test_sign_in_attempts_are_throttled_with_a_page(client):
    email = factories.UserFactory(role=Role.AGENT).email
    answers = [client.post("/console/sign-in", data={"email": email, "password": "nope"},
                           headers={"Accept-Language": "en"}) for _ in range(6)]
    assert answers[-1].status_code == 429
    assert "Too many sign-in attempts" in answers[-1].text


def test_the_cookie_gives_the_apis_permissions_and_changes_need_the_csrf_token(client):
    agent = factories.UserFactory(role=Role.AGENT)
    email = agent.email
    customer_id = factories.CustomerFactory().id
    sign_in(client, agent)
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json["email"] == email
    # The same permissions as the API: an agent may not create users.
    assert client.get("/api/v1/users").status_code == 403
    body = {"customer_id": customer_id, "title": "Lift stuck", "priority": "normal", "channel": "phone"}
    without = client.post("/api/v1/work-orders", json=body)
    assert without.status_code == 401 and without.json["status"] == "unauthorized"
    assert "CSRF" in without.json["message"]
    wrong = client.post("/api/v1/work-orders", json=body, headers={"X-CSRF-TOKEN": "forged"})
    assert wrong.status_code == 401


def test_an_expired_page_session_is_refreshed_silently(client, app):
    manager = factories.UserFactory(role=Role.MANAGER)
    sign_in(client, manager)
    with app.test_request_context():
        expired = create_access_token(identity=manager, expires_delta=timedelta(seconds=-5))
    client.set_cookie("access_token_cookie", expired, path="/")
    answer = client.get("/console/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/console/session/refresh?next=")
    refreshed = client.get(answer.headers["Location"])
    assert refreshed.status_code == 302 and refreshed.headers["Location"] == "/console/"
    assert cookie(client, "access_token_cookie") != expired
    # The JS module refreshes without a page: 204, then 401 once the session is over.
    assert client.get("/console/session/refresh").status_code == 204


def test_sign_out_revokes_both_tokens(client):
    dispatcher = factories.UserFactory(role=Role.DISPATCHER)
    sign_in(client, dispatcher)
    access = cookie(client, "access_token_cookie")
    refresh = client.get_cookie("refresh_token_cookie", path="/console/session/").value
    # Without the CSRF token (another site's form): nothing happens.
    assert client.post("/console/session/sign-out").status_code == 302
    assert client.get("/api/v1/auth/me").status_code == 200
    answer = client.post("/console/session/sign-out", data={"csrf_token": cookie(client, "csrf_access_token")})
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/sign-in"
    assert cookie(client, "access_token_cookie") is None
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"}).json["status"] == "token_revoked"
    assert client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {refresh}"}).status_code == 401


def test_a_page_of_another_role_says_so(client, app):
    from consoles.session import console_page
    sign_in(client, factories.UserFactory(role=Role.AGENT))
    access = cookie(client, "access_token_cookie")
    warehouse_only = console_page(Role.WAREHOUSE)(lambda: "warehouse only")
    with app.test_request_context("/console/warehouse-only", headers={
            "Cookie": f"access_token_cookie={access}", "Accept-Language": "en"}):
        body, status = warehouse_only()
    assert status == 403 and "Not for your role" in body and "agent" in body
