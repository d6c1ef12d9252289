"""Merchant catalog management: products, variants, availability, translations.

Services take the session first and never commit. Every function validates
fully before it writes, so a 4xx leaves nothing half-written, and each write
invalidates the ``catalog`` cache namespace in the same transaction."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storefront.catalog.models import (
    Category,
    OptionValue,
    Product,
    ProductMarket,
    ProductOption,
    ProductTranslation,
    Variant,
    VariantOptionValue,
)
from storefront.cache import memoized
from storefront import listing_book as book
from storefront.catalog import listing, queries, translations
from storefront.catalog.cache import CATALOG
from storefront.catalog.queries import prepared_categories
from storefront.catalog.errors import (
    DuplicateVariantOptions,
    InvalidSlug,
    InvalidTaxCategory,
    LastVariant,
    ProductKeyTaken,
    ProductNotFound,
    SkuTaken,
    SlugTaken,
    SourceTranslationRequired,
    TranslationNotFound,
    UnknownCategory,
    UnknownOptionValue,
    VariantInOrders,
    VariantNotFound,
    VariantOptionsMismatch,
)

from storefront.i18n.fallback import canonical_tag, fallback_chain, parse_locale
from storefront.i18n.text import fold, like_pattern, sort_key
from storefront.markets.models import Market, MarketLocale
from storefront.markets.services import known_markets
from storefront.money import parse_base_price

TAX_CATEGORIES = ("standard", "reduced", "super_reduced", "zero", "books", "food", "beverage_alcohol")
STATUSES = ("active", "draft", "archived")
SLUG = re.compile(r"^[^\sA-Z/?#%&=+]{1,200}$")


def product(session: Session, product_id: int) -> Product:
    row = session.scalar(select(Product).where(Product.id == product_id).options(
        selectinload(Product.translations), selectinload(Product.variants).selectinload(Variant.option_values),
        selectinload(Product.options)).execution_options(populate_existing=True))
    if row is None:
        raise ProductNotFound(product=product_id)
    return row


def snapshot(session: Session, p: Product) -> dict[str, Any]:
    """The product as the audit trail and the merchant API show it."""
    values = _option_value_keys(session, [ov.option_value_id for v in p.variants for ov in v.option_values])
    markets = sorted(session.scalars(select(ProductMarket.market_code).where(ProductMarket.product_id == p.id)).all())
    category = session.get(Category, p.category_id)
    return {
        "id": p.id, "key": p.key, "status": p.status, "category": category.key if category else None,
        "tax_category": p.tax_category, "tax_code": p.tax_code, "hs_code": p.hs_code, "origin": p.origin_country,
        "weight_grams": p.weight_grams, "markets": markets, "options": [o.option_key for o in p.options],
        "translations": {t.locale: {"name": t.name, "slug": t.slug, "description": t.description,
                                    "updated_at": t.updated_at} for t in sorted(p.translations, key=lambda t: t.locale)},
        "variants": [{"sku": v.sku, "base_price": v.base_price, "position": v.position,
                      "options": dict(sorted(values[ov.option_value_id] for ov in v.option_values))}
                     for v in p.variants],
    }


def _option_value_keys(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {r.id: (r.option_key, r.key) for r in session.execute(
        select(OptionValue.id, OptionValue.option_key, OptionValue.key).where(OptionValue.id.in_(ids)))}


def _category_id(session: Session, value: object) -> int:
    stmt = select(Category.id).where(Category.key == str(value))
    if isinstance(value, int) or str(value).isdigit():
        stmt = select(Category.id).where((Category.id == int(value)) | (Category.key == str(value)))
    found = session.scalar(stmt)
    if found is None:
        raise UnknownCategory(category=value)
    return found


def derived_slug(session: Session, locale: str, name: str, product_id: int | None) -> str:
    """A slug for ``name`` free in ``locale`` (but for this product): ``slugify``
    with -2, -3 ... on a collision."""
    return queries.derived_slug(session, ProductTranslation, "product_id", locale, name, product_id)


def _with_slug(session: Session, locale: str, data: dict[str, Any], product_id: int | None,
               current: str | None = None) -> dict[str, Any]:
    """``data`` with a slug: the one given, else the translation's current one
    (its URLs stay stable), else one derived from the name."""
    if data.get("slug"):
        return data
    tag = parse_locale(locale)
    return {**data, "slug": current or derived_slug(session, tag, data["name"], product_id)}


def _check_translation(session: Session, locale: str, slug: str, product_id: int | None) -> str:
    tag = parse_locale(locale)
    if not SLUG.match(slug or ""):
        raise InvalidSlug(slug=slug)
    clash = session.scalar(select(ProductTranslation.product_id).where(
        ProductTranslation.locale == tag, ProductTranslation.slug == slug))
    if clash is not None and clash != product_id:
        raise SlugTaken(slug=slug, locale=tag)
    return tag


def _resolve_variant_options(session: Session, option_keys: list[str], variants: list[dict]) -> list[list[int]]:
    wanted = {(o, str(v)) for spec in variants for o, v in (spec.get("options") or {}).items()}
    found = {(r.option_key, r.key): r.id for r in session.execute(
        select(OptionValue.id, OptionValue.option_key, OptionValue.key))
        if (r.option_key, r.key) in wanted} if wanted else {}
    result, seen = [], set()
    for spec in variants:
        options = {o: str(v) for o, v in (spec.get("options") or {}).items()}
        if set(options) != set(option_keys):
            raise VariantOptionsMismatch(options=", ".join(option_keys) or "-")
        for o, v in options.items():
            if (o, v) not in found:
                raise UnknownOptionValue(option=o, value=v)
        combo = tuple(sorted(options.items()))
        if combo in seen:
            raise DuplicateVariantOptions()
        seen.add(combo)
        result.append([found[(o, v)] for o, v in options.items()])
    return result


def create_product(session: Session, data: dict[str, Any], *, base_currency: str, source_locale: str) -> Product:
    if session.scalar(select(Product.id).where(Product.key == data["key"])) is not None:
        raise ProductKeyTaken(key=data["key"])
    if data.get("tax_category", "standard") not in TAX_CATEGORIES:
        raise InvalidTaxCategory(category=data["tax_category"])
    translations = {loc: _with_slug(session, loc, t, None) for loc, t in data["translations"].items()}
    if source_locale not in translations:
        raise SourceTranslationRequired(locale=source_locale)
    tags = {loc: _check_translation(session, loc, t["slug"], None) for loc, t in translations.items()}
    category_id = _category_id(session, data["category"])
    markets = known_markets(session, data["markets"]) if data.get("markets") is not None else \
        list(session.scalars(select(Market.code)).all())
    options = list(data.get("options") or [])
    variants = data["variants"]
    skus = [v["sku"] for v in variants]
    if len(set(skus)) != len(skus):
        raise SkuTaken(sku=next(s for s in skus if skus.count(s) > 1))
    taken = session.scalar(select(Variant.sku).where(Variant.sku.in_(skus)))
    if taken:
        raise SkuTaken(sku=taken)
    option_ids = _resolve_variant_options(session, options, variants)
    prices = [parse_base_price(v["base_price"], base_currency) if v.get("base_price") is not None else None
              for v in variants]
    p = Product(key=data["key"], category_id=category_id, status=data.get("status", "active"),
                tax_category=data.get("tax_category", "standard"), tax_code=data.get("tax_code"),
                hs_code=data.get("hs_code"),
                origin_country=data.get("origin"), weight_grams=data.get("weight_grams"))
    p.translations = [new_product_translation(tags[loc], t["name"], t["slug"], t.get("description", ""))
                      for loc, t in translations.items()]
    p.options = [ProductOption(option_key=o, position=i) for i, o in enumerate(options)]
    session.add(p)
    session.flush()
    for position, (spec, ids, price) in enumerate(zip(variants, option_ids, prices)):
        v = Variant(sku=spec["sku"], position=position, base_price=price)
        v.option_values = [VariantOptionValue(option_value_id=i) for i in ids]
        p.variants.append(v)
    for code in markets:
        session.add(ProductMarket(product_id=p.id, market_code=code))
    session.flush()
    listing.refresh_products(session, [p.id])
    book.touch(session, [p.id])
    CATALOG.invalidate(session)
    return p


def update_product(session: Session, p: Product, data: dict[str, Any]) -> None:
    if "category" in data:
        p.category_id = _category_id(session, data["category"])
    if "tax_category" in data:
        if data["tax_category"] not in TAX_CATEGORIES:
            raise InvalidTaxCategory(category=data["tax_category"])
        p.tax_category = data["tax_category"]
    for field, column in (("tax_code", "tax_code"), ("hs_code", "hs_code"), ("origin", "origin_country"), ("weight_grams", "weight_grams"),
                          ("status", "status")):
        if field in data:
            setattr(p, column, data[field])
    session.flush()
    book.touch(session, [p.id])
    CATALOG.invalidate(session)


def set_markets(session: Session, p: Product, codes: Iterable[str]) -> list[str]:
    codes = known_markets(session, codes)
    current = set(session.scalars(select(ProductMarket.market_code).where(ProductMarket.product_id == p.id)).all())
    for code in current - set(codes):
        session.delete(session.get(ProductMarket, (p.id, code)))
    for code in set(codes) - current:
        session.add(ProductMarket(product_id=p.id, market_code=code))
    session.flush()
    book.touch(session, [p.id])
    CATALOG.invalidate(session)
    return codes


def delete_product(session: Session, p: Product, *, ordered: bool) -> str:
    """Delete a product, or archive it when it has been ordered (orders keep their lines)."""
    CATALOG.invalidate(session)
    book.touch(session, [p.id])
    if ordered:
        p.status = "archived"
        session.flush()
        return "archived"
    session.delete(p)
    session.flush()
    return "deleted"


def add_variant(session: Session, p: Product, spec: dict[str, Any], *, base_currency: str) -> Variant:
    if session.scalar(select(Variant.id).where(Variant.sku == spec["sku"])) is not None:
        raise SkuTaken(sku=spec["sku"])
    ids = _resolve_variant_options(session, [o.option_key for o in p.options], [spec])[0]
    existing = [tuple(sorted(ov.option_value_id for ov in v.option_values)) for v in p.variants]
    if tuple(sorted(ids)) in existing:
        raise DuplicateVariantOptions()
    price = parse_base_price(spec["base_price"], base_currency) if spec.get("base_price") is not None else None
    v = Variant(sku=spec["sku"], position=len(p.variants), base_price=price)
    v.option_values = [VariantOptionValue(option_value_id=i) for i in ids]
    p.variants.append(v)
    session.flush()
    book.touch(session, [p.id])
    CATALOG.invalidate(session)
    return v


def delete_variant(session: Session, v: Variant, *, ordered: bool) -> None:
    """Delete a variant that was never ordered; a product keeps at least one.
    The caller refreshes what is derived from the product's variants (its lowest prices)."""
    if ordered:
        raise VariantInOrders(sku=v.sku)
    siblings = session.scalar(select(func.count()).select_from(Variant).where(Variant.product_id == v.product_id))
    if siblings <= 1:
        raise LastVariant()
    product_id = v.product_id
    v.product.variants.remove(v)
    session.flush()
    book.touch(session, [product_id])
    CATALOG.invalidate(session)


