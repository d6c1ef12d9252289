"""The listing book (storefront.browse.book): listings served from pre-encoded
fragments are exactly what the long way builds, and every writer keeps them
current (prices, sales at their boundaries, translations, tax rates), the
scheduled refresh rebuilding what time or an unmarked change made stale."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from storefront import clock
from storefront.browse import book
from storefront.cache import CacheVersion
from storefront.catalog.cache import CATALOG
from storefront.catalog.models import ListingFragment

from tests.functional.shopping import ADMIN

BOOK_SKU = "BOK-PRIDE-PB"
BOOK_SLUG = "pride-and-prejudice-illustrated-edition"
MOBY = "BOK-MOBY-PB"


def listed(client, market="DE", locale="de-DE", **query):
    args = "&".join(f"{k}={v}" for k, v in {"market": market, "locale": locale, "limit": 100, **query}.items())
    response = client.get(f"/api/v1/products?{args}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def variant(body, sku):
    return next(v for p in body["items"] for v in p["variants"] if v["sku"] == sku)


def product_of(body, sku):
    return next(p for p in body["items"] if sku in {v["sku"] for v in p["variants"]})


def fragment(app, session, product_id, market="DE", locale="de-DE"):
    """The product's current fragment (None: missing or stale)."""
    with app.app_context():
        generation = session.scalar(select(CacheVersion.version).where(CacheVersion.name == book.BOOK.name))
        row = session.get(ListingFragment, (market, locale, product_id))
        if row is None or row.generation != generation:
            return None
        if row.valid_until is not None and row.valid_until <= clock.now():
            return None
        return row


def refresh(app, session):
    with app.app_context():
        written = book.refresh(session)
        session.commit()
    return written


def drop_book(app, session):
    with app.app_context():
        session.execute(delete(ListingFragment))
        session.commit()


def test_every_market_and_locale_lists_and_shows_from_the_book_what_the_long_way_builds(app, client, db_session):
    markets = client.get("/api/v1/markets").get_json()["items"]
    pages = [(m["code"], locale, query) for m in markets for locale in m["locales"]
             for query in ({}, {"sort": "price"}, {"sort": "newest", "limit": 5}, {"include": "alternates", "limit": 7})]
    pages += [("DE", "de-DE", {"q": "stolz"}), ("JP", "ja-JP", {"category": "books"})]
    booked = {}
    for code, locale, query in pages:
        body = listed(client, code, locale, **query)
        booked[code, locale, tuple(query.items())] = body
        assert fragment(app, db_session, body["items"][0]["id"], code, locale) is not None, (code, locale)
    details = {}
    for code, locale, query in pages[::4]:
        for item in booked[code, locale, tuple(query.items())]["items"][:3]:
            url = f"/api/v1/products/{item['slug']}?market={code}&locale={locale}"
            details[url] = client.get(url).get_data()
    cursor = listed(client, "CH", "fr-CH", limit=3)["next_cursor"]
    second = client.get(f"/api/v1/products?market=CH&locale=fr-CH&limit=3&cursor={cursor}").get_data()
    drop_book(app, db_session)
    for (code, locale, query), body in booked.items():
        assert listed(client, code, locale, **dict(query)) == body, (code, locale, query)
    assert client.get(f"/api/v1/products?market=CH&locale=fr-CH&limit=3&cursor={cursor}").get_data() == second
    for url, body in details.items():
        assert client.get(url).get_data() == body, url


def test_availability_is_read_live(app, client, db_session):
    from storefront.inventory.models import Stock
    from storefront.catalog.models import Variant

    assert variant(listed(client), BOOK_SKU)["available"] is True
    with app.app_context():
        variant_id = db_session.scalar(select(Variant.id).where(Variant.sku == BOOK_SKU))
        for stock in db_session.scalars(select(Stock).where(Stock.variant_id == variant_id)):
            stock.reserved = stock.quantity  # no book writer runs: stock is not in the book
        db_session.commit()
    body = listed(client)
    assert fragment(app, db_session, product_of(body, BOOK_SKU)["id"]) is not None
    assert variant(body, BOOK_SKU)["available"] is False


