import pytest

from app.auth.models import Role

REFUSED = [r for r in Role if r not in (Role.ADMIN, Role.MANAGER)]


@pytest.mark.parametrize("role", REFUSED)
def test_only_managers_and_admins_manage_users(client, as_role, role):
    _, headers = as_role(role)
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    response = client.post("/api/v1/users", headers=headers, json={
        "email": "new@example.test", "name": "New", "role": "agent", "password": "long-enough-pw"})
    assert response.status_code == 403
    assert response.json["status"] == "forbidden"


def test_manager_creates_and_lists_users(client, as_role):
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/users", headers=headers, json={
        "email": "Wang.Wei@Example.test", "name": "王伟", "role": "dispatcher", "password": "long-enough-pw"})
    assert response.status_code == 201, response.json
    assert response.json["email"] == "wang.wei@example.test"
    assert "password" not in response.json and "password_hash" not in response.json
    listed = client.get("/api/v1/users?role=dispatcher", headers=headers)
    assert listed.status_code == 200
    assert [u["email"] for u in listed.json] == ["wang.wei@example.test"]
    assert "X-Pagination" in listed.headers


def test_manager_cannot_create_admin(client, as_role):
    _, headers = as_role(Role.MANAGER)
    response = client.post("/api/v1/users", headers=headers, json={
        "email": "boss@example.test", "name": "Boss", "role": "admin", "password": "long-enough-pw"})
    assert response.status_code == 403


def test_duplicate_email_is_409(client, as_role):
    user, headers = as_role(Role.ADMIN)
    response = client.post("/api/v1/users", headers=headers, json={
        "email": user.email, "name": "Again", "role": "agent", "password": "long-enough-pw"})
    assert response.status_code == 409 and response.json["status"] == "conflict"


@pytest.mark.parametrize("body", [
    {"email": "x@example.test", "name": "X", "role": "pilot", "password": "long-enough-pw"},
    {"email": "x@example.test", "name": "X", "role": "agent", "password": "short"},
    {"email": "not-an-email", "name": "X", "role": "agent", "password": "long-enough-pw"},
    {"email": "x@example.test", "name": "X", "role": "agent", "password": "long-enough-pw", "is_admin": True},
    {"email": "x@example.test", "name": "X", "role": "partner_engineer", "password": "long-enough-pw"},
])
def test_bad_user_input_is_422(client, as_role, body):
    _, headers = as_role(Role.ADMIN)
    response = client.post("/api/v1/users", headers=headers, json=body)
    assert response.status_code == 422, response.json
    assert response.json["status"] == "validation_error"


def test_partner_engineer_needs_an_existing_company(client, as_role):
    _, headers = as_role(Role.ADMIN)
    response = client.post("/api/v1/users", headers=headers, json={
        "email": "p@example.test", "name": "P", "role": "partner_engineer", "password": "long-enough-pw",
        "partner_company_id": 999999})
    assert response.status_code == 404 and response.json["status"] == "not_found"


def test_user_create_cli_bootstraps_an_admin(app, session):
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "--email", "root@example.test", "--name", "Root",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    assert "created admin root@example.test" in result.output
    again = runner.invoke(args=["user", "create", "--email", "root@example.test", "--name", "Root",
                                "--password", "a-long-password"])
    assert again.exit_code != 0
