"""The per-process caches (storefront/cache.py): one LRU store that stays
within its bounds, namespaces declared once by their owners and invalidated
only by changes to their own data, and every merchant change seen by the
next read (cached responses included)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from storefront import cache, clock
from storefront.catalog.cache import CATALOG
from storefront.catalog.models import Variant
from storefront.extensions import db
from storefront.inventory.services import fulfilment_order
from storefront.markets import cache as markets_cache
from storefront.pricing.services import cached_current_rates
from storefront.tax.services import components
from tests.functional.shopping import ADMIN, admin_api, checkout, deliver, new_cart, ready_cart, token_for

BOOK = "BOK-PRIDE-PB"
BOOK_URL = "/api/v1/products/pride-and-prejudice-illustrated-edition"


@pytest.fixture(params=["in Flask", "below Flask"])
def micro_cache(app, request):
    """Whole catalog responses kept per process, as in production (off in tests). Below Flask:
    versions read at most every minute, so repeats are answered by storefront.api.front."""
    saved = app.config["CACHE_VERSION_TTL_SECONDS"]
    app.config["CATALOG_CACHE_SECONDS"] = 30
    if request.param == "below Flask":
        app.config["CACHE_VERSION_TTL_SECONDS"] = 60
    yield
    app.config["CATALOG_CACHE_SECONDS"] = 0
    app.config["CACHE_VERSION_TTL_SECONDS"] = saved
    cache.clear_local()


@pytest.fixture
def bounds(app):
    """Set the store's bounds (for this test) on an empty store."""
    saved = app.config["CACHE_MAX_ENTRIES"], app.config["CACHE_MAX_CHARS"]
    cache.clear_local()

    def set_bounds(entries: int, chars: int) -> None:
        app.config["CACHE_MAX_ENTRIES"], app.config["CACHE_MAX_CHARS"] = entries, chars

    yield set_bounds
    app.config["CACHE_MAX_ENTRIES"], app.config["CACHE_MAX_CHARS"] = saved


def all_versions(app) -> dict[str, str]:
    """Every namespace's version as the next request reads it."""
    with app.test_request_context():
        namespaces = cache.declared()
        return dict(zip((n.name for n in namespaces), cache.versions(db.session, namespaces)))


def read(app, fn):
    """``fn()`` in a request of its own (its own cache versions)."""
    with app.test_request_context():
        return fn()


def variant(body: dict, sku: str) -> dict:
    return next(v for v in body["variants"] if v["sku"] == sku)


# --- the store ------------------------------------------------------------------------------


def test_eviction_keeps_the_most_recently_used_and_stays_within_the_bounds(app, session, bounds):
    computed = []

    def compute(missing):
        computed.extend(missing)
        return {k: "x" * 10 for k in missing}

    def each(*keys):
        return cache.memoized_each(session, CATALOG, "eviction-test", keys, compute, weight=len)

    bounds(entries=8, chars=50)
    each(0, 1, 2, 3, 4)
    assert cache.usage() == (5, 50)
    each(0)  # a hit: 0 is now the most recently used
    each(5)  # 60 characters: the least recently used (1) goes, not everything
    assert computed == [0, 1, 2, 3, 4, 5] and cache.usage() == (5, 50)
    assert each(0, 2, 3, 4, 5) == {k: "x" * 10 for k in (0, 2, 3, 4, 5)} and len(computed) == 6
    each(1)
    assert computed[6:] == [1] and cache.usage() == (5, 50)

    for i in range(20):  # entries without a weight count against the entry bound
        cache.memoized(session, CATALOG, ("eviction-test", i), lambda i=i: i)
    assert cache.usage()[0] == 8
    assert cache.memoized(session, CATALOG, ("eviction-test", 19), lambda: "recomputed") == 19
    assert cache.memoized(session, CATALOG, ("eviction-test", 0), lambda: "recomputed") == "recomputed"

    cache.memoized_each(session, CATALOG, "eviction-test", ["big"], lambda m: {"big": "x" * 51}, weight=len)
    assert cache.usage()[1] <= 50  # a value larger than the bound is not kept


