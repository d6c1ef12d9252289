"""Issue 13 through the API: a postal code of another region is a 422 with field details in the shopper's
language (Google's address data); Traditional Chinese, private-use tags and q=0 in negotiation (langcodes)."""
from __future__ import annotations

import pytest

from tests.functional.shopping import ADDRESSES, admin_api as admin, new_cart

TAIWAN = {"code": "TW", "names": {"en": "Taiwan"}, "currency": "TWD", "countries": ["TW"],
          "locales": ["zh-TW", "en-TW"], "prices_include_tax": True, "tax_rate": "5", "tax_name": "VAT"}


@pytest.fixture(autouse=True)
def fresh_market_cache():
    from storefront.markets import cache

    cache.clear_local()
    yield
    cache.clear_local()


@pytest.mark.parametrize(
    ("market", "address", "language", "message"),
    [
        # A cart's errors speak its market's languages (issue 16): US speaks es-US, not German.
        ("US", {**ADDRESSES["US-CA"], "region": "NY", "postal_code": "94103"}, "es",
         "«94103» no es un código postal de NY (US)."),
        ("US", {**ADDRESSES["US-CA"], "region": "NY", "postal_code": "94103"}, "de",
         "“94103” is not a postal code of NY (US)."),
        ("CA", {**ADDRESSES["CA-QC"], "postal_code": "m5v 3l9"}, "fr",
         "« M5V 3L9 » n’est pas un code postal de QC (CA)."),
    ],
)
def test_a_postal_code_of_another_region_is_422_with_the_field_translated(client, market, address, language,
                                                                           message):
    token = new_cart(client, market)["token"]
    response = client.put(f"/api/v1/carts/{token}/address", json=address, headers={"Accept-Language": language})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_address"
    assert error["details"]["fields"] == {"postal_code": [message]}


def test_the_region_names_and_the_matching_code_are_accepted(client):
    token = new_cart(client, "US")["token"]
    response = client.put(f"/api/v1/carts/{token}/address",
                          json={**ADDRESSES["US-CA"], "region": "California", "postal_code": "94103"})
    assert response.status_code == 200, response.get_json()


def _context(client, query="", **headers):
    response = client.get(f"/api/v1/products{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    context = response.get_json()["context"]
    assert response.headers["Content-Language"] == context["locale"]
    return context["market"], context["locale"], context["selected_by"]


@pytest.mark.parametrize("header", ["zh-Hant", "zh-HK, en;q=0.5", "zh-Hant-TW-x-private"])
def test_traditional_chinese_reaches_the_market_offering_it(client, header):
    response, body = admin(client, "post", "/markets", json=TAIWAN)
    assert response.status_code == 201, body
    assert _context(client, **{"Accept-Language": header}) == ("TW", "zh-TW", "accept-language")


def test_q_zero_refuses_a_locale(client):
    assert _context(client, "?market=CH", **{"Accept-Language": "de;q=0"}) == ("CH", "fr-CH", "market")
    assert _context(client, "?market=CA", **{"Accept-Language": "en;q=0, *"}) == ("CA", "fr-CA", "market")


def test_a_private_use_tag_is_truncated_not_dropped(client):
    assert _context(client, **{"Accept-Language": "ja-JP-x-private"}) == ("JP", "ja-JP", "accept-language")
