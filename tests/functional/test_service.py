"""Health, OpenAPI document and the offline API docs."""
from __future__ import annotations

import re


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_openapi_document_describes_the_shopper_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    for path in ["/api/v1/markets", "/api/v1/categories", "/api/v1/products", "/api/v1/products/{slug}"]:
        assert path in spec["paths"], path
    params = {p["name"] for p in spec["paths"]["/api/v1/products"]["get"]["parameters"]}
    assert {"limit", "cursor", "q", "category", "sort", "market", "locale"} <= params
    schemas = spec["components"]["schemas"]
    assert {"amount", "currency", "formatted"} <= set(schemas["Money"]["properties"])
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_docs_are_served_offline(client):
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/api/v1/openapi.json" in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith("/docs/assets/") for url in urls), urls
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.data) > 100
        asset.close()
    assert client.get("/docs/assets/index.html").status_code == 404
