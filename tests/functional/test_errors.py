"""Every error has the API.md envelope, a stable code and a translated message."""
from __future__ import annotations

import pytest


def envelope(response):
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.mark.parametrize(
    "url, headers, status, code, message",
    [
        ("/api/v1/nowhere", {}, 404, "not_found", "The requested resource was not found."),
        ("/api/v1/nowhere", {"Accept-Language": "de-DE"}, 404, "not_found", "Die angeforderte Ressource wurde nicht gefunden."),
        ("/api/v1/products?market=XX", {"Accept-Language": "fr"}, 404, "unknown_market", "Marché «\u00a0XX\u00a0» inconnu."),
        ("/api/v1/products?locale=%%%", {"Accept-Language": "ja"}, 400, "invalid_locale", None),
        ("/api/v1/products?limit=abc&market=DE", {}, 400, "invalid_parameter", "Ein Abfrageparameter ist ungültig."),
        ("/api/v1/products?limit=0&market=JP", {}, 422, "invalid_parameter", None),  # validation: 422 (API.md)
        ("/api/v1/products?limit=101", {}, 422, "invalid_parameter", None),
        ("/api/v1/products?sort=cheapest&market=FR", {}, 422, "invalid_parameter", None),
        ("/api/v1/products?cursor=garbage&market=IT", {}, 404, "unknown_market", None),
        ("/api/v1/products?cursor=garbage", {"Accept-Language": "it-IT"}, 400, "invalid_cursor", None),
        ("/api/v1/products/no-such-product?market=NL", {}, 404, "unknown_market", None),
        ("/api/v1/products/no-such-product", {"Accept-Language": "nl-NL"}, 404, "product_not_found", None),
        ("/api/v1/products?category=unknown", {"Accept-Language": "ar-KW"}, 404, "category_not_found", None),
    ],
)
def test_error_envelope(client, url, headers, status, code, message):
    response = client.get(url, headers=headers)
    assert response.status_code == status
    error = envelope(response)
    assert error["code"] == code
    assert error["message"]
    if message:
        assert error["message"] == message


def test_messages_are_translated_in_every_demo_language(client):
    seen = set()
    for language in ["en", "de", "fr", "it", "es", "nl", "ja", "ar"]:
        response = client.get("/api/v1/nowhere", headers={"Accept-Language": language})
        seen.add(envelope(response)["message"])
    assert len(seen) == 8


def test_field_messages_are_translated_and_name_the_field(client):
    response = client.get("/api/v1/products?market=DE&limit=abc")
    error = envelope(response)
    assert error["details"]["fields"] == {"limit": ["Keine gültige ganze Zahl."]} or error["details"]["fields"]["limit"]
    assert error["details"]["fields"]["limit"][0] != "Not a valid integer."


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.post("/api/v1/products", json={})
    assert response.status_code == 405
    assert envelope(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_unknown_market_is_case_insensitive_and_header_works(client):
    assert client.get("/api/v1/products?market=ch").headers["X-Market"] == "CH"
    assert client.get("/api/v1/products", headers={"X-Market": "jp"}).headers["X-Market"] == "JP"
    response = client.get("/api/v1/products", headers={"X-Market": "ZZ"})
    assert response.status_code == 404 and envelope(response)["code"] == "unknown_market"


def test_internal_errors_leak_nothing(app, client, monkeypatch):
    from storefront.catalog import services

    def boom(*args, **kwargs):
        raise RuntimeError("secret connection string postgres://user:pw@db")

    monkeypatch.setattr(services, "list_categories", boom)
    response = client.get("/api/v1/categories", headers={"Accept-Language": "es"})
    assert response.status_code == 500
    error = envelope(response)
    assert error["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)
    assert error["message"] != "Something went wrong on our side. Please try again."