def test_an_entry_is_stale_once_its_namespace_changes(app, session):
    computed = []

    def value():
        computed.append(1)
        return len(computed)

    with app.test_request_context():
        assert cache.memoized(db.session, CATALOG, ("stale-test",), value) == 1
    with app.test_request_context():
        assert cache.memoized(db.session, CATALOG, ("stale-test",), value) == 1
        CATALOG.invalidate(db.session)
        assert cache.memoized(db.session, CATALOG, ("stale-test",), value) == 2  # at once in this process


def test_each_namespace_is_declared_once_by_its_owner(app):
    assert {n.name: n.owner for n in cache.declared()} == {
        "catalog": "storefront.catalog.cache",
        "fx": "storefront.pricing.services",
        "inventory": "storefront.inventory.services",
        "listing_book": "storefront.listing_book",  # its version is the listing book's generation
        "markets": "storefront.markets.cache",
        "prices": "storefront.pricing.services",
        "shipping": "storefront.shipping.services",
        "tax": "storefront.tax.services",
    }
    with pytest.raises(ValueError, match="owned by storefront.pricing.services"):
        cache.declare("fx", owner="storefront.checkout.services")


def test_one_round_trip_reads_every_version_of_a_request(app, client, count_queries):
    client.get(f"{BOOK_URL}?market=DE")
    with count_queries() as counter:
        client.get(f"{BOOK_URL}?market=DE")
    # (the listing's page statement also names cache_version: it joins the listing book's generation)
    assert sum("cache_version.name, cache_version.version" in s for s in counter.statements) == 1


# --- what does not invalidate ---------------------------------------------------------------


def test_tokens_stock_orders_and_refunds_invalidate_no_cache(app, client, fake_gateway):
    before = all_versions(app)
    token_for(client, "orders")
    cart = ready_cart(client, "DE", "DE", [(BOOK, 1)])  # sets the stock through the merchant API
    _, placed, _ = checkout(client, cart["token"])
    intent = placed["payment"]["payment_intent_id"]
    fake_gateway.set_status(intent, "succeeded")
    deliver(client, fake_gateway, "payment_intent.succeeded", fake_gateway.payment_intent_object(intent))
    response, body = admin_api(client, "post", f"/orders/{placed['order']['id']}/refunds", json={})
    assert response.status_code == 201, body
    assert all_versions(app) == before
    _, audit = admin_api(client, "get", "/audit?limit=10")
    assert {"refund", "update"} <= {e["action"] for e in audit["items"]}  # recorded all the same


# --- each merchant change is seen by the next read ------------------------------------------


def test_a_price_and_a_sale_show_in_the_next_cached_response(app, client, micro_cache):
    assert variant(client.get(f"{BOOK_URL}?market=DE").get_json(), BOOK)["price"]["gross"]["amount"] != "77.00"
    admin_api(client, "put", f"/variants/{BOOK}/prices/DE", json={"amount": "77.00"})
    assert variant(client.get(f"{BOOK_URL}?market=DE").get_json(), BOOK)["price"]["gross"]["amount"] == "77.00"
    response, body = admin_api(client, "post", f"/variants/{BOOK}/sales", json={
        "market": "DE", "amount": "50.00", "starts_at": (clock.now() - timedelta(hours=1)).isoformat()})
    assert response.status_code == 201, body
    price = variant(client.get(f"{BOOK_URL}?market=DE").get_json(), BOOK)["price"]
    assert price["gross"]["amount"] == "50.00" and price["compare_at"]["amount"] == "77.00"


