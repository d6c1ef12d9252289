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


def test_catalog_responses_have_strong_etags_and_answer_304(client):
    first = client.get("/api/v1/products?market=DE&limit=3")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and "public" in first.headers["Cache-Control"]
    again = client.get("/api/v1/products?market=DE&limit=3", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # another market or language is another representation
    assert client.get("/api/v1/products?market=CH&limit=3").headers["ETag"] != etag
    # a merchant change shows at once: the body, hence the ETag, changes
    sku = first.get_json()["items"][0]["variants"][0]["sku"]
    client.put(f"/api/v1/admin/variants/{sku}/prices/DE", json={"amount": "1234.00"},
               headers={"Authorization": "Bearer test-admin-token"})
    changed = client.get("/api/v1/products?market=DE&limit=3", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    # carts and errors are never cached
    assert "ETag" not in client.post("/api/v1/carts?market=DE").headers
    assert "ETag" not in client.get("/api/v1/products?market=XX").headers


def test_catalog_micro_cache_serves_repeats_and_drops_on_merchant_changes(app, client, count_queries):
    app.config["CATALOG_CACHE_SECONDS"] = 30
    try:
        url = "/api/v1/products?market=FR&limit=2"
        first = client.get(url)
        with count_queries() as counter:
            again = client.get(url)
        assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
        assert counter.count <= 2  # the cache versions (and markets) only
        assert again.headers["X-Market"] == "FR" and again.headers["Content-Language"] == "fr-FR"
        assert client.get("/api/v1/products?market=FR&limit=2", headers={"Accept-Language": "de"}).get_data() == \
            first.get_data()  # market chosen explicitly: same representation
        sku = first.get_json()["items"][0]["variants"][0]["sku"]
        client.put(f"/api/v1/admin/variants/{sku}/prices/FR", json={"amount": "999.00"},
                   headers={"Authorization": "Bearer test-admin-token"})
        changed = client.get(url).get_json()
        assert any(v["price"]["gross"]["amount"] == "999.00" for p in changed["items"] for v in p["variants"])
    finally:
        app.config["CATALOG_CACHE_SECONDS"] = 0
