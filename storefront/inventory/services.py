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

from storefront.inventory.errors import BelowReserved, WarehouseExists, WarehouseNotFound
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


# --- the merchant's stock and warehouses --------------------------------------------------


def stock_levels(session: Session, variant_id: int) -> list[tuple[str, int, int]]:
    """(warehouse, quantity on hand, reserved) of the variant in every warehouse."""
    rows = session.execute(
        select(Warehouse.code, Stock.quantity, Stock.reserved)
        .outerjoin(Stock, (Stock.warehouse_code == Warehouse.code) & (Stock.variant_id == variant_id))
        .order_by(Warehouse.code)
    ).all()
    return [(code, quantity or 0, reserved or 0) for code, quantity, reserved in rows]


def set_quantity(session: Session, variant_id: int, warehouse_code: str, quantity: int) -> int:
    """Set the quantity on hand, never below what open orders have reserved
    (the row is locked); returns the quantity before."""
    if session.get(Warehouse, warehouse_code) is None:
        raise WarehouseNotFound(warehouse=warehouse_code)
    stock = session.scalar(select(Stock).where(Stock.variant_id == variant_id, Stock.warehouse_code == warehouse_code)
                           .with_for_update())
    if stock is None:
        stock = Stock(variant_id=variant_id, warehouse_code=warehouse_code, quantity=0, reserved=0)
        session.add(stock)
    if quantity < stock.reserved:
        raise BelowReserved(reserved=stock.reserved)
    before = stock.quantity
    stock.quantity = quantity
    session.flush()
    return before


def warehouses(session: Session) -> list[Warehouse]:
    return list(session.scalars(select(Warehouse).order_by(Warehouse.code)))


def warehouse(session: Session, code: str) -> Warehouse:
    found = session.get(Warehouse, code)
    if found is None:
        raise WarehouseNotFound(warehouse=code)
    return found


def create_warehouse(session: Session, code: str, name: str, country: str, markets: Sequence[str]) -> Warehouse:
    """A warehouse in ``country`` (it decides customs and taxes of what it ships) serving ``markets``."""
    if session.get(Warehouse, code) is not None:
        raise WarehouseExists(warehouse=code)
    w = Warehouse(code=code, name=name, country_code=country)
    w.markets = [WarehouseMarket(market_code=c) for c in markets]
    session.add(w)
    session.flush()
    INVENTORY.invalidate(session)
    return w


def update_warehouse(session: Session, w: Warehouse, *, name: str | None = None,
                     markets: Sequence[str] | None = None) -> None:
    """Rename a warehouse or change the markets it ships to (rows that stay are kept)."""
    if name is not None:
        w.name = name
    if markets is not None:
        have = {m.market_code for m in w.markets}
        w.markets = [m for m in w.markets if m.market_code in markets] + [
            WarehouseMarket(market_code=c) for c in markets if c not in have]
    session.flush()
    INVENTORY.invalidate(session)
