"""The interactive API docs are served by the app itself, Swagger UI included."""
from __future__ import annotations


def test_api_docs_page_loads_swagger_ui_from_the_app(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/vendor/swagger-ui-dist/swagger-ui-bundle.js" in page.data
    assert b"/api/openapi.json" in page.data

    bundle = client.get("/vendor/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert "javascript" in bundle.content_type
    assert len(bundle.data) > 100_000


def test_only_listed_vendor_packages_are_served(client):
    assert client.get("/vendor/@scarf/scarf/package.json").status_code == 404
    assert client.get("/vendor/swagger-ui-dist/../@scarf/scarf/package.json").status_code == 404
    assert client.get("/vendor/swagger-ui-dist/no-such-file.js").status_code == 404