def test_an_explicit_price_rebuilds_the_product(app, client, db_session):
    before = listed(client)
    pid = product_of(before, BOOK_SKU)["id"]
    response = client.put(f"/api/v1/admin/variants/{BOOK_SKU}/prices/DE", json={"amount": "23.45"}, headers=ADMIN)
    assert response.status_code == 200, response.get_json()
    row = fragment(app, db_session, pid)
    assert row is not None and '"amount":"23.45"' in row.body
    assert variant(listed(client), BOOK_SKU)["price"]["gross"]["formatted"] == "23,45\u00a0€"


def test_a_base_price_rebuilds_every_derived_market(app, client, db_session):
    pid = product_of(listed(client, "JP", "ja-JP"), BOOK_SKU)["id"]
    old = variant(listed(client, "JP", "ja-JP"), BOOK_SKU)["price"]["gross"]["amount"]
    response = client.patch(f"/api/v1/admin/variants/{BOOK_SKU}", json={"base_price": "99.00"}, headers=ADMIN)
    assert response.status_code == 200, response.get_json()
    assert fragment(app, db_session, pid, "JP", "ja-JP") is not None
    assert variant(listed(client, "JP", "ja-JP"), BOOK_SKU)["price"]["gross"]["amount"] != old


def test_a_sale_shows_and_ends_at_its_boundaries(app, client, db_session, monkeypatch):
    regular = variant(listed(client, "FR", "fr-FR"), MOBY)["price"]
    pid = product_of(listed(client, "FR", "fr-FR"), MOBY)["id"]
    starts = clock.now() + timedelta(days=2)
    ends = starts + timedelta(days=7)
    response = client.post(f"/api/v1/admin/variants/{MOBY}/sales", headers=ADMIN,
                           json={"market": "FR", "amount": "15.00", "starts_at": starts.isoformat(),
                                 "ends_at": ends.isoformat()})
    assert response.status_code == 201, response.get_json()
    row = fragment(app, db_session, pid, "FR", "fr-FR")
    assert row is not None and row.valid_until == starts  # rebuilt, good until the sale starts
    assert variant(listed(client, "FR", "fr-FR"), MOBY)["price"] == regular

    monkeypatch.setattr(clock, "now", lambda: starts)  # the start: the fragment is stale at once
    assert fragment(app, db_session, pid, "FR", "fr-FR") is None
    during = variant(listed(client, "FR", "fr-FR"), MOBY)["price"]
    assert during["gross"]["amount"] == "15.00" and during["compare_at"] == regular["gross"]
    assert refresh(app, db_session) > 0  # the scheduled refresh
    row = fragment(app, db_session, pid, "FR", "fr-FR")
    assert row is not None and row.valid_until == ends
    assert variant(listed(client, "FR", "fr-FR"), MOBY)["price"] == during

    monkeypatch.setattr(clock, "now", lambda: ends)  # the end
    assert variant(listed(client, "FR", "fr-FR"), MOBY)["price"] == regular
    refresh(app, db_session)
    assert fragment(app, db_session, pid, "FR", "fr-FR") is not None
    assert variant(listed(client, "FR", "fr-FR"), MOBY)["price"] == regular


def test_cancelling_a_sale_rebuilds_the_product(app, client, db_session):
    sale = next(p for p in listed(client)["items"] for v in p["variants"] if v["price"]["compare_at"])
    sku = next(v["sku"] for v in sale["variants"] if v["price"]["compare_at"])
    sales = client.get(f"/api/v1/admin/variants/{sku}/sales", headers=ADMIN).get_json()["items"]
    for s in sales:
        if s["market"] == "DE":
            assert client.delete(f"/api/v1/admin/sales/{s['id']}", headers=ADMIN).status_code == 204
    assert fragment(app, db_session, sale["id"]) is not None
    assert variant(listed(client), sku)["price"]["compare_at"] is None


