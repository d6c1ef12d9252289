"""Loads the demo catalog (storefront/demo/data) into an empty database.

Markets, warehouses, categories, options, 60+ products with translations in
every demo language, a price in every market for every variant (the base
price converted with the demo FX rate and the market's demo rounding rule),
and stock in three warehouses."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.catalog.models import (
    Category,
    CategoryTranslation,
    Option,
    OptionTranslation,
    OptionValue,
    OptionValueTranslation,
    Product,
    ProductMarket,
    ProductOption,
    Variant,
    VariantOptionValue,
)
from storefront import cache
from storefront import listing_book
from storefront.catalog import listing
from storefront.catalog.cache import CATALOG
from storefront.catalog.services import new_product_translation
from storefront.inventory.models import Stock, Warehouse, WarehouseMarket
from storefront.inventory.services import INVENTORY
from storefront.markets.cache import MARKETS
from storefront.markets.models import Market, MarketCountry, MarketLocale, MarketTranslation
from storefront.pricing import fx as fx_service
from storefront.pricing import services as pricing
from storefront.pricing.models import ResolvedPrice, VariantPrice
from storefront.markets.rounding import round_price
from storefront.shipping.models import ShippingMethod, ShippingZone
from storefront.shipping.services import SHIPPING
from storefront.tax import taxability
from storefront.tax.services import load_rates

DATA_DIR = Path(__file__).resolve().parent / "data"


def is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Market)) == 0


def _read(name: str) -> dict:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


# The demo shop opened 60 days before it was loaded: prices have a history.
OPENED_DAYS_AGO = 60
# Winter sale (DE, FR, EU, CH): 20 % off a few products, started 5 days ago.
SALE_SKUS = ("BOK-PRIDE-HC", "PAN-COF-ETH-500")
SALE_MARKETS = ("DE", "FR", "EU", "CH")


def load_demo(session: Session, now: datetime | None = None, base_currency: str = "EUR",
              default_locale: str = "en") -> dict[str, int]:
    """Insert the demo catalog; the caller commits. Returns row counts.

    Explicit prices in the markets marked so (EU, DE, FR, GB), derived ones
    elsewhere from the base price with the demo ECB rates (plus a merchant
    KWD rate, which the ECB does not publish), a price history going back to
    the opening, one price rise and a running sale (EU Omnibus prior price)."""
    now = now or datetime.now(timezone.utc)
    opened = now - timedelta(days=OPENED_DAYS_AGO)
    markets_data = _read("markets.json")
    catalog = _read("catalog.json")
    products = [p for f in sorted(DATA_DIR.glob("products_*.json")) for p in _read(f.name)["products"]]

    markets = _load_markets(session, markets_data["markets"])
    _load_warehouses(session, markets_data["warehouses"])
    categories = _load_categories(session, catalog["categories"])
    values = _load_options(session, catalog["options"], catalog["option_values"])
    session.flush()
    variant_count = 0
    for p in products:
        variant_count += _load_product(session, p, categories, values, markets, markets_data)
    session.flush()
    listing.index_in_use(session, default_locale)
    load_rates(session)
    _load_fx_and_prices(session, markets_data["fx"], base_currency, opened)
    _load_price_story(session, base_currency, now)
    # Written here directly (tax rates, FX rates and prices by their services,
    # which invalidate their own namespaces).
    cache.invalidate(session, MARKETS, CATALOG, SHIPPING, INVENTORY)
    listing_book.touch_all(session)
    return {"markets": len(markets), "categories": len(categories), "products": len(products), "variants": variant_count}


def _load_fx_and_prices(session: Session, fx: dict, base_currency: str, opened: datetime) -> None:
    # The demo document's rates are presented as published the day before the
    # shop opened, so the opening prices could be derived from them.
    published = (opened - timedelta(days=1)).date().isoformat()
    document = (DATA_DIR / fx["ecb_file"]).read_bytes().replace(
        f"time='{fx['ecb_date']}'".encode(), f"time='{published}'".encode()
    )
    fx_service.import_ecb(session, document, base=base_currency, now=opened)
    for quote, rate in fx["merchant_rates"].items():
        pricing.set_fx_rate(session, base_currency, quote, rate, opened.date() - timedelta(days=1), "merchant", opened)
    pricing.reprice(session, base_currency=base_currency, now=opened)


def _load_price_story(session: Session, base_currency: str, now: datetime) -> None:
    """A price rise 15 days ago and a sale from 5 days ago: the sale shows the
    raised price as compare_at but the lower earlier one as prior_price."""
    risen = now - timedelta(days=15)
    pricing.set_explicit_price(session, "BOK-PRIDE-HC", "DE", "34.90", base_currency=base_currency, now=risen)
    for sku in SALE_SKUS:
        for market in SALE_MARKETS:
            regular = session.scalar(
                select(ResolvedPrice.amount)
                .join(Variant, Variant.id == ResolvedPrice.variant_id)
                .where(Variant.sku == sku, ResolvedPrice.market_code == market)
            )
            currency = session.get(Market, market).currency
            sale = round_price(regular * Decimal("0.8"), currency, "cash" if currency == "CHF" else "minor")
            pricing.add_sale(session, sku, market, sale, now - timedelta(days=5), now + timedelta(days=25))


def _load_markets(session: Session, data: list[dict]) -> list[dict]:
    for position, m in enumerate(data):
        market = Market(
            code=m["code"], currency=m["currency"], is_default=m.get("default", False),
            prices_include_tax=m["prices_include_tax"], rounding=m["rounding"],
            tax_rate=Decimal(m["tax_rate"]), tax_name=m["tax_name"], position=position,
            price_uplift=Decimal(m["price_uplift"]), derived_rounding=m["derived_rounding"],
            tax_rounding=m["tax_rounding"], tax_jurisdiction=m.get("tax_jurisdiction"), incoterm=m["incoterm"],
        )
        market.countries = [MarketCountry(country_code=c) for c in m["countries"]]
        market.locales = [MarketLocale(locale=loc, position=i) for i, loc in enumerate(m["locales"])]
        market.translations = [MarketTranslation(locale=k, name=v) for k, v in m["names"].items()]
        session.add(market)
        session.flush()
        for z in m["shipping"]:
            zone = ShippingZone(market_code=m["code"], name=z["zone"], countries=z["countries"])
            zone.methods = [
                ShippingMethod(code=x["code"], names=x["names"], rate=Decimal(x["rate"]), currency=m["currency"],
                               free_over=Decimal(x["free_over"]) if x["free_over"] else None,
                               min_days=x["min_days"], max_days=x["max_days"], position=i)
                for i, x in enumerate(z["methods"])
            ]
            session.add(zone)
    return data


def _load_warehouses(session: Session, data: list[dict]) -> None:
    for w in data:
        warehouse = Warehouse(code=w["code"], name=w["name"], country_code=w["country"])
        warehouse.markets = [WarehouseMarket(market_code=code) for code in w["markets"]]
        session.add(warehouse)


def _load_categories(session: Session, data: list[dict]) -> dict[str, Category]:
    result = {}
    for c in data:
        category = Category(key=c["key"], position=c["position"])
        category.translations = [
            CategoryTranslation(locale=loc, name=t["name"], slug=t["slug"]) for loc, t in c["translations"].items()
        ]
        session.add(category)
        result[c["key"]] = category
    return result


def _load_options(session: Session, options: dict, values: dict) -> dict[tuple[str, str], OptionValue]:
    result = {}
    for key, names in options.items():
        option = Option(key=key)
        option.translations = [OptionTranslation(locale=loc, name=n) for loc, n in names.items()]
        session.add(option)
        for value_key, value_names in values.get(key, {}).items():
            value = OptionValue(option_key=key, key=value_key)
            value.translations = [OptionValueTranslation(locale=loc, name=n) for loc, n in value_names.items()]
            session.add(value)
            result[(key, value_key)] = value
    return result


def _swiss(text: str) -> str:
    """Swiss Standard German writes ss for ß."""
    return text.replace("ß", "ss")


def _load_product(session, p, categories, values, markets, markets_data) -> int:
    created = datetime.fromisoformat(p["created"]).replace(hour=9, tzinfo=timezone.utc)
    product = Product(
        key=p["key"], tax_code=p.get("tax_code"), hs_code=p.get("hs_code"),
        tax_category=taxability.tax_category_for(p["tax_code"]) if p.get("tax_code") else p["tax_category"],
        origin_country=p.get("origin"), weight_grams=p.get("weight_grams"), created_at=created,
    )
    product.category_id = categories[p["category"]].id
    translations = dict(p["translations"])
    german = translations.get("de")
    if german and "de-CH" not in translations and any("ß" in german[k] for k in ("name", "description")):
        translations["de-CH"] = {
            "name": _swiss(german["name"]), "slug": german["slug"], "description": _swiss(german["description"]),
        }
    product.translations = [
        new_product_translation(loc, t["name"], t["slug"], t["description"], created)
        for loc, t in translations.items()
    ]
    product.options = [ProductOption(option_key=key, position=i) for i, key in enumerate(p["options"])]
    session.add(product)
    session.flush()
    excluded = set(p.get("not_sold_in", []))
    for m in markets:
        if m["code"] not in excluded:
            session.add(ProductMarket(product_id=product.id, market_code=m["code"]))
    base = Decimal(p["base_price"])
    for position, v in enumerate(p["variants"]):
        base_price = base + Decimal(v.get("price_delta", "0"))
        variant = Variant(product_id=product.id, sku=v["sku"], position=position, base_price=base_price)
        variant.option_values = [
            VariantOptionValue(option_value_id=values[(key, value)].id) for key, value in v["options"].items()
        ]
        session.add(variant)
        session.flush()
        for m in markets:
            if m["demo_prices"] == "explicit":
                rate = Decimal(markets_data["demo_explicit_fx"].get(m["currency"], "1"))
                amount = round_price(base_price * rate, m["currency"], m["derived_rounding"])
                session.add(VariantPrice(variant_id=variant.id, market_code=m["code"], amount=amount,
                                         currency=m["currency"]))
        for w in markets_data["warehouses"]:
            session.add(Stock(variant_id=variant.id, warehouse_code=w["code"], quantity=_demo_quantity(v["sku"], w["code"])))
    return len(p["variants"])


def _demo_quantity(sku: str, warehouse: str) -> int:
    """Deterministic demo stock: 0–59 units, about one variant in ten sold out."""
    digest = hashlib.sha256(f"{sku}@{warehouse}".encode()).digest()
    return 0 if digest[0] < 26 else digest[1] % 60
