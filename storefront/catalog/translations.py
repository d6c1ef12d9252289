"""Translation status of products and categories, per locale: missing,
outdated or done.

A locale is *missing* when its fallback chain reaches only the source
language (DEFAULT_LOCALE) — except for the source language's own regions
(en-GB reads en) — *outdated* when the translation it reads is older than
the source text, else *done*. The rule is ``state``'s; the merchant API's
``/admin/translations/status`` (per market, products) and the console's
translations page (per locale, products and categories) both use it."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.catalog.models import Category, CategoryTranslation, Product, ProductMarket, ProductTranslation
from storefront.i18n.fallback import fallback_chain
from storefront.markets.models import MarketLocale

STATES = ("missing", "outdated", "done")


def state(own: dict[str, datetime], tag: str, default_locale: str) -> tuple[str, str | None]:
    """(state, the locale shown instead: the translation read, or the fallback
    when missing) of locale ``tag`` for an item with translations ``own``
    (locale -> updated_at)."""
    same_language = tag.split("-")[0] == default_locale.split("-")[0]
    chain = [t for t in fallback_chain(tag, default_locale) if t != default_locale or same_language]
    found = next((t for t in chain if t in own), None)
    if found is None:
        return "missing", next((t for t in fallback_chain(tag, default_locale) if t in own), None)
    source = own.get(default_locale)
    if found != default_locale and source is not None and own[found] < source:
        return "outdated", found
    return "done", found


@dataclass(frozen=True)
class ItemStatus:
    kind: str  # product | category
    id: int
    key: str
    name: str  # in the source language
    states: dict[str, tuple[str, str | None]]  # locale -> (state, locale read); a product: where it is sold

    def count(self, wanted: str) -> int:
        return sum(s == wanted for s, _ in self.states.values())


def overview(session: Session, default_locale: str, *, kind: str | None = None,
             locales: Iterable[str] | None = None) -> list[ItemStatus]:
    """Every product (not archived) and category with its state in every
    market locale (or ``locales``; a product only in those of the markets it
    is sold in): six queries."""
    tags = [t for t in (list(locales) if locales is not None else _all_locales(session)) if t != default_locale]
    items: list[ItemStatus] = []
    if kind in (None, "product"):
        # A product counts in the locales of the markets it is sold in (as the API's report).
        spoken: dict[str, list[str]] = defaultdict(list)
        for code, tag in session.execute(select(MarketLocale.market_code, MarketLocale.locale)):
            spoken[code].append(tag)
        sold: dict[int, set[str]] = defaultdict(set)
        for pid, code in session.execute(select(ProductMarket.product_id, ProductMarket.market_code)):
            sold[pid].update(spoken.get(code, ()))
        items += _statuses("product", session.execute(
            select(Product.id, Product.key, ProductTranslation.locale, ProductTranslation.name,
                   ProductTranslation.updated_at)
            .join(ProductTranslation, ProductTranslation.product_id == Product.id)
            .where(Product.status != "archived").order_by(Product.id)), tags, default_locale, sold)
    if kind in (None, "category"):
        items += _statuses("category", session.execute(
            select(Category.id, Category.key, CategoryTranslation.locale, CategoryTranslation.name,
                   CategoryTranslation.updated_at)
            .join(CategoryTranslation, CategoryTranslation.category_id == Category.id)
            .order_by(Category.position, Category.id)), tags, default_locale)
    return items


def _statuses(kind: str, rows, tags: list[str], default_locale: str,
              only: dict[int, set[str]] | None = None) -> list[ItemStatus]:
    own: dict[int, dict[str, datetime]] = defaultdict(dict)
    keys: dict[int, str] = {}
    names: dict[int, dict[str, str]] = defaultdict(dict)
    for r in rows:
        own[r.id][r.locale] = r.updated_at
        keys[r.id] = r.key
        names[r.id][r.locale] = r.name
    return [ItemStatus(kind, i, keys[i], names[i].get(default_locale) or next(iter(names[i].values())),
                       {tag: state(own[i], tag, default_locale) for tag in tags
                        if only is None or tag in only.get(i, ())})
            for i in own]


def _all_locales(session: Session) -> list[str]:
    from_markets = select(MarketLocale.locale).order_by(MarketLocale.market_code, MarketLocale.position)
    return list(dict.fromkeys(session.scalars(from_markets)))
