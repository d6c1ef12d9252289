"""The ``catalog`` cache namespace, owned here: products, variants, their
translations, options and markets, categories and option names, and which
locale chains the listing read model holds.

Processes cache what is derived from them (category trees, option names,
alternates, variant names and tariff codes, cached catalog responses). The
catalog services, the category endpoints and the listing read model call
``invalidate`` in the transaction that changes any of it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from storefront import cache

CATALOG = cache.declare("catalog", owner=__name__)


def invalidate(session: Session) -> None:
    CATALOG.invalidate(session)