def put_translation(session: Session, p: Product, locale: str, data: dict[str, str], now: datetime) -> ProductTranslation:
    """Create or replace a translation. Without a slug it keeps its current
    one, or gets one derived from the name (``derived_slug``)."""
    current = next((t.slug for t in p.translations if t.locale == (canonical_tag(locale) or locale)), None)
    data = _with_slug(session, locale, data, p.id, current)
    tag = _check_translation(session, locale, data["slug"], p.id)
    row = next((t for t in p.translations if t.locale == tag), None)
    if row is None:
        row = new_product_translation(tag, data["name"], data["slug"], data.get("description", ""), now)
        p.translations.append(row)
    else:
        row.name, row.slug, row.description = data["name"], data["slug"], data.get("description", "")
        row.search_text, row.sort_key = fold(f"{row.name} {row.description}"), sort_key(row.name)
        row.updated_at = now
    session.flush()
    listing.refresh_products(session, [p.id])
    book.touch(session, [p.id])
    CATALOG.invalidate(session)
    return row


def delete_translation(session: Session, p: Product, locale: str, *, source_locale: str) -> None:
    tag = canonical_tag(locale) or locale
    if tag == source_locale:
        raise SourceTranslationRequired(locale=tag, http_status=409)
    row = next((t for t in p.translations if t.locale == tag), None)
    if row is None:
        raise TranslationNotFound(locale=tag)
    p.translations.remove(row)
    session.flush()
    listing.refresh_products(session, [p.id])
    book.touch(session, [p.id])
    CATALOG.invalidate(session)


