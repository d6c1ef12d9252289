"""The listing book: every product as each market and locale list it,
already encoded (``listing_fragment``), so a listing page is its page query
(which joins the fragments), one statement for free stock and a string join.

A fragment is exactly the JSON ``product_text`` writes for a list item,
built by the same code (``services._build_products`` and
``catalog_json.product_json``): resolved shelf prices with their sale
windows, compare-at and Omnibus prior prices, tax, all formatted for the
locale, and the texts of its fallback chain. Each variant's ``available``
is stored ``true`` and made ``false`` per request where free stock says so
(a page whose every variant is free is sent as stored).

Kept current by
- the writers (storefront.listing_book marks; rebuilt before their commit,
  in their transaction): a product's texts, variants, markets, prices,
  sales and its category's names rebuild that product; a market's settings
  or its jurisdiction's tax rates rebuild that market; the rate data, option
  names and new locale chains start a new generation (every fragment stale)
  and rebuild the whole book. Each is done in the transaction when small
  (``LISTING_BOOK_INLINE_LIMIT`` fragments), else the fragments are dropped
  (built the long way) until the refresh;
- time: a fragment is valid until the next start or end of a sale of its
  variants, or the next dated tax rate change of the market's jurisdiction;
- the scheduled refresh, ``flask storefront catalog refresh``, which rebuilds
  what is missing or stale (run it every few minutes, and after a deploy).

A product without a current fragment is built the long way in the request:
slower, never wrong. Listings whose display jurisdiction is not the market's
own (a shopper's country in a multi-country market) always take that way."""
from __future__ import annotations

import logging
from functools import lru_cache
from datetime import datetime, time as dtime, timezone
from typing import Iterable, Sequence

from flask import current_app, has_app_context
from sqlalchemy import bindparam, delete, event, func, insert, or_, select
from sqlalchemy.orm import Session

from storefront import cache, clock
from storefront.browse import queries, services
from storefront.browse.json_text import dumps, product_json
from storefront.browse.queries import generation_subquery  # noqa: F401 - the book's generation, as joined
from storefront.cache import CacheVersion
from storefront import listing_book as marks
from storefront.listing_book import BOOK
from storefront.catalog.models import ListingFragment, Product, Variant
from storefront.catalog.services import categories as translated_categories
from storefront.markets.services import load_markets
from storefront.i18n.fallback import fallback_chain
from storefront.inventory.models import Stock, WarehouseMarket
from storefront.pricing.models import SalePrice
from storefront.tax.models import TaxRate

log = logging.getLogger("storefront.book")
PLACEHOLDER = "@available"
HOLE = '"available":"@available"'
CHUNK = 500


def _generation(session: Session) -> str:
    found = session.scalar(select(CacheVersion.version).where(CacheVersion.name == BOOK.name))
    if found is None:
        cache.invalidate(session, BOOK)
        found = session.scalar(select(CacheVersion.version).where(CacheVersion.name == BOOK.name))
    return found


# --- building ---------------------------------------------------------------------------


def _next_sale_boundaries(session: Session, market: str, product_ids: Sequence[int] | None,
                          now: datetime) -> dict[int, datetime]:
    """Per product: the next start or end of a sale of one of its variants in ``market``."""

    def query(column):
        stmt = (select(Variant.product_id, func.min(column)).join(SalePrice, SalePrice.variant_id == Variant.id)
                .where(SalePrice.market_code == market, column > now).group_by(Variant.product_id))
        if product_ids is not None:
            stmt = stmt.where(Variant.product_id.in_(product_ids))
        return session.execute(stmt).all()

    found: dict[int, datetime] = {}
    for column in (SalePrice.starts_at, SalePrice.ends_at):
        for product_id, when in query(column):
            when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
            if product_id not in found or when < found[product_id]:
                found[product_id] = when
    return found