def test_an_fx_rate_shows_in_cached_rates_and_responses(app, client, micro_cache):
    before = variant(client.get(f"{BOOK_URL}?market=KW").get_json(), BOOK)["price"]["gross"]["amount"]
    old = read(app, lambda: cached_current_rates(db.session, "EUR")["KWD"].rate)
    response, body = admin_api(client, "put", "/fx-rates/KWD", json={"rate": str(old * 2)})
    assert response.status_code == 200 and body["repriced"] > 0, body
    assert read(app, lambda: cached_current_rates(db.session, "EUR")["KWD"].rate) == old * 2
    assert variant(client.get(f"{BOOK_URL}?market=KW").get_json(), BOOK)["price"]["gross"]["amount"] != before


def test_a_tax_override_shows_in_rates_and_responses(app, client, micro_cache):
    today = date.today()
    assert variant(client.get(f"{BOOK_URL}?market=DE").get_json(), BOOK)["price"]["tax_rate"] == "7.00"
    assert read(app, lambda: components(db.session, "DE", {"books"}, today))["books"][0].rate == Decimal("7")
    response, body = admin_api(client, "post", "/tax/overrides", json={
        "jurisdiction": "DE", "tax": "VAT", "category": "books", "rate": "5.5", "valid_from": "2024-01-01"})
    assert response.status_code == 201, body
    assert read(app, lambda: components(db.session, "DE", {"books"}, today))["books"][0].rate == Decimal("5.5")
    assert variant(client.get(f"{BOOK_URL}?market=DE").get_json(), BOOK)["price"]["tax_rate"] == "5.50"


def test_a_market_change_shows_in_cached_markets_and_responses(app, client, micro_cache):
    def names():
        return {m["code"]: m["name"] for m in client.get("/api/v1/markets?market=DE").get_json()["items"]}

    assert names()["CH"] == "Schweiz"
    response, body = admin_api(client, "patch", "/markets/CH", json={"names": {"en": "Switzerland", "de": "Helvetia"}})
    assert response.status_code == 200, body
    assert names()["CH"] == "Helvetia"
    assert next(m for m in read(app, lambda: markets_cache.markets(db.session)) if m.code == "CH").names["de"] == \
        "Helvetia"


def test_a_shipping_method_change_shows_in_the_next_cart(app, client):
    token = new_cart(client, "DE")["token"]
    methods = client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]
    method = methods[0]
    response, body = admin_api(client, "patch", f"/shipping-methods/{method['id']}", json={"rate": "123.45"})
    assert response.status_code == 200, body
    again = client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]
    assert next(m for m in again if m["id"] == method["id"])["rate"]["amount"] == "123.45"


def test_a_product_translation_shows_in_responses_and_alternates(app, client, session, micro_cache):
    product_id = session.scalar(select(Variant.product_id).where(Variant.sku == BOOK))
    before = client.get(f"{BOOK_URL}?market=DE").get_json()
    assert client.get(f"{BOOK_URL}?market=FR").get_json()["name"] != "Orgueil et préjugés (nouvelle édition)"
    response, body = admin_api(client, "put", f"/products/{product_id}/translations/fr", json={
        "name": "Orgueil et préjugés (nouvelle édition)", "slug": "orgueil-et-prejuges-nouvelle-edition"})
    assert response.status_code == 200, body
    assert client.get(f"{BOOK_URL}?market=FR").get_json()["name"] == "Orgueil et préjugés (nouvelle édition)"
    after = client.get(f"{BOOK_URL}?market=DE").get_json()
    french = next(a for a in after["alternates"] if a["locale"] == "fr-FR")
    assert "orgueil-et-prejuges-nouvelle-edition" in french["href"] and after["alternates"] != before["alternates"]


def test_a_warehouse_change_shows_in_the_next_fulfilment(app, client):
    assert [code for code, _ in read(app, lambda: fulfilment_order(db.session, "AU", "AU"))] == ["JP-CHB"]
    response, body = admin_api(client, "patch", "/warehouses/DE-LEJ", json={
        "markets": ["DE", "FR", "EU", "CH", "GB", "KW", "US", "AU"]})
    assert response.status_code == 200, body
    assert [code for code, _ in read(app, lambda: fulfilment_order(db.session, "AU", "AU"))] == ["DE-LEJ", "JP-CHB"]