@dataclass(frozen=True)
class StatusRow:
    product_id: int
    key: str
    market: str
    locale: str
    state: str  # missing | outdated
    falls_back_to: str | None


def market_locales(session: Session, market: str | None = None) -> list[str]:
    """The locales of one market (all markets when None), each once."""
    stmt = select(MarketLocale.locale).order_by(MarketLocale.market_code, MarketLocale.position)
    if market:
        stmt = stmt.where(MarketLocale.market_code == market.upper())
    return list(dict.fromkeys(session.scalars(stmt)))


def translation_status(session: Session, market: str | None, default_locale: str) -> list[StatusRow]:
    """Which products lack which locales of which markets (shown in a fallback
    language), and which translations are older than their source text."""
    locales = defaultdict(list)
    stmt = select(MarketLocale.market_code, MarketLocale.locale).order_by(MarketLocale.market_code, MarketLocale.position)
    if market:
        stmt = stmt.where(MarketLocale.market_code == market.upper())
    for code, locale in session.execute(stmt):
        locales[code].append(locale)
    rows = session.execute(
        select(Product.id, Product.key, ProductTranslation.locale, ProductTranslation.updated_at)
        .join(ProductTranslation, ProductTranslation.product_id == Product.id)
        .where(Product.status != "archived")
    ).all()
    have: dict[int, dict[str, datetime]] = defaultdict(dict)
    keys: dict[int, str] = {}
    for r in rows:
        have[r.id][r.locale] = r.updated_at
        keys[r.id] = r.key
    sold = defaultdict(set)
    for pid, code in session.execute(select(ProductMarket.product_id, ProductMarket.market_code)):
        sold[pid].add(code)
    result = []
    for pid in sorted(have):
        own = have[pid]
        for code, tags in sorted(locales.items()):
            if code not in sold[pid]:
                continue
            for tag in tags:
                found, read = translations.state(own, tag, default_locale)
                if found != "done":
                    result.append(StatusRow(pid, keys[pid], code, tag, found, read))
    return result


