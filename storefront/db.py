"""Declarative base with a constraint naming convention and shared column types."""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from collections import namedtuple
from typing import Any, Callable, Iterator, NamedTuple

from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, MetaData, Numeric, String, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeEngine
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


class DriverStatement(NamedTuple):
    """A Core SELECT compiled once for a dialect, to run on the DB-API cursor
    itself (``run_on_driver``): what SQLAlchemy does per execution (the
    compiled-cache key, parameter processing, the result's row machinery)
    cost ~200 µs of a 1 ms listing request."""
    sql: str
    names: tuple[str, ...] | None  # positional parameter order (qmark); None: named (pyformat)
    constants: dict[str, Any]  # the values bound in the statement itself
    processors: dict[str, Callable]  # bind processors by parameter name
    row: type  # a named tuple of the result columns
    types: tuple  # the result columns' types
    dialect: Any
    results: dict  # result processors by column index, per the driver's column type codes (PG's numeric OIDs)
    # psycopg: results in the binary format. The listing's fragments are bytea (UTF-8 bytes, as served), which the
    # text format sends hex-encoded for the client to decode: 0.3 of a 1.4 ms page statement (issue 14).
    binary: bool = False


_driver_statements: dict[tuple[int, str], tuple[Any, DriverStatement | None]] = {}


def driver_statement(stmt, dialect) -> DriverStatement | None:
    """``stmt`` compiled for ``dialect`` once per process, or None when it
    cannot run without SQLAlchemy: expanding parameters (``IN`` lists), a
    literal rendered from a value given per execution, duplicate column names,
    an ORM entity among the columns (the driver returns columns, not objects)."""
    key = (id(stmt), dialect.name)
    found = _driver_statements.get(key)
    if found is not None and found[0] is stmt:
        return found[1]
    prepared = None
    if any(not isinstance(d["type"], TypeEngine) for d in stmt.column_descriptions):  # an ORM entity: not rows
        _driver_statements[key] = (stmt, None)
        return None
    compiled = stmt.compile(dialect=dialect)
    literal_fixed = all(b.value is not None and not b.callable for b in compiled.literal_execute_params)
    keys = [c.keyname for c in compiled._result_columns]
    if not compiled.post_compile_params and literal_fixed and len(set(keys)) == len(keys):
        sql, names = str(compiled), list(compiled.positiontup or ())
        for b in compiled.literal_execute_params:  # (a constant such as string_agg's separator) rendered in place
            name, literal = compiled.bind_names[b], compiled.render_literal_value(b.value, b.type)
            if "%" in literal:  # (pyformat would read it as a placeholder)
                break
            sql = sql.replace(f"__[POSTCOMPILE_{name}]", literal)
            names = [n for n in names if n != name]
        else:
            prepared = _prepared(compiled, dialect, sql, names, keys)
    if len(_driver_statements) > 512:  # (shapes are few; a bound against a leak)
        _driver_statements.clear()
    _driver_statements[key] = (stmt, prepared)
    return prepared


def _prepared(compiled, dialect, sql: str, names: list[str], keys: list[str]) -> DriverStatement | None:
    if "__[POSTCOMPILE_" in sql:
        return None
    constants = {name: b.value for name, b in compiled.binds.items() if b.value is not None and not b.callable}
    processors = {name: proc for name, b in compiled.binds.items()
                  if (proc := b.type._cached_bind_processor(dialect)) is not None}
    return DriverStatement(sql, tuple(names) if compiled.positional else None, constants, processors,
                           namedtuple("Row", keys), tuple(c.type for c in compiled._result_columns),  # type: ignore[misc]
                           dialect, {}, dialect.driver == "psycopg")


def run_on_driver(connection, prepared: DriverStatement, params: dict[str, Any]) -> list:
    """The rows of ``prepared`` with ``params`` on a DB-API ``connection``, as
    SQLAlchemy would return them (bind and result processing included)."""
    values = {**prepared.constants, **params}
    for name, proc in prepared.processors.items():
        if name in values:
            values[name] = proc(values[name])
    bound = [values[n] for n in prepared.names] if prepared.names is not None else values
    cursor = connection.cursor(binary=True) if prepared.binary else connection.cursor()
    try:
        cursor.execute(prepared.sql, bound)
        fetched = cursor.fetchall()
        codes = tuple(d[1] for d in cursor.description or ())
    finally:
        cursor.close()
    results = prepared.results.get(codes)
    if results is None:
        results = prepared.results[codes] = tuple(
            (i, proc) for i, (type_, code) in enumerate(zip(prepared.types, codes))
            if (proc := type_._cached_result_processor(prepared.dialect, code)) is not None)
    make = prepared.row._make
    if not results:
        return list(map(make, fetched))
    rows = []
    for raw in fetched:
        r = list(raw)
        for i, proc in results:
            r[i] = proc(r[i])
        rows.append(make(r))
    return rows


CurrencyCode = String(3)
CountryCode = String(2)
LocaleTag = String(35)

__all__ = ["Base", "UTCDateTime", "utcnow", "ExactDecimal", "MoneyAmount", "Rate", "configure_sqlite", "read_only_transactions", "reading_only", "sqlite_locked", "retry_when_locked", "newest_first", "driver_statement", "run_on_driver", "CurrencyCode", "CountryCode", "LocaleTag"]
