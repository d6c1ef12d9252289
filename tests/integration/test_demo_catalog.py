"""The demo catalog is complete: every product translated, priced and stocked."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select

from storefront.catalog.models import Category, Product, ProductTranslation, Variant
from storefront.inventory.models import Stock, Warehouse
from storefront.markets.models import Market
from storefront.pricing.models import ResolvedPrice, VariantPrice
from storefront.tax import taxability

LANGUAGES = {"en", "de", "fr", "it", "es", "nl", "ja", "ar"}


def test_size_of_the_demo_catalog(session):
    assert session.scalar(select(func.count()).select_from(Product)) >= 60
    assert session.scalar(select(func.count()).select_from(Category)) >= 6
    per_product = Counter(session.scalars(select(Variant.product_id)).all())
    assert sum(1 for n in per_product.values() if n > 1) >= 20


def test_every_product_is_written_in_every_demo_language(session):
    rows = session.execute(select(ProductTranslation.product_id, ProductTranslation.locale, ProductTranslation.name,
                                     ProductTranslation.description)).all()
    languages: dict[int, set[str]] = {}
    for product_id, locale, name, description in rows:
        languages.setdefault(product_id, set()).add(locale)
        assert name.strip() and len(description) > 60
        assert not name.startswith("[")  # no machine-stamped placeholders
    assert all(LANGUAGES <= found for found in languages.values())
    # Regional rows exist where wording differs, e.g. Canadian French.
    assert any("fr-CA" in found for found in languages.values())
    # Within a product the languages really differ.
    by_product: dict[int, set[str]] = {}
    for product_id, locale, name, _ in rows:
        if locale in LANGUAGES:
            by_product.setdefault(product_id, set()).add(name)
    assert sum(len(names) for names in by_product.values()) / len(by_product) >= 6


def test_every_variant_has_a_price_in_every_market_in_its_currency(session):
    markets = dict(session.execute(select(Market.code, Market.currency)).all())
    variants = session.scalar(select(func.count()).select_from(Variant))
    prices = session.execute(select(ResolvedPrice.market_code, ResolvedPrice.currency, ResolvedPrice.amount)).all()
    assert len(prices) == variants * len(markets)
    sources = dict(session.execute(select(ResolvedPrice.market_code, ResolvedPrice.source).distinct()).all())
    # Explicit where the merchant typed prices, derived (FX + rounding rule) elsewhere.
    assert {m for m, s in sources.items() if s == "explicit"} == {"DE", "FR", "EU", "GB"}
    assert {m for m, s in sources.items() if s == "derived"} == {"US", "CA", "CH", "JP", "AU", "KW"}
    assert session.scalar(select(func.count()).select_from(VariantPrice)) == 4 * variants
    for market, currency, amount in prices:
        assert currency == markets[market]
        assert amount > 0
        if currency == "JPY":
            assert amount % 100 == 80  # charm pricing: ¥1,980
        if currency == "KWD":
            assert amount % Decimal("0.010") == 0  # Stripe takes KWD in multiples of 10 fils
        if currency == "CHF":
            assert amount % Decimal("0.05") == 0


def test_stock_lives_in_three_warehouses(session):
    countries = set(session.scalars(select(Warehouse.country_code)).all())
    assert {"DE", "US", "JP"} <= countries
    quantities = session.scalars(select(Stock.quantity)).all()
    assert quantities and any(q == 0 for q in quantities) and sum(quantities) > 1000


def test_every_demo_product_carries_a_product_tax_code_of_its_category(session):
    codes = dict(session.execute(select(Product.key, Product.tax_code)).all())
    assert all(codes.values()), [key for key, code in codes.items() if not code]
    for key, code, category in session.execute(select(Product.key, Product.tax_code, Product.tax_category)):
        assert taxability.tax_category_for(code) == category, key
    assert codes["pantry-dark-chocolate-72-ecuador"] == "txcd_40100001"  # candy and sweets, not staple food
    assert codes["pantry-coffee-ethiopia-yirgacheffe"] == "txcd_41050006"
    assert codes["pantry-sencha-shizuoka"] == "txcd_41050008"
    assert codes["pantry-olive-oil-crete-koroneiki"] == "sf_food_olive_oil"
    assert codes["pantry-honey-pyrenean-wildflower"] == "txcd_40040000"
    assert {code for key, code in codes.items() if key.startswith("apparel-")} == {"txcd_30011000"}
    assert {code for key, code in codes.items() if key.startswith("book-")} == {"txcd_35010000"}
