"""The catalog through the HTTP API, as a frontend sees it (API.md)."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import pytest

NBSP, NNBSP, RLM = "\u00a0", "\u202f", "\u200f"
PRIDE = "pride-and-prejudice-illustrated-edition"


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, response.get_json()


def all_pages(client, url, **headers):
    items, cursor, pages = [], None, 0
    while True:
        sep = "&" if "?" in url else "?"
        page_url = url + (f"{sep}cursor={cursor}" if cursor else "")
        response, body = get(client, page_url, **headers)
        assert response.status_code == 200, body
        items.extend(body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return items, pages


def test_money_objects_have_the_currency_digits_and_cldr_formatting(client):
    cases = {
        ("DE", "de-DE"): ("EUR", 2, "\u00a0€"),
        ("JP", "ja-JP"): ("JPY", 0, "￥"),
        ("KW", "ar-KW"): ("KWD", 3, "د.ك."),
        ("CH", "fr-CH"): ("CHF", 2, "CHF"),
        ("US", "en-US"): ("USD", 2, "$"),
    }
    for (market, locale), (currency, digits, symbol) in cases.items():
        response, body = get(client, f"/api/v1/products/{PRIDE}?market={market}&locale={locale}")
        assert response.status_code == 200, body
        for variant in body["variants"]:
            for key in ("net", "gross", "tax"):
                money = variant["price"][key]
                assert money["currency"] == currency
                whole, _, fraction = money["amount"].partition(".")
                assert len(fraction) == digits, money
                assert symbol in money["formatted"]
            price = variant["price"]
            assert Decimal(price["gross"]["amount"]) == Decimal(price["net"]["amount"]) + Decimal(price["tax"]["amount"])


def test_swiss_prices_end_in_five_rappen_with_vat_included(client):
    items, _ = all_pages(client, "/api/v1/products?limit=100", **{"Accept-Language": "de-CH"})
    assert items
    for product in items:
        for variant in product["variants"]:
            price = variant["price"]
            assert price["tax_included"] is True
            # Swiss VAT: 8.1 % standard, 2.6 % on books and food (the catalog shows the market's own rates)
            expected = {"buecher": "2.60", "taschen-rucksaecke": "8.10"}.get(product["category"]["slug"])
            assert price["tax_rate"] in ("8.10", "2.60") and price["tax_rate"] == (expected or price["tax_rate"])
            assert Decimal(price["gross"]["amount"]) % Decimal("0.05") == 0
            assert price["gross"]["formatted"].startswith(f"CHF{NBSP}")


def test_us_prices_exclude_tax_and_ca_shows_gst(client):
    _, us = get(client, f"/api/v1/products/{PRIDE}?market=US")
    assert us["price"]["tax_included"] is False
    assert us["price"]["net"] == us["price"]["gross"]
    _, ca = get(client, f"/api/v1/products/{PRIDE}?market=CA&locale=fr-CA")
    net = Decimal(ca["price"]["net"]["amount"])
    assert ca["price"]["tax_rate"] == "5.00"
    assert Decimal(ca["price"]["tax"]["amount"]) == (net * Decimal("0.05")).quantize(Decimal("0.01"))
    assert ca["price"]["gross"]["formatted"].endswith(f"{NBSP}$")


def test_product_price_is_the_lowest_variant_price(client):
    _, body = get(client, f"/api/v1/products/{PRIDE}?market=DE")
    lowest = min(Decimal(v["price"]["gross"]["amount"]) for v in body["variants"])
    assert Decimal(body["price"]["gross"]["amount"]) == lowest
    assert body["price"]["compare_at"] is None and body["price"]["prior_price"] is None


def test_translated_names_and_fallback_chain(client):
    _, de = get(client, f"/api/v1/products/{PRIDE}", **{"Accept-Language": "de-DE"})
    assert de["name"].startswith("Stolz und Vorurteil")
    assert de["slug"] == "stolz-und-vorurteil-illustrierte-ausgabe"
    _, ja = get(client, f"/api/v1/products/{PRIDE}?market=JP")
    assert ja["name"].startswith("高慢と偏見")
    # fr-CA has its own row for some products and falls back to fr for the others.
    _, honey = get(client, "/api/v1/products/pyrenean-wildflower-honey?market=CA&locale=fr-CA")
    assert honey["slug"] == "miel-de-fleurs-sauvages-des-pyrenees"
    _, pride_ca = get(client, f"/api/v1/products/{PRIDE}?market=CA&locale=fr-CA")
    assert pride_ca["slug"] == "orgueil-et-prejuges-edition-illustree"
    # A locale with no translations at all falls back to the default language.
    _, es = get(client, f"/api/v1/products/{PRIDE}?market=US&locale=es-US")
    assert es["name"]


def test_variant_names_come_from_translated_option_values(client):
    _, de = get(client, f"/api/v1/products/{PRIDE}?market=DE")
    names = {v["sku"]: v["name"] for v in de["variants"]}
    assert names == {"BOK-PRIDE-PB": "Taschenbuch", "BOK-PRIDE-HC": "Gebunden"}
    option = de["variants"][0]["options"][0]
    assert option["option"] == "format" and option["name"] == "Ausgabe"


def test_a_slug_in_any_locale_resolves(client):
    for slug in ["stolz-und-vorurteil-illustrierte-ausgabe", "orgueil-et-prejuges-edition-illustree", quote("高慢と偏見-挿絵版")]:
        response, body = get(client, f"/api/v1/products/{slug}?market=GB")
        assert response.status_code == 200, body
        assert body["slug"] == PRIDE  # answered in the market's language


def test_alternates_list_every_market_and_locale_selling_the_product(client):
    _, body = get(client, f"/api/v1/products/{PRIDE}?market=DE")
    pairs = {(a["market"], a["locale"]) for a in body["alternates"]}
    assert ("CH", "fr-CH") in pairs and ("KW", "ar-KW") in pairs and ("JP", "ja-JP") in pairs
    de = next(a for a in body["alternates"] if a["locale"] == "de-DE")
    assert de["href"] == "/api/v1/products/stolz-und-vorurteil-illustrierte-ausgabe?market=DE&locale=de-DE"
    # Alternates resolve.
    for alternate in body["alternates"][:5]:
        assert get(client, alternate["href"])[0].status_code == 200


def test_products_withdrawn_from_a_market_are_404_there_and_absent_from_lists(client):
    response, body = get(client, "/api/v1/products/mosel-riesling-dry-2024?market=KW")
    assert response.status_code == 404
    assert body["error"]["code"] == "product_not_found"
    assert get(client, "/api/v1/products/mosel-riesling-dry-2024?market=DE")[0].status_code == 200
    items, _ = all_pages(client, "/api/v1/products?market=KW&limit=100")
    assert "mosel-riesling-dry-2024" not in {p["slug"] for p in items}
    _, detail = get(client, "/api/v1/products/mosel-riesling-dry-2024?market=DE")
    assert "KW" not in {a["market"] for a in detail["alternates"]}


@pytest.mark.parametrize("sort", ["name", "price", "-price", "newest"])
@pytest.mark.parametrize("limit", [1, 7, 24])
def test_pagination_has_no_duplicates_and_no_gaps(client, sort, limit):
    everything, _ = all_pages(client, f"/api/v1/products?market=DE&sort={sort}&limit=100")
    paged, pages = all_pages(client, f"/api/v1/products?market=DE&sort={sort}&limit={limit}")
    assert [p["id"] for p in paged] == [p["id"] for p in everything]
    assert len({p["id"] for p in paged}) == len(paged)
    assert pages == max(1, -(-len(everything) // limit))


def test_sorting(client):
    by_price, _ = all_pages(client, "/api/v1/products?market=JP&sort=price&limit=100")
    prices = [Decimal(p["price"]["gross"]["amount"]) for p in by_price]
    assert prices == sorted(prices)
    by_price_desc, _ = all_pages(client, "/api/v1/products?market=JP&sort=-price&limit=100")
    assert [Decimal(p["price"]["gross"]["amount"]) for p in by_price_desc] == sorted(prices, reverse=True)
    newest, _ = all_pages(client, "/api/v1/products?market=JP&sort=newest&limit=100")
    dates = [p["created_at"] for p in newest]
    assert dates == sorted(dates, reverse=True)
    by_name, _ = all_pages(client, "/api/v1/products?market=DE&sort=name&limit=100")
    from storefront.i18n.text import fold

    names = [fold(p["name"]) for p in by_name]
    assert names == sorted(names)


def test_search_ignores_case_and_accents_and_matches_skus(client):
    _, body = get(client, "/api/v1/products?market=FR&q=PREJUGES")
    assert [p["slug"] for p in body["items"]] == ["orgueil-et-prejuges-edition-illustree"]
    _, body = get(client, "/api/v1/products?market=DE&q=m%C3%A4rchen")
    assert any("märchen" in p["name"].lower() for p in body["items"])
    _, body = get(client, "/api/v1/products?market=DE&q=bok-pride-hc")
    assert [p["id"] for p in body["items"]] and body["items"][0]["slug"].startswith("stolz")
    _, body = get(client, "/api/v1/products?market=DE&q=100%25_%5C")  # wildcards are literal
    assert body["items"] == []


def test_category_filter_accepts_slugs_in_any_locale(client):
    _, books_de = get(client, "/api/v1/products?market=DE&category=buecher&limit=100")
    _, books_en = get(client, "/api/v1/products?market=DE&category=books&limit=100")
    assert books_de["items"] and [p["id"] for p in books_de["items"]] == [p["id"] for p in books_en["items"]]
    assert {p["category"]["slug"] for p in books_de["items"]} == {"buecher"}
    response, body = get(client, "/api/v1/products?market=DE&category=nope")
    assert response.status_code == 404 and body["error"]["code"] == "category_not_found"


def test_categories_are_translated_with_counts_per_market(client):
    response, body = get(client, "/api/v1/categories", **{"Accept-Language": "ja"})
    assert response.status_code == 200
    names = {c["key"]: c["name"] for c in body["items"]}
    assert names["books"] == "本"
    assert body["context"]["market"] == "JP"
    _, de = get(client, "/api/v1/categories?market=DE")
    _, kw = get(client, "/api/v1/categories?market=KW")
    pantry = lambda b: next(c for c in b["items"] if c["key"] == "pantry")["product_count"]  # noqa: E731
    assert pantry(de) == pantry(kw) + 2  # the wine and the whisky are not sold in Kuwait
    assert len(body["items"]) >= 6


def test_markets_endpoint(client):
    response, body = get(client, "/api/v1/markets?locale=fr-FR")
    assert response.status_code == 200
    markets = {m["code"]: m for m in body["items"]}
    assert set(markets) == {"US", "CA", "GB", "DE", "FR", "EU", "CH", "JP", "AU", "KW"}
    assert markets["CH"]["name"] == "Suisse"
    assert markets["CH"]["countries"] == ["CH", "LI"]
    assert markets["CH"]["locales"] == ["de-CH", "fr-CH", "it-CH"]
    assert markets["US"]["prices_include_tax"] is False and markets["US"]["is_default"] is True
    assert len(markets["EU"]["countries"]) == 25


def _queries_per_page(client, count_queries, market):
    counts, reduced = {}, {}
    for limit in (1, 5, 24, 100):
        client.get(f"/api/v1/products?market={market}&limit={limit}")  # warm the per-process caches
        with count_queries() as counter:
            response = client.get(f"/api/v1/products?market={market}&limit={limit}")
        items = response.get_json()["items"]
        assert response.status_code == 200 and items
        counts[limit] = counter.count
        reduced[limit] = any(v["price"]["compare_at"] for p in items for v in p["variants"])
    return counts, reduced


def test_listing_costs_a_constant_number_of_queries(client, count_queries):
    # From the listing book (storefront.browse.book): the page query, which joins
    # the encoded products, and one statement for free stock, whatever the page
    # size and whether a sale runs (its prices are in the book).
    counts, reduced = _queries_per_page(client, count_queries, "JP")
    assert not any(reduced.values())
    assert len(set(counts.values())) == 1, counts
    assert counts[24] <= 3
    with_sale, reduced = _queries_per_page(client, count_queries, "DE")
    assert any(reduced.values())
    assert set(with_sale.values()) == {counts[24]}, with_sale


def test_listing_without_the_book_costs_a_constant_number_of_queries(app, client, db_session, count_queries):
    from sqlalchemy import delete

    from storefront.catalog.models import ListingFragment

    with app.app_context():
        db_session.execute(delete(ListingFragment))  # every product built the long way
        db_session.commit()
    # JP has no sale running: every page size costs exactly the same.
    counts, reduced = _queries_per_page(client, count_queries, "JP")
    assert not any(reduced.values())
    assert len(set(counts.values())) == 1, counts
    assert counts[24] <= 11
    # DE has a sale: a page showing reduced variants costs three more queries
    # (sales in force, price history, sales of the look-back window), whatever
    # the number of products or of reduced variants on it.
    with_sale, reduced = _queries_per_page(client, count_queries, "DE")
    assert any(reduced.values())
    for limit, count in with_sale.items():
        assert count == counts[24] + (3 if reduced[limit] else 0), (with_sale, reduced)


def test_locales_cldr_lacks_fall_back_for_formatting(client):
    # CLDR has no en_KW: amounts format as English, the content stays English.
    response = client.get("/api/v1/products?market=KW&locale=en-KW&limit=2")
    assert response.status_code == 200
    body = response.get_json()
    assert body["context"]["locale"] == "en-KW" and response.headers["Content-Language"] == "en-KW"
    assert body["items"][0]["price"]["gross"]["formatted"].startswith("KWD")
