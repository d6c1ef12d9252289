"""Declarative base with a constraint naming convention and shared column types."""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Iterator

from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, MetaData, Numeric, String, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase
from storefront.pagination import decode_cursor, encode_cursor

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact fixed-point Decimal on every backend.

    PostgreSQL stores ``NUMERIC(precision, scale)``. SQLite has no decimal
    type (its NUMERIC affinity turns values into binary floats), so there the
    value is stored as a scaled 64-bit integer: 19.99 at scale 4 is 199900.
    Order and comparisons stay numeric and nothing is ever a float. A value
    with more digits than ``scale`` is refused rather than rounded silently.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def __repr__(self) -> str:
        return f"ExactDecimal({self.precision}, {self.scale})"

    def load_dialect_impl(self, dialect):  # type: ignore[override]
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):  # type: ignore[override]
        if value is None:
            return None
        value = Decimal(value)
        exact = value.quantize(Decimal(1).scaleb(-self.scale))
        if exact != value:
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact

    def process_result_value(self, value, dialect):  # type: ignore[override]
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value)

    def coerce_compared_value(self, op, value):  # type: ignore[override]
        return self


# Money amounts: exact decimals with room for three-decimal currencies (KWD)
# and for exact intermediate values (a price derived by FX before rounding).
MoneyAmount = ExactDecimal(19, 4)
# Tax and FX rates: "8.1" %, "0.0821" EUR->KWD.
Rate = ExactDecimal(14, 8)


def newest_first(session, stmt, id_column, *, kind: str, cursor: str | None, limit: int):
    """One page of ``stmt``, newest id first, and the opaque cursor of the next
    page (keyset over the id: no duplicates or gaps while rows are added)."""
    if cursor:
        stmt = stmt.where(id_column < decode_cursor(cursor, kind)[1])
    rows = session.scalars(stmt.order_by(id_column.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor(kind, 0, last if isinstance(last, int) else last.id) if more else None
    return rows, next_cursor


# How long an SQLite write waits for the one write lock before "database is
# locked". Write transactions are short (no provider call holds one), so this
# is only reached under a real pile-up; well below gunicorn's 30 s timeout.
SQLITE_BUSY_TIMEOUT_MS = 10000

_read_only: ContextVar[bool] = ContextVar("storefront_read_only_transactions", default=False)


def read_only_transactions(read_only: bool) -> None:
    """Declare whether this context's transactions only read (a GET request).

    On SQLite a read-only transaction begins deferred (``BEGIN``: WAL readers
    never wait); every other one begins ``BEGIN IMMEDIATE``, taking the write
    lock up front, so it waits its turn (``busy_timeout``) instead of failing
    at once with "database is locked" when it upgrades from reading to
    writing while another connection writes (SQLite "Transactions",
    "BEGIN IMMEDIATE"; SQLITE_BUSY_SNAPSHOT in WAL mode). No effect on
    PostgreSQL."""
    _read_only.set(read_only)


@contextmanager
def reading_only() -> Iterator[None]:
    """Within: this context's transactions only read (as for a GET), also in a
    request that writes before or after, e.g. to ask a provider over the
    network with no write lock held (a transaction already open keeps its
    kind: end it first)."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def configure_sqlite(engine: Engine) -> None:
    """SQLite: check foreign keys (off unless each connection asks), WAL (readers
    and the writer do not block each other), a ``busy_timeout``, and let
    SQLAlchemy, not the pysqlite driver, decide where transactions begin so
    SAVEPOINTs and transactional DDL behave (SQLAlchemy pysqlite docs,
    "Serializable isolation / Savepoints / Transactional DDL"); write
    transactions begin IMMEDIATE (see ``read_only_transactions``)."""
    if engine.dialect.name != "sqlite":
        return

    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")  # persistent in the file; "memory" for :memory:
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints, safe from corruption in WAL
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    def _on_begin(connection) -> None:
        if _read_only.get():  # a deferred BEGIN takes no lock and cannot fail busy: straight to the driver
            connection.connection.driver_connection.execute("BEGIN")  # (exec_driver_sql: +60 µs a read)
        else:  # through SQLAlchemy, which wraps "database is locked" (sqlite_locked, the 503s)
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def sqlite_locked(err: BaseException) -> bool:
    """SQLite's write lock was still taken after ``busy_timeout``."""
    orig = getattr(err, "orig", err)
    return type(orig).__module__ == "sqlite3" and "database is locked" in str(orig)


def retry_when_locked(session, work, *, give_up_after: float = 120.0, sleep=None):
    """Run ``work()`` (one short write transaction's worth) and commit; when
    SQLite's write lock stays taken beyond ``busy_timeout`` (others are
    writing: webhooks, shoppers), roll back and try again after a pause that
    grows to 2 s, until ``give_up_after`` seconds have passed (then the error
    is raised). Any other error is raised at once."""
    pause, deadline = 0.05, time.monotonic() + give_up_after
    wait = sleep or time.sleep
    while True:
        try:
            result = work()
            session.commit()
            return result
        except OperationalError as err:
            session.rollback()
            if not sqlite_locked(err) or time.monotonic() >= deadline:
                raise
            wait(pause)
            pause = min(pause * 2, 2.0)


CurrencyCode = String(3)
CountryCode = String(2)
LocaleTag = String(35)

__all__ = ["Base", "UTCDateTime", "utcnow", "ExactDecimal", "MoneyAmount", "Rate", "configure_sqlite", "read_only_transactions", "reading_only", "sqlite_locked", "retry_when_locked", "newest_first", "CurrencyCode", "CountryCode", "LocaleTag"]