def _next_tax_change(session: Session, jurisdiction: str | None, now: datetime) -> datetime | None:
    """The next day a dated rate of the jurisdiction (or its country) starts or ends."""
    if not jurisdiction:
        return None
    today = now.date()
    places = {jurisdiction, jurisdiction.split("-")[0]}
    days = [d for d in (
        session.scalar(select(func.min(TaxRate.valid_from)).where(TaxRate.jurisdiction.in_(places),
                                                                  TaxRate.valid_from > today)),
        session.scalar(select(func.min(TaxRate.valid_to)).where(TaxRate.jurisdiction.in_(places),
                                                                TaxRate.valid_to > today)),
    ) if d is not None]
    return datetime.combine(min(days), dtime(0), tzinfo=timezone.utc) if days else None


def build(session: Session, product_ids: Iterable[int] | None = None, *, now: datetime | None = None,
          markets: Iterable[str] | None = None) -> int:
    """(Re)build the fragments of ``product_ids`` (None: every product) in
    every market and locale (or those of ``markets``); returns how many were written."""

    now = now or clock.now()
    default_locale = current_app.config["DEFAULT_LOCALE"]
    ids = None if product_ids is None else sorted(set(product_ids))
    if ids == []:
        return 0
    session.info["listing_book.building"] = True
    try:
        session.flush()
        generation = _generation(session)
        stale = delete(ListingFragment)
        if ids is not None:
            stale = stale.where(ListingFragment.product_id.in_(ids))
        only = None if markets is None else set(markets)
        if only is not None:
            stale = stale.where(ListingFragment.market_code.in_(sorted(only)))
        session.execute(stale)
        every = load_markets(session)
        written = 0
        for market in every:
            if only is not None and market.code not in only:
                continue
            boundaries = _next_sale_boundaries(session, market.code, ids, now)
            tax_change = _next_tax_change(session, market.tax_jurisdiction, now)
            for locale in market.locales:
                chain = fallback_chain(locale, default_locale)
                key = services.listing.chain_key(chain)
                stmt, params = queries.prepared_page(market=market.code, now=now, chain=chain, product_ids=ids,
                                                     listing_chain=services._listing_chain(session, chain))
                rows = session.execute(stmt, params).all()
                categories = translated_categories(session, chain)
                for start in range(0, len(rows), CHUNK):
                    part = rows[start:start + CHUNK]
                    views = services._build_products(session, market, every, chain, part, categories,
                                                      default_locale, now, alternates=False)
                    values = []
                    for p in views:
                        data = product_json(p, locale)
                        for variant in data["variants"]:
                            variant["available"] = PLACEHOLDER
                        body = stored_body(dumps(data), len(p.variants))
                        if body is None:
                            log.warning("listing book: product %s not booked (an \"available\" outside its "
                                        "variants)", p.id)
                            continue
                        until = [t for t in (boundaries.get(p.id), tax_change) if t is not None]
                        values.append({"market_code": market.code, "locale": locale, "product_id": p.id,
                                       "chain": key, "generation": generation,
                                       "valid_until": min(until) if until else None,
                                       "variant_ids": ",".join(str(v.id) for v in p.variants), "body": body})
                    if values:
                        session.execute(insert(ListingFragment), values)
                        written += len(values)
        return written
    finally:
        session.info.pop("listing_book.building", None)


def refresh(session: Session, *, now: datetime | None = None) -> int:
    """The scheduled refresh: rebuild every product whose fragments are missing
    or stale (another generation, past ``valid_until``) in some market and
    locale; returns the fragments written."""

    now = now or clock.now()
    default_locale = current_app.config["DEFAULT_LOCALE"]
    generation = _generation(session)
    wanted: dict[str, set[int]] = {}
    for market in load_markets(session):
        for locale in market.locales:
            chain = fallback_chain(locale, default_locale)
            stmt, params = queries.prepared_page(market=market.code, now=now, chain=chain,
                                                 listing_chain=services._listing_chain(session, chain))
            listed = {r.id for r in session.execute(stmt, params)}
            current = set(session.scalars(select(ListingFragment.product_id).where(
                ListingFragment.market_code == market.code, ListingFragment.locale == locale,
                ListingFragment.chain == services.listing.chain_key(chain),
                ListingFragment.generation == generation,
                or_(ListingFragment.valid_until.is_(None), ListingFragment.valid_until > now))))
            missing = listed - current
            if missing:
                wanted.setdefault(market.code, set()).update(missing)
    # Per market: a market whose fragments were dropped (storefront.listing_book.touch_markets) leaves the others'.
    return sum(build(session, ids, now=now, markets=[code]) for code, ids in wanted.items())