def test_a_translation_edit_shows_in_the_next_listing(app, client, db_session):
    pid = product_of(listed(client), BOOK_SKU)["id"]
    response = client.put(f"/api/v1/admin/products/{pid}/translations/de", headers=ADMIN,
                          json={"name": "Stolz und Vorurteil (neu)", "slug": "stolz-und-vorurteil-neu",
                                "description": "Neu."})
    assert response.status_code == 200, response.get_json()
    assert fragment(app, db_session, pid) is not None
    item = product_of(listed(client), BOOK_SKU)
    assert (item["name"], item["slug"]) == ("Stolz und Vorurteil (neu)", "stolz-und-vorurteil-neu")
    assert fragment(app, db_session, pid, "FR", "fr-FR") is not None  # every market and locale rebuilt


def test_a_tax_rate_change_shows_in_the_next_listing(app, client, db_session):
    pid = product_of(listed(client), BOOK_SKU)["id"]
    assert variant(listed(client), BOOK_SKU)["price"]["tax_rate"] == "7.00"
    response = client.post("/api/v1/admin/tax/overrides", headers=ADMIN,
                           json={"jurisdiction": "DE", "tax": "VAT", "category": "books", "rate": "5.5",
                                 "valid_from": "2024-01-01"})
    assert response.status_code == 201, response.get_json()
    assert fragment(app, db_session, pid) is not None  # the demo is small: rebuilt in the transaction
    assert variant(listed(client), BOOK_SKU)["price"]["tax_rate"] == "5.50"


def test_a_dated_tax_change_ends_the_fragments_at_midnight(app, client, db_session, monkeypatch):
    pid = product_of(listed(client), BOOK_SKU)["id"]
    day = clock.now().date() + timedelta(days=3)
    response = client.post("/api/v1/admin/tax/overrides", headers=ADMIN,
                           json={"jurisdiction": "DE", "tax": "VAT", "category": "books", "rate": "5.5",
                                 "valid_from": day.isoformat()})
    assert response.status_code == 201, response.get_json()
    row = fragment(app, db_session, pid)
    assert row is not None and row.valid_until.date() == day and row.valid_until.hour == 0
    assert variant(listed(client), BOOK_SKU)["price"]["tax_rate"] == "7.00"
    monkeypatch.setattr(clock, "now", lambda: row.valid_until + timedelta(minutes=1))
    assert variant(listed(client), BOOK_SKU)["price"]["tax_rate"] == "5.50"


def test_an_unmarked_change_makes_every_fragment_stale_until_the_refresh(app, client, db_session):
    pid = product_of(listed(client), BOOK_SKU)["id"]
    before = listed(client)
    with app.app_context():
        CATALOG.invalidate(db_session)  # as a writer that does not mark the book would
        db_session.commit()
    assert fragment(app, db_session, pid) is None
    assert listed(client) == before  # the long way
    assert refresh(app, db_session) > 0
    assert fragment(app, db_session, pid) is not None
    assert listed(client) == before


@pytest.mark.parametrize("rebuild", [False, True])
def test_the_refresh_command(app, db_session, rebuild):
    from storefront.cli import catalog_cli

    drop_book(app, db_session)
    with app.app_context():
        result = CliRunner().invoke(catalog_cli, ["refresh", *(["--rebuild"] if rebuild else [])],
                                    obj=None, standalone_mode=False)
    assert result.exception is None, result.output
    assert "fragment(s) written" in result.output and not result.output.startswith("listing book: 0 ")


