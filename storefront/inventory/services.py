"""Which warehouse ships: the destination's own country first, then the others
serving the market, the first that holds the whole order.

This module owns the ``inventory`` cache namespace: the warehouses and the
markets they serve (each market's list is kept per process, and the catalog's
availability sums the stock of the market's warehouses). Whatever changes
them calls ``INVENTORY.invalidate`` in the same transaction. Stock levels are
not versioned: they change with every order, nothing keeps them but the
short-lived response cache."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.inventory.models import Stock, Warehouse, WarehouseMarket
from storefront import cache
from storefront.cache import memoized

INVENTORY = cache.declare("inventory", owner=__name__)


def fulfilment_order(session: Session, market: str, destination: str | None) -> list[tuple[str, str]]:
    """(warehouse code, country) of the market's warehouses, domestic first."""
    def load() -> tuple[tuple[str, str], ...]:  # cached per process until a warehouse change
        return tuple(tuple(r) for r in session.execute(
            select(Warehouse.code, Warehouse.country_code)
            .join(WarehouseMarket, WarehouseMarket.warehouse_code == Warehouse.code)
            .where(WarehouseMarket.market_code == market)
            .order_by(Warehouse.code)
        ))

    serving = memoized(session, INVENTORY, ("warehouses", market), load)
    return sorted(serving, key=lambda w: (w[1] != (destination or ""), w[0]))


def ship_from(session: Session, market: str, destination: str | None,
              items: Sequence[tuple[int, int]]) -> tuple[str, str] | None:
    """The warehouse (code, country) that can ship every (variant id, quantity),
    domestic first; else the first warehouse. None when the market has none."""
    warehouses = fulfilment_order(session, market, destination)
    if not warehouses:
        return None
    ids = [variant_id for variant_id, _ in items]
    free: dict[tuple[str, int], int] = {}
    if ids:
        for code, variant_id, quantity, reserved in session.execute(
            select(Stock.warehouse_code, Stock.variant_id, Stock.quantity, Stock.reserved)
            .where(Stock.variant_id.in_(ids))
        ):
            free[(code, variant_id)] = quantity - reserved
    for code, country in warehouses:
        if all(free.get((code, v), 0) >= q for v, q in items):
            return code, country
    return warehouses[0]
