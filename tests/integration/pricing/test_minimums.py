"""``product_min_price`` (storefront/pricing/minimums.py) stays equal to the
lowest resolved price per product and market through every kind of price
change, and price-ordered listings fold the sales in force into it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select

from storefront.catalog.models import Variant
from storefront.pricing.models import ProductMinPrice, ResolvedPrice
from tests.functional.shopping import admin_api


def aggregated(session) -> dict[tuple[int, str], Decimal]:
    rows = session.execute(
        select(Variant.product_id, ResolvedPrice.market_code, func.min(ResolvedPrice.amount))
        .join(Variant, Variant.id == ResolvedPrice.variant_id).group_by(Variant.product_id, ResolvedPrice.market_code))
    return {(p, m): a for p, m, a in rows}


def stored(session) -> dict[tuple[int, str], Decimal]:
    return {(r.product_id, r.market_code): r.amount for r in session.execute(
        select(ProductMinPrice.product_id, ProductMinPrice.market_code, ProductMinPrice.amount))}


def assert_current(app, session) -> dict:
    with app.app_context():
        expected = aggregated(session)
        assert stored(session) == expected
        return expected


def test_the_demo_has_every_products_lowest_price(app, session):
    minimums = stored(session)
    assert minimums == aggregated(session)
    assert len({p for p, _ in minimums}) > 60 and {m for _, m in minimums} >= {"DE", "CH", "JP", "KW", "US"}


def test_every_kind_of_price_change_keeps_it_current(client, db_session, app):
    before = assert_current(app, db_session)
    # An explicit price far below the rest, then gone again (derived price back).
    response, body = admin_api(client, "put", "/variants/BOK-PRIDE-HC/prices/CH", json={"amount": "1.00"})
    assert response.status_code == 200, body
    after = assert_current(app, db_session)
    assert min(v for (p, m), v in after.items() if m == "CH") == Decimal("1.00")
    assert admin_api(client, "delete", "/variants/BOK-PRIDE-HC/prices/CH")[0].status_code in (200, 204)
    assert assert_current(app, db_session) == before
    # A new FX rate reprices every derived price in JPY.
    response, body = admin_api(client, "put", "/fx-rates/JPY", json={"rate": "150.00"})
    assert response.status_code == 200, body
    assert assert_current(app, db_session) != before
    # A new cheap variant, then removing it.
    response, product = admin_api(client, "post", "/products", json={
        "key": "minimums-mug", "category": "outdoor", "markets": ["DE", "JP"], "options": ["color"],
        "translations": {"en": {"name": "Mug", "slug": "minimums-mug"}},
        "variants": [{"sku": "MIN-MUG-BLK", "base_price": "12.00", "options": {"color": "black"}}]})
    assert response.status_code == 201, product
    response, body = admin_api(client, "post", f"/products/{product['id']}/variants",
                               json={"sku": "MIN-MUG-NAT", "base_price": "2.00", "options": {"color": "natural"}})
    assert response.status_code == 201, body
    assert assert_current(app, db_session)[(product["id"], "DE")] == Decimal("2.00")
    assert admin_api(client, "delete", "/variants/MIN-MUG-NAT")[0].status_code in (200, 204)
    assert assert_current(app, db_session)[(product["id"], "DE")] == Decimal("12.00")
    # A market changing its currency: every price there is written anew.
    response, body = admin_api(client, "patch", "/markets/AU", json={"currency": "NZD", "reprice_open_carts": True})
    assert response.status_code == 200, body
    assert_current(app, db_session)


def walk(client, path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        body = client.get(path + (f"&cursor={cursor}" if cursor else "")).get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items


def test_price_order_follows_the_lowest_price_paid_now_sales_included(client):
    cheapest_first = walk(client, "/api/v1/products?market=DE&sort=price&limit=10")
    prices = [Decimal(p["price"]["gross"]["amount"]) for p in cheapest_first]  # DE shows gross
    assert prices == sorted(prices) and len(prices) > 40
    dearest = cheapest_first[-1]
    sku = dearest["variants"][0]["sku"]
    starts = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    response, body = admin_api(client, "post", f"/variants/{sku}/sales",
                               json={"market": "DE", "amount": "0.50", "starts_at": starts})
    assert response.status_code == 201, body
    again = walk(client, "/api/v1/products?market=DE&sort=price&limit=10")
    assert again[0]["id"] == dearest["id"] and again[0]["price"]["gross"]["amount"] == "0.50"
    assert walk(client, "/api/v1/products?market=DE&sort=-price&limit=10")[-1]["id"] == dearest["id"]
    assert [p["id"] for p in again[1:]] == [p["id"] for p in cheapest_first if p["id"] != dearest["id"]]
