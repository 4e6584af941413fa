"""Conventions every endpoint keeps, checked by walking the URL map and the specs."""
import re

import pytest

from app.auth.models import Role

PUBLIC = {"/api/health", "/api/v1/auth/login", "/mobile/v1/auth/login", "/api/v1/auth/refresh",
          "/api/v1/auth/logout"}
DOC_PREFIXES = ("/api/openapi.json", "/api/docs", "/mobile/openapi.json", "/static")


def _api_endpoints(app):
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if not path.startswith(("/api/", "/mobile/")) or path.startswith(DOC_PREFIXES):
            continue
        concrete = re.sub(r"<(?:\w+:)?\w+>", "999999", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path, concrete


def test_every_protected_endpoint_needs_a_token(app, client):
    checked = 0
    for method, path, concrete in _api_endpoints(app):
        if path in PUBLIC:
            continue
        response = client.open(concrete, method=method, json={})
        assert response.status_code == 401, f"{method} {path} answered {response.status_code} without a token"
        assert response.json["status"] == "unauthorized"
        checked += 1
    assert checked >= 5


def test_every_body_refuses_unknown_fields(app, client, as_role):
    _, headers = as_role(Role.ADMIN)
    checked = 0
    for method, path, concrete in _api_endpoints(app):
        if method not in ("POST", "PUT", "PATCH") or path in PUBLIC - {"/api/v1/auth/login"}:
            continue
        response = client.open(concrete, method=method, headers=headers,
                               json={"surely_not_a_field": 1})
        if response.status_code == 422:
            assert response.json["status"] == "validation_error"
            assert "surely_not_a_field" in str(response.json.get("errors")), f"{method} {path}"
            checked += 1
        else:
            # Bodiless actions may answer otherwise, but never with a server error.
            assert response.status_code < 500, f"{method} {path} answered {response.status_code}"
    assert checked >= 3


@pytest.mark.parametrize("spec_url", ["/api/openapi.json", "/mobile/openapi.json"])
def test_every_operation_is_documented(client, spec_url):
    spec = client.get(spec_url).json
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), f"{method.upper()} {path} has no docstring"
            assert any(code.startswith(("4", "default")) for code in operation["responses"]) or \
                path == "/api/health", f"{method.upper()} {path} documents no error response"