@pytest.mark.parametrize("sort", ["price", "-price"])
def test_pages_by_price_walk_the_same_order_as_pricing_every_product(app, client, db_session, sort):
    from decimal import Decimal

    from storefront.browse import queries

    # A sale far below the regular prices: its product jumps to the front (or the back).
    response = client.post(f"/api/v1/admin/variants/{MOBY}/sales", headers=ADMIN,
                           json={"market": "DE", "amount": "1.00", "starts_at": (clock.now() - timedelta(hours=1))
                                 .isoformat(), "ends_at": (clock.now() + timedelta(days=1)).isoformat()})
    assert response.status_code == 201, response.get_json()
    now = clock.now()
    with app.app_context():
        for market in ("DE", "FR", "JP"):
            chain = ("de-DE", "de", "en")
            every = [(r.min_price, r.id) for r in db_session.execute(
                *queries.prepared_page(market=market, now=now, chain=chain, sort=sort))]
            walked, after = [], None
            while True:
                rows = db_session.execute(*queries.prepared_page(market=market, now=now, chain=chain, sort=sort,
                                                                  after=after, limit=7)).all()
                walked += [(r.min_price, r.id) for r in rows]
                if len(rows) < 7:
                    break
                after = (Decimal(str(rows[-1].min_price)), rows[-1].id)
            assert walked == every, market
            assert len(every) > 20


def _mark_fragment(app, session, product_id, market="DE", locale="de-DE"):
    """Tamper with one stored fragment: a rebuild would write it again."""
    with app.app_context():
        row = session.get(ListingFragment, (market, locale, product_id))
        row.body = row.body.replace('"name":', '"name":"untouched","was":', 1)
        session.commit()


def test_category_edits_rebuild_only_the_products_in_the_category(app, client, db_session):
    items = listed(client)["items"]
    pride = product_of({"items": items}, BOOK_SKU)
    books = pride["category"]["id"]
    other = next(p for p in items if p["category"] and p["category"]["id"] != books)
    _mark_fragment(app, db_session, other["id"])
    with app.app_context():
        generation = db_session.scalar(select(CacheVersion.version).where(CacheVersion.name == book.BOOK.name))

    response = client.post("/api/v1/admin/categories", headers=ADMIN, json={
        "key": "garden", "translations": {"en": {"name": "Garden", "slug": "garden"}}})
    assert response.status_code == 201, response.get_json()
    garden = response.get_json()["id"]
    assert client.delete(f"/api/v1/admin/categories/{garden}", headers=ADMIN).status_code == 204
    response = client.put(f"/api/v1/admin/categories/{books}/translations/de", headers=ADMIN,
                          json={"name": "Bücher und Hefte", "slug": "buecher-und-hefte"})
    assert response.status_code == 200, response.get_json()

    assert '"was":' in fragment(app, db_session, other["id"]).body  # current, never rewritten
    with app.app_context():  # the book's generation is the same: nothing else went stale
        assert db_session.scalar(select(CacheVersion.version).where(CacheVersion.name == book.BOOK.name)) == generation
    row = fragment(app, db_session, pride["id"])
    assert row is not None and "Bücher und Hefte" in row.body  # rebuilt in the transaction
    assert fragment(app, db_session, pride["id"], "FR", "fr-FR") is not None
    item = product_of(listed(client), BOOK_SKU)
    assert item["category"] == {"id": books, "slug": "buecher-und-hefte", "name": "Bücher und Hefte"}
    drop_book(app, db_session)
    long_way = listed(client)
    refresh(app, db_session)
    assert listed(client) == long_way


def _generation(app, session):
    with app.app_context():
        return session.scalar(select(CacheVersion.version).where(CacheVersion.name == book.BOOK.name))


def _long_way(app, client, session, **query):
    """The listing with the book dropped (built the long way), then the book refreshed."""
    drop_book(app, session)
    body = listed(client, **query)
    refresh(app, session)
    return body


