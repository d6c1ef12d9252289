"""Writing what a repricing changed: ``resolved_price`` rows and the price
history periods that go with them, inside the caller's transaction.

``storefront.pricing.services.reprice`` decides what changed; this module
writes it, in one of two ways that leave the same rows:

- ``write_each`` (any database): Core statements with executemany, one per
  kind of change. Every parameter set has the same keys, NULLs included, so
  a batch never splits. SQLite runs it in-process; on PostgreSQL it still
  costs the server one statement per row.
- ``write_staged`` (PostgreSQL): the changes are streamed with COPY into a
  temporary table, then applied with five set-based statements (UPDATE ...
  FROM, DELETE ... USING, INSERT ... SELECT): about ten round trips however
  many rows change (psycopg "COPY TO and COPY FROM",
  https://www.psycopg.org/psycopg3/docs/basic/copy.html).

``write`` picks the staged way on PostgreSQL once there are enough changes to
pay for the temporary table.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Sequence

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    bindparam,
    delete,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storefront.db import CurrencyCode, UTCDateTime
from storefront.pricing import minimums
from storefront.pricing.models import PriceHistory, ResolvedPrice
from storefront.pricing.resolution import Resolved

PROVENANCE = ("amount", "currency", "source", "base_amount", "base_currency", "fx_rate", "fx_date", "uplift", "rule")

# What happened to the regular price of a variant in a market:
INSERT = "insert"  # a first price: a new row, a history period opens
UPDATE = "update"  # a new amount: the row changes, the open period closes and a new one opens
RESTATE = "restate"  # the same amount made another way (a newer FX rate, ...): the row only
DELETE = "delete"  # no price any more: the row goes, the open period closes

# Below this many changes the temporary table costs more than it saves.
STAGED_FROM = 500


class Change(NamedTuple):
    variant_id: int
    market_code: str
    kind: str  # INSERT, UPDATE, RESTATE or DELETE
    resolved: Resolved | None  # None for DELETE


def write(session: Session, changes: Sequence[Change], now: datetime) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql" and len(changes) >= STAGED_FROM:
        write_staged(connection, changes, now)
    else:
        write_each(connection, changes, now)
    amounts = [c for c in changes if c.kind != RESTATE]  # a restated price has the same amount
    minimums.refresh_for_variants(connection, (c.variant_id for c in amounts), (c.market_code for c in amounts))


def write_each(connection: Connection, changes: Sequence[Change], now: datetime) -> None:
    history, resolved = PriceHistory.__table__, ResolvedPrice.__table__

    def by_key(table):  # criteria by bound parameters, not by primary key
        return (table.c.variant_id == bindparam("b_variant"), table.c.market_code == bindparam("b_market"))

    def key(c: Change) -> dict:
        return {"b_variant": c.variant_id, "b_market": c.market_code}

    def values(c: Change) -> dict:
        return {**{name: getattr(c.resolved, name) for name in PROVENANCE}, "updated_at": now}

    closes = [key(c) for c in changes if c.kind in (UPDATE, DELETE)]
    removes = [key(c) for c in changes if c.kind == DELETE]
    inserts = [{"variant_id": c.variant_id, "market_code": c.market_code, **values(c)}
               for c in changes if c.kind == INSERT]
    updates = [{**key(c), **values(c)} for c in changes if c.kind in (UPDATE, RESTATE)]
    opens = [{"variant_id": c.variant_id, "market_code": c.market_code, "amount": c.resolved.amount,
              "currency": c.resolved.currency, "valid_from": now, "valid_to": None}
             for c in changes if c.kind in (INSERT, UPDATE)]
    if closes:
        connection.execute(update(history).where(*by_key(history), history.c.valid_to.is_(None))
                           .values(valid_to=now), closes)
    if removes:
        connection.execute(delete(resolved).where(*by_key(resolved)), removes)
    if inserts:
        connection.execute(insert(resolved), inserts)
    if updates:  # SET: the columns among the parameters' keys
        connection.execute(update(resolved).where(*by_key(resolved)), updates)
    if opens:
        connection.execute(insert(history), opens)


# --- PostgreSQL: COPY into a temporary table, then set-based statements ------------------

def _exact(column: str, scale: int) -> CheckConstraint:
    # COPY into NUMERIC(p, s) would round silently; MoneyAmount and Rate refuse extra digits.
    return CheckConstraint(f"{column} = round({column}, {scale})")


# In pg_temp: private to the connection, and gone at commit or rollback.
_staged = Table(
    "reprice_change",
    MetaData(),
    Column("position", Integer, nullable=False),  # history ids are given in this order, as by write_each
    Column("variant_id", Integer, nullable=False),
    Column("market_code", String(8), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("amount", Numeric),
    Column("currency", CurrencyCode),
    Column("source", String(8)),
    Column("base_amount", Numeric),
    Column("base_currency", CurrencyCode),
    Column("fx_rate", Numeric),
    Column("fx_date", Date),
    Column("uplift", Numeric),
    Column("rule", String(32)),
    _exact("amount", 4), _exact("base_amount", 4), _exact("fx_rate", 8), _exact("uplift", 8),
    schema="pg_temp",
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
_COPY = f"COPY pg_temp.reprice_change ({', '.join(c.name for c in _staged.columns)}) FROM STDIN"


def write_staged(connection: Connection, changes: Sequence[Change], now: datetime) -> None:
    history, resolved, staged = PriceHistory.__table__, ResolvedPrice.__table__, _staged
    # Any error below aborts the transaction (or savepoint), and the table with it.
    staged.create(connection)
    _copy(connection, changes)
    connection.exec_driver_sql("ANALYZE pg_temp.reprice_change")

    def same_key(table):
        return and_(table.c.variant_id == staged.c.variant_id, table.c.market_code == staged.c.market_code)

    connection.execute(
        update(history)
        .where(same_key(history), history.c.valid_to.is_(None), staged.c.kind.in_((UPDATE, DELETE)))
        .values(valid_to=now)
    )
    connection.execute(delete(resolved).where(same_key(resolved), staged.c.kind == DELETE))
    connection.execute(
        insert(resolved).from_select(
            ["variant_id", "market_code", *PROVENANCE, "updated_at"],
            select(staged.c.variant_id, staged.c.market_code, *[staged.c[c] for c in PROVENANCE],
                   literal(now, UTCDateTime)).where(staged.c.kind == INSERT),
        )
    )
    connection.execute(
        update(resolved)
        .where(same_key(resolved), staged.c.kind.in_((UPDATE, RESTATE)))
        .values({**{c: staged.c[c] for c in PROVENANCE}, "updated_at": now})
    )
    connection.execute(
        insert(history).from_select(
            ["variant_id", "market_code", "amount", "currency", "valid_from", "valid_to"],
            select(staged.c.variant_id, staged.c.market_code, staged.c.amount, staged.c.currency,
                   literal(now, UTCDateTime), null())
            .where(staged.c.kind.in_((INSERT, UPDATE)))
            .order_by(staged.c.position),
        )
    )
    staged.drop(connection)


def _copy(connection: Connection, changes: Sequence[Change]) -> None:
    """Stream the changes into the temporary table: psycopg 3 on the session's
    own connection, so in its transaction. A failure is raised as SQLAlchemy
    raises any other (an IntegrityError for too many digits, ...)."""
    none = (None,) * len(PROVENANCE)
    driver, dbapi = connection.connection.driver_connection, connection.dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(_COPY) as copy:
            for position, (variant_id, market_code, kind, r) in enumerate(changes):
                copy.write_row((position, variant_id, market_code, kind, *(none if r is None else r.provenance())))
    except dbapi.Error as error:
        raise DBAPIError.instance(_COPY, None, error, dbapi.Error, dialect=connection.dialect) from error
