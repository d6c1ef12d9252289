"""Test fixtures.

Integration and functional tests run once per database backend: SQLite
always, PostgreSQL when it answers on 127.0.0.1:5432 (required when
CI=true). Each backend gets a fresh database built by the Alembic migrations
and loaded with the demo catalog once per session; every test then runs in a
transaction that is rolled back, so tests never see each other's writes."""
from __future__ import annotations

import os
import re
import uuid
from collections import Counter
from contextlib import contextmanager

import pytest
from sqlalchemy import event

PG_ADMIN_URL = os.environ.get("STOREFRONT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        return f"{type(exc).__name__}: {exc}"


def _backends() -> list:
    problem = _postgres_available()
    ci = os.environ.get("CI", "").lower() == "true"
    if problem and ci:
        raise pytest.UsageError(f"CI=true requires PostgreSQL at {PG_ADMIN_URL}: {problem}")
    pg = pytest.param(
        "postgresql", marks=pytest.mark.skipif(problem is not None, reason=f"PostgreSQL unavailable: {problem}")
    )
    return ["sqlite", pg]


@contextmanager
def _postgres_database():
    import psycopg

    name = f"storefront_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_app(url: str, load_demo: bool = True):
    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.demo.loader import load_demo as load
    from storefront.extensions import db

    app = create_app(env="test", overrides={"DATABASE_URL": url})
    with app.app_context():
        upgrade()
        if load_demo:
            load(db.session)
            db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session", params=_backends())
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'storefront.db'}"
    else:
        with _postgres_database() as url:
            yield url


@pytest.fixture(scope="session")
def app(database_url):
    app = build_app(database_url)
    yield app
    from storefront.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    """A session whose commits become savepoints of one rolled-back transaction."""
    from flask_sqlalchemy.session import _app_ctx_id
    from sqlalchemy.orm import scoped_session, sessionmaker

    from storefront.extensions import db

    # No app context is held during the test: each request pushes its own,
    # exactly as in production (``g`` does not leak between requests).
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    # A plain SQLAlchemy session: Flask-SQLAlchemy's own resolves its bind per
    # mapper to the engine and would ignore the connection (and commit for real).
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    db.session = scoped_session(factory, scopefunc=_app_ctx_id)
    try:
        yield db.session
    finally:
        with app.app_context():
            db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()


@pytest.fixture
def client(app, db_session):
    return app.test_client()


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app, db_session):
    """``with count_queries() as counter:`` counts SQL statements sent."""
    from storefront.extensions import db

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def session(app, db_session):
    """The rolled-back session inside an app context, for service-level tests."""
    with app.app_context():
        yield db_session


@pytest.fixture
def fake_gateway(app):
    """A fake Stripe behind the same interface, installed for one test."""
    from storefront.payments.fake_gateway import FakeGateway
    from storefront.payments.wiring import install

    gateway = FakeGateway(app.config["STRIPE_WEBHOOK_SECRET"])
    install(app, gateway)
    yield gateway
    app.extensions.pop("payment_gateway", None)


# Which databases the run used: counted from the test ids ([sqlite], [postgresql-...]).
_PASSED_ON: Counter = Counter()
_BACKEND_ID = re.compile(r"[\[-](sqlite|postgresql)[\]-]")


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        match = _BACKEND_ID.search(report.nodeid)
        if match:
            _PASSED_ON[match.group(1)] += 1


def pytest_terminal_summary(terminalreporter):
    problem = _postgres_available()
    where = PG_ADMIN_URL.rsplit("/", 1)[0]
    postgres = (f"PostgreSQL at {where}: {_PASSED_ON['postgresql']} tests passed" if problem is None
                else f"PostgreSQL: not run ({problem})")
    terminalreporter.write_line(f"databases: SQLite: {_PASSED_ON['sqlite']} tests passed; {postgres}")