def rebuild_all(session: Session, *, now: datetime | None = None) -> int:
    """A new generation (every fragment stale at once), then every fragment
    rebuilt when the book is small enough to do it in this transaction."""

    cache.invalidate(session, BOOK)
    limit = current_app.config.get("LISTING_BOOK_INLINE_LIMIT", 5000)
    locales = sum(len(m.locales) for m in load_markets(session))
    products = session.scalar(select(func.count()).select_from(Product))
    if products * locales > limit:
        log.info("listing book: %s fragments stale until `flask storefront catalog refresh`", products * locales)
        return 0
    return build(session, None, now=now)


# --- the writers' marks, applied before they commit -------------------------------------------


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    info = session.info
    if info.get("listing_book.building"):
        return
    everything = info.pop(marks.ALL, False)
    marked = any(key in info for key in marks.MARKED)  # (even if empty: a writer said what changed)
    products = info.pop(marks.PRODUCTS, None) or set()
    variants = info.pop(marks.VARIANTS, None) or set()
    pairs = info.pop(marks.IN_MARKETS, None) or set()
    markets = info.pop(marks.MARKETS, None) or set()
    places = info.pop(marks.JURISDICTIONS, None) or set()
    invalidated = info.pop(cache.INVALIDATED, None) or set()
    if not (everything or products or variants or pairs or markets or places or invalidated & marks.SHAPING) \
            or not has_app_context():
        return
    if everything:
        rebuild_all(session)
    elif products or variants or pairs or markets or places:
        if variants or pairs:
            owner = _products_of(session, variants | {v for _, v in pairs})
            products |= {owner[v] for v in variants if v in owner}
        if places:
            markets |= {m.code for m in load_markets(session) if _taxed_in(m.tax_jurisdiction, places)}
        wanted: dict[str, set[int] | None] = {code: None for code in markets}  # None: every product there
        if products:
            for m in load_markets(session):
                if m.code not in markets:
                    wanted[m.code] = set(products)
        for market, variant in pairs:
            if variant in owner and wanted.get(market, ()) is not None:
                wanted.setdefault(market, set()).add(owner[variant])
        _rebuild(session, wanted)
    elif marked:  # changed, and no fragment shows it (a category no product is in)
        pass
    else:  # a namespace the listing depends on changed without a mark: every fragment is stale
        log.info("listing book: %s changed without a mark; every fragment is stale until the refresh",
                 ", ".join(sorted(invalidated & marks.SHAPING)))
        cache.invalidate(session, BOOK)
    info.pop(cache.INVALIDATED, None)


def _products_of(session: Session, variants: set[int]) -> dict[int, int]:
    """Variant id -> its product's id."""
    ids = sorted(variants)
    found: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK * 10):
        found.update(session.execute(select(Variant.id, Variant.product_id)
                                     .where(Variant.id.in_(ids[start:start + CHUNK * 10]))).all())
    return found


def _rebuild(session: Session, wanted: dict[str, set[int] | None]) -> None:
    """The fragments of these products (None: every product) in these markets:
    rebuilt in the transaction when they are few in all
    (``LISTING_BOOK_INLINE_LIMIT``), else dropped (built the long way) until
    the refresh. The book's generation stays: every other fragment is current."""

    limit = current_app.config.get("LISTING_BOOK_INLINE_LIMIT", 5000)
    locales = {m.code: len(m.locales) for m in load_markets(session)}
    everyone = session.scalar(select(func.count()).select_from(Product)) if None in wanted.values() else 0
    fragments = sum((everyone if ids is None else len(ids)) * locales.get(code, 0) for code, ids in wanted.items())
    if fragments <= limit:
        alike: dict[frozenset[int] | None, list[str]] = {}  # (one build for the markets of the same products)
        for code, ids in wanted.items():
            alike.setdefault(None if ids is None else frozenset(ids), []).append(code)
        for ids, codes in alike.items():
            build(session, ids, markets=codes)
        return
    for code, ids in sorted(wanted.items()):
        if ids is None:
            session.execute(delete(ListingFragment).where(ListingFragment.market_code == code))
            continue
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK * 10):
            session.execute(delete(ListingFragment).where(
                ListingFragment.market_code == code, ListingFragment.product_id.in_(ordered[start:start + CHUNK * 10])))
    log.info("listing book: %s fragments changed in %s; rebuilt by the refresh", fragments, ", ".join(sorted(wanted)))


