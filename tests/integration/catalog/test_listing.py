"""The listing read model (storefront/catalog/listing.py) holds exactly what
the translation joins compute, stays so through merchant changes, and a
listing served from it is the listing served without it."""
from __future__ import annotations

from sqlalchemy import delete, func, select

from storefront.catalog import listing
from storefront.catalog.models import ListingChain, Product, ProductListingText, ProductTranslation
from storefront.browse.queries import coalesce_translation
from storefront.catalog import cache as catalog_cache
from tests.functional.shopping import admin_api

LANTERN = {
    "key": "listing-lantern", "category": "outdoor", "markets": ["DE", "CH", "CA"], "options": ["color"],
    "translations": {"en": {"name": "Zinc Lantern", "slug": "zinc-lantern", "description": "Zinc."},
                     "de": {"name": "Zinklaterne", "slug": "zinklaterne", "description": "Aus Zink."}},
    "variants": [{"sku": "LST-LANTERN-1", "base_price": "19.00", "options": {"color": "black"}}],
}


def computed(session, chain: tuple[str, ...]) -> dict[int, tuple]:
    """What the chain resolves to, straight from the translations."""
    stmt, tr = coalesce_translation(select(Product.id), ProductTranslation, "product_id", Product.id, chain,
                                    listing.FIELDS)
    stmt = stmt.add_columns(func.coalesce(tr["name"], Product.key), func.coalesce(tr["slug"], Product.key),
                            func.coalesce(tr["description"], ""), func.coalesce(tr["sort_key"], Product.key),
                            func.coalesce(tr["search_text"], ""))
    return {r[0]: tuple(r[1:]) for r in session.execute(stmt)}


def stored(session, chain: tuple[str, ...]) -> dict[int, tuple]:
    t = ProductListingText
    rows = session.execute(select(t.product_id, t.name, t.slug, t.description, t.sort_key, t.search_text)
                           .where(t.chain == listing.chain_key(chain)))
    return {r[0]: tuple(r[1:]) for r in rows}


def assert_current(session) -> set[tuple[str, ...]]:
    chains = listing.chains_in_use(session, "en")
    assert set(listing.indexed(session)) >= {listing.chain_key(c) for c in chains}
    for chain in chains:
        expected = computed(session, chain)
        assert stored(session, chain) == expected, chain
    return chains


def test_the_demo_indexes_every_market_locale(session):
    chains = assert_current(session)
    assert ("de-CH", "de", "en") in chains and ("fr-CA", "fr", "en") in chains and ("ja-JP", "ja", "en") in chains
    # The Swiss German rows are the demo's "ss" spellings where it has them, German elsewhere.
    swiss, german = stored(session, ("de-CH", "de", "en")), stored(session, ("de-DE", "de", "en"))
    assert any("ß" in german[pid][2] and "ß" not in swiss[pid][2] for pid in german)


def test_merchant_changes_keep_it_current(client, db_session, app):
    response, product = admin_api(client, "post", "/products", json=LANTERN)
    assert response.status_code == 201, product
    pid = product["id"]
    with app.app_context():
        assert stored(db_session, ("de-DE", "de", "en"))[pid][0] == "Zinklaterne"
        assert stored(db_session, ("fr-CA", "fr", "en"))[pid][0] == "Zinc Lantern"  # falls back to English
    response, _ = admin_api(client, "put", f"/products/{pid}/translations/fr",
                            json={"name": "Lanterne en zinc", "slug": "lanterne-zinc"})
    assert response.status_code == 200
    response, _ = admin_api(client, "put", f"/products/{pid}/translations/de-CH",
                            json={"name": "Zinklaterne (CH)", "slug": "zinklaterne-ch"})
    assert response.status_code == 200
    response, _ = admin_api(client, "delete", f"/products/{pid}/translations/de")
    assert response.status_code in (200, 204)
    # A new market locale is indexed as the market gets it.
    response, body = admin_api(client, "patch", "/markets/CH", json={"locales": ["de-CH", "fr-CH", "it-CH", "rm-CH"]})
    assert response.status_code == 200, body
    with app.app_context():
        assert stored(db_session, ("fr-CA", "fr", "en"))[pid][0] == "Lanterne en zinc"
        assert stored(db_session, ("de-CH", "de", "en"))[pid][0] == "Zinklaterne (CH)"
        assert stored(db_session, ("de-DE", "de", "en"))[pid][0] == "Zinc Lantern"  # German deleted
        assert "rm-CH rm en" in listing.indexed(db_session)
        assert_current(db_session)
    names = [p["name"] for p in client.get("/api/v1/products?market=CH&locale=de-CH&limit=100").get_json()["items"]]
    assert "Zinklaterne (CH)" in names
    assert names == sorted(names, key=lambda n: listing_sort_key(n))
    response, _ = admin_api(client, "delete", f"/products/{pid}")
    with app.app_context():
        assert pid not in stored(db_session, ("de-CH", "de", "en"))


def listing_sort_key(name: str) -> str:
    from storefront.i18n.text import sort_key

    return sort_key(name)


PAGES = [
    "/api/v1/products?limit=7&sort=name", "/api/v1/products?limit=7&sort=newest",
    "/api/v1/products?limit=7&sort=price", "/api/v1/products?limit=7&sort=-price",
    "/api/v1/products?q=zelt", "/api/v1/products?category=books&limit=100",
]


def walk(client, path: str, headers: dict) -> list[dict]:
    """Every page of a listing, following next_cursor."""
    pages, cursor = [], None
    while True:
        url = path + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        pages.append(body)
        cursor = body["next_cursor"]
        if not cursor:
            return pages


def test_a_listing_is_the_same_with_and_without_the_read_model(client, db_session, app, count_queries):
    headers = {"Accept-Language": "de-CH"}
    with count_queries() as counter:
        indexed = {path: walk(client, path, headers) for path in PAGES}
    assert any("FROM product_listing_text" in s or "JOIN product_listing_text" in s for s in counter.statements)
    detail = client.get("/api/v1/products/stolz-und-vorurteil-illustrierte-ausgabe", headers=headers).get_json()
    with app.app_context():
        db_session.execute(delete(ListingChain).where(ListingChain.chain == "de-CH de en"))
        db_session.execute(delete(ProductListingText).where(ProductListingText.chain == "de-CH de en"))
        catalog_cache.invalidate(db_session)
        db_session.commit()
    with count_queries() as counter:
        for path, pages in indexed.items():
            assert walk(client, path, headers) == pages, path
    assert not any("product_listing_text" in s for s in counter.statements)
    assert client.get("/api/v1/products/stolz-und-vorurteil-illustrierte-ausgabe", headers=headers).get_json() == detail
    assert sum(len(p["items"]) for p in indexed[PAGES[0]]) > 40
