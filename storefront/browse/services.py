"""Catalog reads for shoppers: fetch with a constant number of queries, then
compute prices with the pure pricing functions."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Sequence
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session

from storefront.pagination import InvalidCursor, decode_cursor, encode_cursor
from storefront.catalog import listing
from storefront.catalog.cache import CATALOG
from storefront.catalog.services import CategoryRef
from storefront.catalog.services import categories as translated_categories
from storefront.browse import book, queries
from storefront.browse.json_text import product_text
from storefront.catalog.errors import CategoryNotFound, ProductNotFound
from storefront.i18n.fallback import fallback_chain
from storefront.i18n.text import fold, like_pattern
from storefront.cache import memoized, memoized_each
from storefront.markets.cache import MARKETS
from storefront.markets.services import MarketView
from storefront.pricing import shelf
from storefront.pricing.display import ShelfPrice

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class VariantOption:
    option: str
    name: str
    value: str
    value_name: str


@dataclass(frozen=True)
class VariantView:
    sku: str
    name: str
    available: bool
    options: tuple[VariantOption, ...]
    price: ShelfPrice
    id: int | None = None  # not shown; the listing book keeps it beside the fragment


@dataclass(frozen=True)
class ProductView:
    id: int
    slug: str
    name: str
    description: str
    category: CategoryRef | None
    price: ShelfPrice
    variants: tuple[VariantView, ...]
    # [{locale, market, href}] already encoded as a JSON array: up to hundreds per
    # product with many markets, cached per process and spliced into responses as is.
    alternates_json: str | None  # pre-encoded; None: not asked for (lists without ?include=alternates)
    created_at: datetime


class NotBooked(Exception):
    """The listing book does not hold the whole page (``list_products(book_only=True)``)."""


@dataclass(frozen=True)
class ProductPage:
    items: tuple[ProductView, ...]
    next_cursor: str | None
    # With ``encode_locale``: every item as its JSON text, in order (the listing book's fragments where
    # current, the others encoded here); ``items`` then holds only those built the long way.
    texts: tuple[str, ...] | None = None


def category_counts(session: Session, market_code: str, now: datetime) -> dict[int, int]:
    """Per category, the number of its active products sold (with a price) in the market."""
    return dict(session.execute(queries.category_counts_statement(market_code, now)).all())


def _category_ids(session: Session, value: str, categories: dict[int, CategoryRef]) -> list[int]:
    found = set(session.scalars(queries.category_by_slug_statement(value)).all())
    if not found:
        raise CategoryNotFound(category=value)
    # A category includes its subcategories, at any depth.
    result = set(found)
    changed = True
    while changed:
        children = {c.id for c in categories.values() if c.parent_id in result} - result
        result |= children
        changed = bool(children)
    return sorted(result)


def _sort_value(sort: str, raw) -> object:
    """Validate the keyset value carried by a cursor for ``sort``."""
    if sort == "name":
        if not isinstance(raw, str):
            raise InvalidCursor()
        return raw
    if sort in ("price", "-price"):
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            raise InvalidCursor() from None
    try:
        return datetime.fromisoformat(str(raw))
    except ValueError:
        raise InvalidCursor() from None


def _cursor_value(sort: str, row) -> object:
    if sort == "name":
        return row.sort_key
    if sort in ("price", "-price"):
        return str(row.min_price)
    return row.created_at.isoformat()


def list_products(
    session: Session,
    market: MarketView,
    markets: Sequence[MarketView],
    chain: Sequence[str],
    *,
    limit: int,
    cursor: str | None = None,
    q: str | None = None,
    category: str | None = None,
    sort: str = "name",
    default_locale: str = "en",
    now: datetime,
    alternates: bool = False,
    tax_jurisdiction: str | None = None,
    encode_locale: str | None = None,
    book_only: bool = False,
) -> ProductPage:
    """A page of products. With ``encode_locale`` (the response's locale) the
    page comes encoded (``ProductPage.texts``), from the listing book where it
    holds the products (storefront.browse.book). With ``book_only``, a page the
    book does not hold whole raises :class:`NotBooked` instead of being built."""
    categories = translated_categories(session, chain)
    after = None
    if cursor:
        raw, last_id = decode_cursor(cursor, sort)
        after = (_sort_value(sort, raw), last_id)
    category_ids = _category_ids(session, category, categories) if category else None
    search = None
    if q and fold(q):
        search = like_pattern(q)
    book_locale = encode_locale if encode_locale and tax_jurisdiction in (None, market.tax_jurisdiction) else None
    if book_only and book_locale is None:
        raise NotBooked()
    stmt, params = queries.prepared_page(
        market=market.code, now=now, chain=chain, category_ids=category_ids, search_pattern=search,
        sku=q.strip().upper() if q else None, sort=sort, after=after, limit=limit + 1,
        listing_chain=_listing_chain(session, chain), book_locale=book_locale, book_only=book_only,
    )
    rows = session.connection().execute(stmt, params).all()  # Core: columns only, no ORM row processing
    if book_only and any(r.fragment_body is None for r in rows):
        raise NotBooked()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(sort, _cursor_value(sort, rows[-1]), rows[-1].id) if more and rows else None
    if book_only and not alternates:  # every row from the book (checked above): one join, one pass
        return ProductPage(items=(), next_cursor=next_cursor, texts=(book.fill_page(rows),) if rows else ())
    if encode_locale is not None:
        return _encoded_page(session, market, markets, chain, rows, categories, default_locale, now, encode_locale,
                             next_cursor, alternates=alternates, tax_jurisdiction=tax_jurisdiction)
    items = _build_products(session, market, markets, chain, rows, categories, default_locale, now,
                            alternates=alternates, tax_jurisdiction=tax_jurisdiction)
    return ProductPage(items=tuple(items), next_cursor=next_cursor)


def _encoded_page(session, market, markets, chain, rows, categories, default_locale, now, locale, next_cursor, *,
                  alternates: bool, tax_jurisdiction) -> ProductPage:
    booked = [r for r in rows if getattr(r, "fragment_body", None) is not None]
    rest = [r for r in rows if getattr(r, "fragment_body", None) is None]
    built = {p.id: p for p in _build_products(session, market, markets, chain, rest, categories, default_locale, now,
                                              alternates=alternates, tax_jurisdiction=tax_jurisdiction)}
    shown = _alternates(session, [r.id for r in booked], markets, default_locale) if alternates and booked else {}
    texts = []
    for r in rows:
        if r.id in built:
            texts.append(product_text(built[r.id], locale))
        elif getattr(r, "fragment_body", None) is not None:
            text = book.fill(r.fragment_body, r.fragment_variants, r.fragment_available)
            if alternates:
                if isinstance(text, bytes):  # (book_only: the page as UTF-8 bytes)
                    text = b"".join((text[:-1], b',"alternates":', shown.get(r.id, "[]").encode(), b"}"))
                else:
                    text = "".join((text[:-1], ',"alternates":', shown.get(r.id, "[]"), "}"))
            texts.append(text)
    return ProductPage(items=tuple(built.values()), next_cursor=next_cursor, texts=tuple(texts))


def get_product(
    session: Session,
    market: MarketView,
    markets: Sequence[MarketView],
    chain: Sequence[str],
    slug: str,
    default_locale: str = "en",
    *,
    now: datetime,
    tax_jurisdiction: str | None = None,
    encode_locale: str | None = None,
) -> ProductView | str:
    """The product whose slug, in any locale, is ``slug`` — if sold in ``market``.

    When several products use the slug in different locales, the one in the
    response locale's chain wins. With ``encode_locale`` (the response's
    locale) and the product in the listing book: its JSON text, alternates
    included, without the closing brace (the caller adds fields)."""
    owners = session.execute(queries.slug_owners_statement(slug)).all()
    if not owners:
        raise ProductNotFound(product=slug)
    rank = {tag: i for i, tag in enumerate(chain)}
    product_id = min(owners, key=lambda o: (rank.get(o.locale, len(rank)), o.product_id)).product_id
    booked = encode_locale if encode_locale and tax_jurisdiction in (None, market.tax_jurisdiction) else None
    rows = session.connection().execute(
        *queries.prepared_page(market=market.code, now=now, chain=chain, product_ids=[product_id],
                               listing_chain=_listing_chain(session, chain), book_locale=booked)
    ).all()
    if not rows:
        raise ProductNotFound(product=slug)
    if booked and rows[0].fragment_body is not None:
        alternates = _alternates(session, [product_id], markets, default_locale).get(product_id, "[]")
        text = book.fill(rows[0].fragment_body, rows[0].fragment_variants, rows[0].fragment_available)
        return "".join((text[:-1], ',"alternates":', alternates))
    categories = translated_categories(session, chain)
    return _build_products(session, market, markets, chain, rows, categories, default_locale, now,
                           tax_jurisdiction=tax_jurisdiction)[0]


def _option_names(session: Session, chain: Sequence[str]) -> tuple[dict[str, str], dict[int, str]]:
    """Option names by key and option value names by id along ``chain`` (cached like categories)."""
    def load() -> tuple[dict[str, str], dict[int, str]]:
        options, values = queries.option_names_statements(chain)
        return ({r.key: r.name for r in session.execute(options)}, {r.id: r.name for r in session.execute(values)})

    return memoized(session, CATALOG, ("options", tuple(chain)), load)


def _variant_options(session: Session, product_ids: Sequence[int]) -> dict[int, tuple[tuple[int, str, int, str], ...]]:
    """Per product, its variants' (variant id, option key, value id, value key)
    in display order: catalog structure, cached per product like alternates."""
    def load(missing: Sequence[int]) -> dict[int, tuple]:
        found: dict[int, list] = {pid: [] for pid in missing}
        for o in session.execute(*queries.prepared_options(missing)):
            found[o.product_id].append((o.variant_id, o.option_key, o.value_id, o.key))
        return {pid: tuple(rows) for pid, rows in found.items()}

    return memoized_each(session, CATALOG, "variant_options", product_ids, load)


def _listing_chain(session: Session, chain: Sequence[str]) -> str | None:
    """The read model's key for ``chain`` when it is indexed (else the COALESCE query serves)."""
    key = listing.chain_key(chain)
    built = memoized(session, CATALOG, ("listing_chains",), lambda: frozenset(listing.indexed(session)))
    return key if key in built else None