def _taxed_in(jurisdiction: str | None, places: set[str]) -> bool:
    """A market taxed in ``jurisdiction`` shows rates of one of ``places``: the
    same, a region of it (a US state's market and the country) or the country
    of it (the other way round)."""
    if not jurisdiction:
        return False
    return any(jurisdiction == p or jurisdiction.startswith(p + "-") or p.startswith(jurisdiction + "-")
               for p in places)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    for key in (marks.ALL, *marks.MARKED, cache.INVALIDATED):
        session.info.pop(key, None)


# --- reading ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _free_stock_shape():
    return (select(Stock.variant_id, func.sum(Stock.quantity - Stock.reserved))
            .join(WarehouseMarket, WarehouseMarket.warehouse_code == Stock.warehouse_code)
            .where(WarehouseMarket.market_code == bindparam("market"),
                   Stock.variant_id.in_(bindparam("variant_ids", expanding=True)))
            .group_by(Stock.variant_id))


def free_stock(session: Session, market: str, variant_ids: Sequence[int]) -> dict[int, int]:
    """Free stock per variant in the warehouses serving ``market``: one statement
    (built once per process, like the page statement)."""
    if not variant_ids:
        return {}
    return dict(session.execute(_free_stock_shape(), {"market": market, "variant_ids": list(variant_ids)}).all())


YES = '"available":true'
NO = '"available":false'
_MARKS = {str: (YES, NO, "", ","), bytes: (YES.encode(), NO.encode(), b"", b",")}


def stored_body(text: str, variants: int) -> str | None:
    """A fragment as the book stores it: every variant available (the placeholders
    filled with ``true``), so a product whose every variant is free is sent as
    stored. None when the text holds another ``"available"`` boolean than its
    variants' (the n-th ``true`` would not be the n-th variant's)."""
    if text.count(HOLE) != variants or YES in text or NO in text:
        return None
    return text.replace(HOLE, YES)


def fill(body, variant_ids: str, available: str | None):
    """The fragment (text, or its UTF-8 bytes) with each variant's availability
    (``available``: the ids with free stock, "id,id,...", as the page statement
    reads them; the fragment's n-th ``"available":true`` is its n-th variant's)."""
    if available == variant_ids:  # every variant free (the usual case): as stored
        return body
    yes, no, empty, _ = _MARKS[type(body)]
    if not available:
        return body.replace(yes, no)
    free = set(available.split(","))
    out = []
    last = at = 0
    for variant_id in variant_ids.split(","):
        at = body.find(yes, at)
        if at < 0:
            break
        if variant_id not in free:
            out.append(body[last:at])
            out.append(no)
            last = at + len(yes)
        at += len(yes)
    out.append(body[last:])
    return empty.join(out)


def fill_page(rows) -> str | bytes:
    """The fragments of a page the book holds whole, availability filled, joined
    by commas (the items of the list): a product whose every variant is free is
    sent as stored, the others patched where a variant is not."""
    comma = _MARKS[type(rows[0].fragment_body)][3]
    return comma.join([r.fragment_body if r.fragment_available == r.fragment_variants
                       else fill(r.fragment_body, r.fragment_variants, r.fragment_available) for r in rows])


def valid_until_now(now: datetime):
    return or_(ListingFragment.valid_until.is_(None), ListingFragment.valid_until > now)

