"""The markets, cached per process: negotiation needs them on every request.

This module owns the ``markets`` cache namespace: whatever changes a market's
countries, locales, names, tax or rounding calls ``invalidate`` in the same
transaction, and every process reloads on its next request (one cheap
version read instead of four queries and ~150 ORM objects)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from storefront import cache
from storefront.i18n.negotiation import MarketInfo
from storefront.markets.services import MarketView, load_markets

MARKETS = cache.declare("markets", owner=__name__)


def markets(session: Session) -> tuple[MarketView, ...]:
    """Every market, loaded at most once per version and process."""
    return cache.memoized(session, MARKETS, ("all",), lambda: tuple(load_markets(session)))


def infos(session: Session) -> tuple[MarketInfo, ...]:
    """The negotiation view of every market, built once per version and process."""
    return cache.memoized(session, MARKETS, ("infos",), lambda: tuple(m.info() for m in markets(session)))


def invalidate(session: Session) -> None:
    MARKETS.invalidate(session)


def clear_local() -> None:
    """Forget this process's cached copies (tests that change data without the API)."""
    cache.clear_local()
