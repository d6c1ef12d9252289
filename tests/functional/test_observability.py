"""Request ids, security headers, CORS, body limits and JSON logs."""
from __future__ import annotations

import json
import logging


def test_every_response_has_a_request_id_and_security_headers(client):
    response = client.get("/api/v1/markets")
    assert len(response.headers["X-Request-Id"]) == 32
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    echoed = client.get("/healthz", headers={"X-Request-Id": "edge-1234abcd"})
    assert echoed.headers["X-Request-Id"] == "edge-1234abcd"
    junk = client.get("/healthz", headers={"X-Request-Id": "<script>"})
    assert junk.headers["X-Request-Id"] != "<script>"
    assert "'self'" in client.get("/docs").headers["Content-Security-Policy"]


def test_cors_only_for_configured_origins(app, client):
    app.config["CORS_ORIGINS"] = ["https://shop.example"]
    try:
        ok = client.get("/api/v1/markets", headers={"Origin": "https://shop.example"})
        assert ok.headers["Access-Control-Allow-Origin"] == "https://shop.example"
        assert "X-Market" in ok.headers["Access-Control-Expose-Headers"]
        other = client.get("/api/v1/markets", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        preflight = client.options("/api/v1/carts", headers={"Origin": "https://shop.example",
                                                              "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 204
        assert "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]
    finally:
        app.config["CORS_ORIGINS"] = []


def test_oversized_and_malformed_bodies_are_4xx_in_the_envelope(app, client):
    token = client.post("/api/v1/carts?market=DE").get_json()["token"]
    big = b'{"sku": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'", "quantity": 1}'
    response = client.post(f"/api/v1/carts/{token}/items", data=big, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"
    response = client.post(f"/api/v1/carts/{token}/items", data=b'{"sku": ', content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"


def test_logs_are_json_lines_with_the_request_id_and_no_secrets(client, caplog):
    from storefront.api.observability import JsonFormatter

    with caplog.at_level(logging.INFO, logger="storefront.access"):
        client.get("/api/v1/admin/orders", headers={"Authorization": "Bearer super-secret-token",
                                                    "X-Request-Id": "trace-0001abcd"})
    records = [r for r in caplog.records if r.name == "storefront.access"]
    assert records
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["status"] == 401 and line["path"] == "/api/v1/admin/orders" and "duration_ms" in line
    assert "super-secret-token" not in caplog.text


def test_nul_characters_and_huge_ids_are_client_errors(client):
    response = client.get("/api/v1/products?q=a%00b&market=DE")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_characters"
    token = client.post("/api/v1/carts?market=DE").get_json()["token"]
    response = client.post(f"/api/v1/carts/{token}/items", json={"sku": "BOK\u0000", "quantity": 1})
    assert response.status_code == 400
    response = client.get("/api/v1/admin/products/99999999999999999999", headers={"Authorization": "Bearer test-admin-token"})
    assert response.status_code == 404