def _build_products(
    session: Session,
    market: MarketView,
    markets: Sequence[MarketView],
    chain: Sequence[str],
    rows,
    categories: dict[int, CategoryRef],
    default_locale: str,
    now: datetime,
    *,
    alternates: bool = True,
    tax_jurisdiction: str | None = None,
) -> list[ProductView]:
    ids = [r.id for r in rows]
    if not ids:
        return []
    option_names, value_names = _option_names(session, chain)
    option_rows: dict[int, list] = defaultdict(list)
    for variant_options in _variant_options(session, ids).values():
        for variant_id, option_key, value_id, value_key in variant_options:
            option_rows[variant_id].append(VariantOption(
                option=option_key, name=option_names.get(option_key, option_key), value=value_key,
                value_name=value_names.get(value_id, value_key),
            ))
    variant_rows = session.execute(*queries.prepared_variants(market.code, ids, now)).all()
    on_sale = [v.id for v in variant_rows if v.sale_amount is not None and v.sale_amount < v.amount]
    priors = shelf.prior_prices(session, market.code, on_sale, now) if on_sale else {}
    category_of = {r.id: r.tax_code or r.tax_category for r in rows}  # the tax class: code, else category
    rates = shelf.display_tax_rates(session, market, set(category_of.values()), now.date(),
                                     tax_jurisdiction)
    variants: dict[int, list[tuple[Decimal, VariantView]]] = defaultdict(list)
    for v in variant_rows:
        options = tuple(option_rows.get(v.id, ()))
        price = shelf.variant_shelf_price(market, v.amount, v.sale_amount if v.id in priors else None, priors.get(v.id),
                                          rates.get(category_of[v.product_id]))
        variants[v.product_id].append(
            (
                price.gross.amount,
                VariantView(
                    sku=v.sku,
                    name=" / ".join(o.value_name for o in options),
                    available=v.free > 0,
                    options=options,
                    price=price,
                    id=v.id,
                ),
            )
        )
    shown = _alternates(session, ids, markets, default_locale) if alternates else None
    products = []
    for row in rows:
        own = variants.get(row.id, [])
        if not own:
            continue
        named = tuple(v if v.name else _with_name(v, row.name) for _, v in own)
        cheapest = min(range(len(own)), key=lambda i: own[i][0])
        products.append(
            ProductView(
                id=row.id,
                slug=row.slug,
                name=row.name,
                description=row.description,
                category=categories.get(row.category_id),
                price=named[cheapest].price,
                variants=named,
                alternates_json=shown.get(row.id, "[]") if shown is not None else None,
                created_at=row.created_at,
            )
        )
    return products