@dataclass(frozen=True)
class CustomsRow:
    product_id: int
    key: str
    missing: tuple[str, ...]  # "hs_code", "origin"
    markets: tuple[str, ...]  # where it is sold


def customs_status(session: Session, market: str | None = None) -> list[CustomsRow]:
    """Products (not archived) without a tariff code or a country of origin,
    with the markets they are sold in: checkout refuses a product without a
    tariff code across a customs border (tariff_code_missing), and one
    without an origin gets no preferential rate."""
    sold = defaultdict(list)
    for pid, code in session.execute(select(ProductMarket.product_id, ProductMarket.market_code)
                                     .order_by(ProductMarket.market_code)):
        sold[pid].append(code)
    rows = session.execute(
        select(Product.id, Product.key, Product.hs_code, Product.origin_country)
        .where(Product.status != "archived", (Product.hs_code.is_(None)) | (Product.origin_country.is_(None)))
        .order_by(Product.id)
    ).all()
    result = []
    for r in rows:
        markets = tuple(sold[r.id])
        if market and market.upper() not in markets:
            continue
        missing = tuple(name for name, value in (("hs_code", r.hs_code), ("origin", r.origin_country)) if not value)
        result.append(CustomsRow(r.id, r.key, missing, markets))
    return result


def search_statement(*, status: str | None = None, q: str | None = None, category_id: int | None = None,
                     market: str | None = None, ids: Iterable[int] | None = None):
    """Product ids matching the filters (unordered: the caller pages them); ``q``
    is a product key or words of a name or description in any locale;
    ``market`` the products sold there; ``ids`` limits to those products."""
    stmt = select(Product.id)
    if status:
        stmt = stmt.where(Product.status == status)
    if category_id is not None:
        stmt = stmt.where(Product.category_id == category_id)
    if market:
        stmt = stmt.where(Product.id.in_(select(ProductMarket.product_id)
                                         .where(ProductMarket.market_code == market.upper())))
    if ids is not None:
        stmt = stmt.where(Product.id.in_(list(ids)))
    if q:
        stmt = stmt.where(Product.id.in_(select(ProductTranslation.product_id).where(
            ProductTranslation.search_text.like(like_pattern(q), escape="\\"))) | (Product.key == q))
    return stmt


def variant_by_sku(session: Session, sku: str) -> Variant:
    variant = session.scalar(select(Variant).where(Variant.sku == sku))
    if variant is None:
        raise VariantNotFound(sku=sku)
    return variant


def new_product_translation(locale: str, name: str, slug: str, description: str,
                            updated_at: datetime | None = None) -> ProductTranslation:
    """A translation row with its derived search text and sort key."""
    row = ProductTranslation(
        locale=locale, name=name, slug=slug, description=description,
        search_text=fold(f"{name} {description}"), sort_key=sort_key(name),
    )
    if updated_at is not None:
        row.updated_at = updated_at
    return row


@dataclass(frozen=True)
class CategoryRef:
    id: int
    key: str
    slug: str
    name: str
    parent_id: int | None


@dataclass(frozen=True)
class CategoryView:
    id: int
    key: str
    slug: str
    name: str
    parent_id: int | None
    product_count: int


def categories(session: Session, chain: Sequence[str]) -> dict[int, CategoryRef]:
    """The translated category tree, in display order (cached per process until a catalog change)."""
    def load() -> dict[int, CategoryRef]:
        return {
            c.id: CategoryRef(c.id, c.key, c.slug, c.name, c.parent_id)
            for c in session.execute(prepared_categories(chain))
        }

    return memoized(session, CATALOG, ("categories", tuple(chain)), load)


def list_categories(session: Session, chain: Sequence[str], counts: dict[int, int]) -> list[CategoryView]:
    """The translated tree with ``counts`` (category id -> products sold in the shopper's market)."""
    return [
        CategoryView(c.id, c.key, c.slug, c.name, c.parent_id, counts.get(c.id, 0))
        for c in categories(session, chain).values()
    ]
