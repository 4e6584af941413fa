from app.auth.models import Role, User
from tests.factories import TEST_PASSWORD, UserFactory


def login(client, email, password=TEST_PASSWORD, path="/api/v1/auth/login"):
    return client.post(path, json={"email": email, "password": password})


def test_login_returns_tokens_that_work(client, reset_rate_limits):
    user = UserFactory(role=Role.DISPATCHER)
    response = login(client, user.email)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["user"]["role"] == "dispatcher"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json["email"] == user.email


def test_password_is_stored_as_argon2id():
    user = UserFactory()
    assert user.password_hash.startswith("$argon2id$")


def test_wrong_password_is_401_with_status(client, reset_rate_limits):
    user = UserFactory()
    response = login(client, user.email, "wrong-password")
    assert response.status_code == 401
    assert response.json["status"] == "invalid_credentials"


def test_inactive_user_cannot_log_in(client, reset_rate_limits):
    user = UserFactory(is_active=False)
    assert login(client, user.email).status_code == 401


def test_login_rejects_unknown_fields_and_bad_types(client, reset_rate_limits):
    response = client.post("/api/v1/auth/login", json={"email": "a@b.test", "password": "x", "admin": True})
    assert response.status_code == 422
    assert response.json["status"] == "validation_error"
    assert "admin" in response.json["errors"]["json"]
    response = client.post("/api/v1/auth/login", json={"email": 5, "password": ["x"]})
    assert response.status_code == 422


def test_login_attempts_are_rate_limited(client, reset_rate_limits):
    email = UserFactory().email
    statuses = [login(client, email, "wrong-password").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    limited = login(client, email)
    assert limited.status_code == 429
    assert limited.json["status"] == "rate_limited"
    assert "Retry-After" in limited.headers
    # Another account from the same address is not locked out by these attempts.
    other_email = UserFactory().email
    assert login(client, other_email).status_code == 200


def test_refresh_gives_a_new_access_token(client, token_for):
    user = UserFactory()
    response = client.post("/api/v1/auth/refresh", headers=token_for(user, refresh=True))
    assert response.status_code == 200
    new_access = response.json["access_token"]
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {new_access}"}).status_code == 200


def test_access_token_cannot_refresh(client, token_for):
    user = UserFactory()
    response = client.post("/api/v1/auth/refresh", headers=token_for(user))
    assert response.status_code == 401


def test_logout_revokes_the_token(client, token_for):
    user = UserFactory()
    headers = token_for(user)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json["status"] == "token_revoked"


def test_logout_of_refresh_token_stops_refresh(client, token_for):
    user = UserFactory()
    refresh = token_for(user, refresh=True)
    assert client.post("/api/v1/auth/logout", headers=refresh).status_code == 204
    assert client.post("/api/v1/auth/refresh", headers=refresh).json["status"] == "token_revoked"


def test_no_token_is_401_and_garbage_token_is_401(client):
    assert client.get("/api/v1/auth/me").json["status"] == "unauthorized"
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401
    assert response.json["status"] == "invalid_token"


def test_deactivated_user_token_stops_working(client, token_for, session):
    user = UserFactory()
    headers = token_for(user)
    session.get(User, user.id).is_active = False
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_mobile_login_is_for_engineers_only(client, reset_rate_limits):
    engineer = UserFactory(role=Role.ENGINEER)
    agent = UserFactory(role=Role.AGENT)
    assert login(client, engineer.email, path="/mobile/v1/auth/login").status_code == 200
    refused = login(client, agent.email, path="/mobile/v1/auth/login")
    assert refused.status_code == 403 and refused.json["status"] == "forbidden"