def _with_name(variant: VariantView, name: str) -> VariantView:
    return replace(variant, name=name)




@lru_cache(maxsize=16384)
def _quoted(slug: str) -> str:
    return quote(slug)


def _alternates(
    session: Session, ids: Sequence[int], markets: Sequence[MarketView], default_locale: str
) -> dict[int, str]:
    """hreflang alternates: every (market, locale) the product is sold in, with
    the slug that locale resolves to. They change only with merchant changes
    (slugs, availability, markets), so each product's are kept per process
    until the next one; a page computes only the products not kept yet.
    Encoded, ~2 KB a product with 10 markets, ~28 KB with 200: they count
    against the cache's character bound."""
    return memoized_each(session, (CATALOG, MARKETS), f"alternates:{default_locale}", ids,
                         lambda missing: _compute_alternates(session, missing, markets, default_locale), weight=len)


def _compute_alternates(
    session: Session, ids: Sequence[int], markets: Sequence[MarketView], default_locale: str
) -> dict[int, str]:
    """Two queries for all ``ids``."""
    slugs_stmt, markets_stmt, params = queries.prepared_alternates(ids)
    slugs: dict[int, dict[str, str]] = defaultdict(dict)
    for r in session.execute(slugs_stmt, params):
        slugs[r.product_id][r.locale] = r.slug
    sold: dict[int, set[str]] = defaultdict(set)
    for r in session.execute(markets_stmt, params):
        sold[r.product_id].add(r.market_code)
    # Per (market, locale): the fallback chain and the query, once per page.
    targets = [(m.code, locale, fallback_chain(locale, default_locale), urlencode({"market": m.code, "locale": locale}))
               for m in markets for locale in m.locales]
    result: dict[int, str] = {}
    for product_id in ids:
        own = slugs.get(product_id, {})
        sold_in = sold.get(product_id, ())
        found = []
        for code, locale, chain, query in targets:
            if code not in sold_in:
                continue
            for tag in chain:
                slug = own.get(tag)
                if slug is not None:
                    found.append({"locale": locale, "market": code,
                                  "href": f"{API_PREFIX}/products/{_quoted(slug)}?{query}"})
                    break
        result[product_id] = json.dumps(found, ensure_ascii=False, separators=(",", ":"))
    return result
