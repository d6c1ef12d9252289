"""The listing read model: product text resolved per locale fallback chain.

``product_listing_text`` holds, for every product and every chain in
``listing_chain``, the name, slug, description, sort key and search text that
the chain resolves to (first translation present along the chain, else the
product key) — exactly what the COALESCE query of storefront.browse.queries
computes. Shopper listings read it when their chain is indexed and fall back to
the COALESCE query when it is not, so a missing chain is slower, never wrong.

Writers call ``refresh_products`` after changing a product's translations or
creating it, and ``index_chains`` after giving a market a locale; both run in
the caller's transaction. ``flask storefront catalog index`` builds what is
missing (after an upgrade, or a change of ``DEFAULT_LOCALE``)."""
from __future__ import annotations

from typing import Iterable, Sequence

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.orm import Session

from storefront.catalog.models import ListingChain, Product, ProductListingText, ProductTranslation
from storefront.i18n.fallback import fallback_chain
from storefront.catalog.queries import coalesce_translation
from storefront import listing_book as book
from storefront.catalog.cache import CATALOG
from storefront.markets.models import MarketLocale

FIELDS = ("name", "slug", "description", "sort_key", "search_text")


def chain_key(chain: Sequence[str]) -> str:
    return " ".join(chain)


def _fill(chain: Sequence[str], product_ids: Sequence[int] | None):
    stmt = select(literal(chain_key(chain)), Product.id)
    stmt, tr = coalesce_translation(stmt, ProductTranslation, "product_id", Product.id, chain, FIELDS)
    stmt = stmt.add_columns(
        func.coalesce(tr["name"], Product.key), func.coalesce(tr["slug"], Product.key),
        func.coalesce(tr["description"], ""), func.coalesce(tr["sort_key"], Product.key),
        func.coalesce(tr["search_text"], ""),
    )
    if product_ids is not None:
        stmt = stmt.where(Product.id.in_(product_ids))
    return insert(ProductListingText).from_select(["chain", "product_id", *FIELDS], stmt)


def indexed(session: Session) -> list[str]:
    return list(session.scalars(select(ListingChain.chain).order_by(ListingChain.chain)))


def refresh_products(session: Session, product_ids: Iterable[int]) -> None:
    """Rewrite the rows of these products for every indexed chain (after their
    translations or keys changed, or they were created)."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    session.flush()
    session.execute(delete(ProductListingText).where(ProductListingText.product_id.in_(ids)))
    for key in indexed(session):
        session.execute(_fill(tuple(key.split(" ")), ids))


def index_chains(session: Session, chains: Iterable[Sequence[str]]) -> list[str]:
    """Build the rows of every chain not indexed yet; returns the keys built."""
    session.flush()
    have = set(indexed(session))
    built = []
    for chain in sorted({tuple(c) for c in chains}):
        key = chain_key(chain)
        if key in have:
            continue
        session.execute(delete(ProductListingText).where(ProductListingText.chain == key))
        session.execute(_fill(chain, None))
        session.add(ListingChain(chain=key))
        built.append(key)
    session.flush()
    if built:  # listings of these chains switch to the read model
        CATALOG.invalidate(session)
        book.touch_all(session)
    return built


def chains_in_use(session: Session, default_locale: str) -> set[tuple[str, ...]]:
    """The chains of every locale some market speaks (as stored)."""
    locales = session.scalars(select(MarketLocale.locale).distinct()).all()
    return {fallback_chain(locale, default_locale) for locale in locales}


def index_in_use(session: Session, default_locale: str) -> list[str]:
    """Build what is missing for the markets' locales (cheap when nothing is)."""
    return index_chains(session, chains_in_use(session, default_locale))


def rebuild(session: Session, chains: Iterable[Sequence[str]]) -> list[str]:
    """Drop the whole read model and build ``chains`` afresh."""
    session.execute(delete(ProductListingText))
    session.execute(delete(ListingChain))
    CATALOG.invalidate(session)  # chains dropped and not built again
    book.touch_all(session)
    return index_chains(session, chains)
