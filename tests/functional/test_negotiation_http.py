"""Market and locale selection through HTTP (API.md order, headers, context)."""
from __future__ import annotations

import pytest

VARY = {"Accept-Language", "X-Market", "X-Country"}


@pytest.mark.parametrize(
    "query, headers, market, locale, selected_by",
    [
        ("", {}, "US", "en-US", "default"),
        ("?market=ch", {"Accept-Language": "fr"}, "CH", "fr-CH", "market"),
        ("?market=CH&locale=it-CH", {"Accept-Language": "fr"}, "CH", "it-CH", "market"),
        ("?locale=fr-CA", {"Accept-Language": "de-CH"}, "CA", "fr-CA", "locale"),
        ("", {"Accept-Language": "de-CH"}, "CH", "de-CH", "accept-language"),
        ("", {"Accept-Language": "de"}, "DE", "de-DE", "accept-language"),
        ("", {"Accept-Language": "fr-CA,fr;q=0.8"}, "CA", "fr-CA", "accept-language"),
        ("", {"Accept-Language": "pt-BR, ja;q=0.5"}, "JP", "ja-JP", "accept-language"),
        ("", {"Accept-Language": "ar-KW"}, "KW", "ar-KW", "accept-language"),
        ("", {"Accept-Language": ";;;,,q=abc", "X-Country": "JP"}, "JP", "ja-JP", "country"),
        ("", {"X-Country": "li"}, "CH", "de-CH", "country"),
        ("", {"X-Country": "ZZ"}, "US", "en-US", "default"),
        ("", {"X-Market": "GB", "Accept-Language": "de"}, "GB", "en-GB", "market"),
    ],
)
def test_selection(client, query, headers, market, locale, selected_by):
    response = client.get(f"/api/v1/products{query}", headers=headers)
    assert response.status_code == 200
    context = response.get_json()["context"]
    assert (context["market"], context["locale"], context["selected_by"]) == (market, locale, selected_by)
    assert response.headers["X-Market"] == market
    assert response.headers["Content-Language"] == locale
    assert VARY <= {v.strip() for v in response.headers["Vary"].split(",")}
    assert context["currency"]


def test_country_of_another_market_is_suggested_not_forced(client):
    response = client.get("/api/v1/products", headers={"Accept-Language": "fr-FR", "X-Country": "CH"})
    context = response.get_json()["context"]
    assert context["market"] == "FR"
    assert context["suggestion"] == {"market": "CH", "locale": "fr-CH"}
    response = client.get("/api/v1/products?market=CH", headers={"X-Country": "CH"})
    assert "suggestion" not in response.get_json()["context"]


def test_errors_of_shopper_endpoints_vary_too(client):
    response = client.get("/api/v1/products?market=XX")
    assert VARY <= {v.strip() for v in response.headers["Vary"].split(",")}
