import pytest

from config import ConfigError, DEFAULT_SECRET_KEY, ProductionConfig, load_config


def test_health_reports_database_and_redis(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_health_degrades_when_redis_is_down(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json["redis"] == "unavailable"
    assert response.json["database"] == "ok"


def test_openapi_documents_are_served(client):
    back_office = client.get("/api/openapi.json")
    mobile = client.get("/mobile/openapi.json")
    assert back_office.status_code == 200 and mobile.status_code == 200
    assert "/api/health" in back_office.json["paths"]
    assert "/mobile/v1/auth/login" in mobile.json["paths"]
    assert not any(p.startswith("/mobile") for p in back_office.json["paths"])
    assert not any(p.startswith("/api/") for p in mobile.json["paths"])


def test_unknown_url_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["status"] == "not_found"


def test_production_refuses_default_secret(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", DEFAULT_SECRET_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config("production")


def test_production_accepts_a_real_secret(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 48)
    monkeypatch.setattr(ProductionConfig, "JWT_SECRET_KEY", "y" * 48)
    assert load_config("production").NAME == "production"


def test_unknown_config_name_is_refused():
    with pytest.raises(ConfigError):
        load_config("staging")
