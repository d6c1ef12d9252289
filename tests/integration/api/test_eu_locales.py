"""The EU market speaks its countries' languages (issue 16): a German-speaking
Austrian gets German, a Belgian French or Dutch, content falling back along
the CLDR chain (de-AT -> de -> en); a bare ``es`` is Spain's market."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("accept_language, market, locale, country", [
    ("de-AT", "EU", "de-AT", "AT"),
    ("fr-BE", "EU", "fr-BE", "BE"),
    ("nl-BE", "EU", "nl-BE", "BE"),
    ("de-LU,fr;q=0.9", "EU", "de-LU", "LU"),
    ("es", "EU", "es-ES", "ES"),
    ("es-MX", "US", "es-US", None),  # no Mexican market: the default market's Spanish
    ("de", "DE", "de-DE", "DE"),
])
def test_shopper_language_within_the_market(client, accept_language, market, locale, country):
    response = client.get("/api/v1/products?limit=5", headers={"Accept-Language": accept_language})
    assert response.status_code == 200
    context = response.get_json()["context"]
    assert (context["market"], context["locale"], context["tax_country"]) == (market, locale, country)
    assert response.headers["Content-Language"] == locale
    assert response.headers["X-Market"] == market


def names(client, **headers) -> list[str]:
    return [p["name"] for p in client.get("/api/v1/products?limit=20", headers=headers).get_json()["items"]]


@pytest.mark.parametrize("regional, language", [("de-AT", "de-DE"), ("fr-BE", "fr-FR"), ("nl-BE", "nl-NL")])
def test_content_falls_back_to_the_language(client, regional, language):
    regional_names = names(client, **{"Accept-Language": regional})
    assert regional_names == names(client, **{"Accept-Language": language})
    assert regional_names != names(client, **{"Accept-Language": "en-IE"})


def test_austrian_messages_are_german(client):
    response = client.get("/api/v1/products?limit=1000", headers={"Accept-Language": "de-AT"})
    assert response.status_code in (400, 422)
    assert response.headers["Content-Language"] == "de-AT"
    assert "zwischen" in response.get_json()["error"]["details"]["fields"]["limit"][0]
