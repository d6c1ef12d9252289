"""Marks for the listing book (storefront.browse.book), set by the writers
(a core module: writers of every layer, tax rates included, mark it).

A writer that changes what a product looks like in a listing (its texts,
variants, markets, their category's names) calls ``touch(session,
product_ids)``; a price or sale in one market ``touch_in_markets``; one that
changes what every product looks like in some markets ``touch_markets``
(market settings) or ``touch_jurisdiction`` (tax rates); one that changes
what every product looks like everywhere (the rate data, option names, the
listing's locale chains) ``touch_all(session)``. They only record, in the
session: just before the transaction commits, the book rebuilds those
fragments (or starts a new generation, so every fragment is stale), in the
same transaction when they are few, else drops them until the refresh. As a
safety net, a transaction that invalidates a namespace the listing depends
on without any mark counts as ``touch_all``.

It imports only the cache (every writer can use it) and declares the book's
namespace, whose version is the book's generation."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy.orm import Session, scoped_session

from storefront import cache

BOOK = cache.declare("listing_book", owner=__name__)  # its version is the listing book's generation
PRODUCTS = "listing_book.products"
VARIANTS = "listing_book.variants"
IN_MARKETS = "listing_book.in_markets"  # (market code, variant id)
MARKETS = "listing_book.markets"
JURISDICTIONS = "listing_book.jurisdictions"
MARKED = (PRODUCTS, VARIANTS, IN_MARKETS, MARKETS, JURISDICTIONS)
ALL = "listing_book.all"
# The namespaces the fragments depend on (FX rates reach them only through repricing, which marks).
SHAPING = frozenset({"catalog", "prices", "tax", "markets"})


def _real(session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def touch(session, product_ids: Iterable[int]) -> None:
    """These products' fragments change. Marking none (``touch(session, ())``)
    says the writer changed a namespace the listing depends on in a way no
    fragment shows (a category no product is in): nothing is rebuilt, and the
    safety net does not stale the whole book."""
    _real(session).info.setdefault(PRODUCTS, set()).update(int(i) for i in product_ids)


def touch_variants(session, variant_ids: Iterable[int]) -> None:
    """``touch`` for the products of these variants."""
    _real(session).info.setdefault(VARIANTS, set()).update(int(i) for i in variant_ids)


def touch_in_markets(session, pairs: Iterable[tuple[str, int]]) -> None:
    """``touch_variants`` where only some markets show the change: (market
    code, variant id) pairs, as a price or a sale in one market."""
    _real(session).info.setdefault(IN_MARKETS, set()).update((str(m), int(v)) for m, v in pairs)


def touch_markets(session, market_codes: Iterable[str]) -> None:
    """Every product as these markets list it changes (their settings, locales, currency)."""
    _real(session).info.setdefault(MARKETS, set()).update(market_codes)


def touch_jurisdiction(session, jurisdiction: str) -> None:
    """The tax rates of ``jurisdiction`` changed: every market taxed there (or in
    a region of it, or in the country it is a region of) lists them."""
    _real(session).info.setdefault(JURISDICTIONS, set()).add(jurisdiction)


def touch_all(session) -> None:
    _real(session).info[ALL] = True