@pytest.mark.parametrize("inline", [True, False])
def test_a_tax_override_rebuilds_only_the_markets_taxed_there(app, client, db_session, monkeypatch, inline):
    if not inline:  # a catalog too large to rebuild in the transaction: that market's fragments are dropped
        monkeypatch.setitem(app.config, "LISTING_BOOK_INLINE_LIMIT", 10)
    pid = product_of(listed(client), BOOK_SKU)["id"]
    _mark_fragment(app, db_session, pid, "FR", "fr-FR")
    _mark_fragment(app, db_session, pid)
    generation = _generation(app, db_session)
    response = client.post("/api/v1/admin/tax/overrides", headers=ADMIN,
                           json={"jurisdiction": "DE", "tax": "VAT", "category": "books", "rate": "5.5",
                                 "valid_from": "2024-01-01"})
    assert response.status_code == 201, response.get_json()

    assert _generation(app, db_session) == generation
    assert '"was":' in fragment(app, db_session, pid, "FR", "fr-FR").body  # France: current, not rewritten
    row = fragment(app, db_session, pid)
    if inline:
        assert row is not None and '"was":' not in row.body and '"tax_rate":"5.50"' in row.body
    else:
        assert row is None  # dropped: the long way until the refresh
        assert variant(listed(client), BOOK_SKU)["price"]["tax_rate"] == "5.50"
        assert refresh(app, db_session) > 0  # which rebuilds that market, and leaves France's
        assert '"tax_rate":"5.50"' in fragment(app, db_session, pid).body
        assert '"was":' in fragment(app, db_session, pid, "FR", "fr-FR").body
    assert variant(listed(client), BOOK_SKU)["price"]["tax_rate"] == "5.50"
    shown = listed(client)
    assert shown == _long_way(app, client, db_session)


def test_a_market_edit_rebuilds_only_that_market(app, client, db_session):
    pid = product_of(listed(client), BOOK_SKU)["id"]
    _mark_fragment(app, db_session, pid, "FR", "fr-FR")
    _mark_fragment(app, db_session, pid)
    generation = _generation(app, db_session)
    assert variant(listed(client), BOOK_SKU)["price"]["tax_included"] is True
    response = client.patch("/api/v1/admin/markets/DE", headers=ADMIN, json={"prices_include_tax": False})
    assert response.status_code == 200, response.get_json()

    assert _generation(app, db_session) == generation
    assert '"was":' in fragment(app, db_session, pid, "FR", "fr-FR").body
    row = fragment(app, db_session, pid)
    assert row is not None and '"was":' not in row.body
    assert variant(listed(client), BOOK_SKU)["price"]["tax_included"] is False
    assert listed(client) == _long_way(app, client, db_session)


@pytest.mark.parametrize("inline", [True, False])
def test_a_price_in_one_market_rebuilds_the_product_there_only(app, client, db_session, monkeypatch, inline):
    if not inline:  # too many to rebuild in the transaction: dropped there until the refresh
        monkeypatch.setitem(app.config, "LISTING_BOOK_INLINE_LIMIT", 0)
    pid = product_of(listed(client, "FR", "fr-FR"), MOBY)["id"]
    _mark_fragment(app, db_session, pid, "FR", "fr-FR")
    _mark_fragment(app, db_session, pid)
    response = client.post(f"/api/v1/admin/variants/{MOBY}/sales", headers=ADMIN,
                           json={"market": "FR", "amount": "9.00", "starts_at": clock.now().isoformat()})
    assert response.status_code == 201, response.get_json()

    assert '"was":' in fragment(app, db_session, pid).body  # Germany: current, not rewritten
    row = fragment(app, db_session, pid, "FR", "fr-FR")
    if inline:
        assert row is not None and '"was":' not in row.body
    else:
        assert row is None
        assert refresh(app, db_session) > 0
        assert '"was":' in fragment(app, db_session, pid).body
    assert variant(listed(client, "FR", "fr-FR"), MOBY)["price"]["gross"]["amount"] == "9.00"
    assert listed(client, "FR", "fr-FR") == _long_way(app, client, db_session, market="FR", locale="fr-FR")
