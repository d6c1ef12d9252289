"""Statements run on the DB-API cursor itself (storefront.db.driver_statement /
run_on_driver, issue 14): the same rows SQLAlchemy returns, typed the same, for
every shape of the listing's page statement; what it cannot run (ORM entities,
expanding IN lists) it declines."""
from __future__ import annotations

import sqlalchemy as sa

from storefront import clock
from storefront.browse import queries
from storefront.catalog.models import Product
from storefront.db import driver_statement, run_on_driver
from storefront.extensions import db


def test_page_statements_give_sqlalchemys_rows(app, db_session):
    with app.app_context():
        connection = db_session.connection()
        dialect = connection.dialect
        driver = connection.connection.driver_connection
        now = clock.now()
        chain = ("de-DE", "de", "en")
        compared = 0
        for sort in ("name", "price", "-price", "newest"):
            for book in (None, "de-DE"):
                stmt, params = queries.prepared_page(market="DE", now=now, chain=chain, sort=sort, limit=7,
                                                     listing_chain="de-DE de en", book_locale=book)
                prepared = driver_statement(stmt, dialect)
                assert prepared is not None and driver_statement(stmt, dialect) is prepared  # compiled once
                ours = run_on_driver(driver, prepared, params)
                theirs = connection.execute(stmt, params).all()
                assert [tuple(r) for r in theirs] == [tuple(r) for r in ours] and len(ours) == 7
                assert [type(v) for v in theirs[0]] == [type(v) for v in ours[0]]
                assert ours[0]._fields == tuple(theirs[0]._fields)
                compared += 1
        assert compared == 8


def test_what_needs_sqlalchemy_is_declined(app):
    with app.app_context():
        dialect = db.engine.dialect
    assert driver_statement(sa.select(Product).limit(3), dialect) is None  # entities, not columns
    expanding = sa.select(Product.id).where(Product.id.in_(sa.bindparam("ids", expanding=True)))
    assert driver_statement(expanding, dialect) is None
    assert driver_statement(sa.select(Product.id, Product.status).where(Product.id == sa.bindparam("id")),
                            dialect) is not None


def test_a_page_statement_writes_its_limit(app):
    """The page's LIMIT is in the SQL, not a parameter: PostgreSQL's generic plan of the
    prepared statement then plans for a few rows (a bound LIMIT made it plan for a tenth
    of the catalog: 24 ms instead of 2.2 ms on 100,000 variants, issue 14)."""
    with app.app_context():
        dialect = db.engine.dialect
    for sort in ("name", "price", "-price", "newest"):
        stmt, params = queries.prepared_page(market="DE", now=clock.now(), chain=("de-DE", "de", "en"), sort=sort,
                                             limit=25, listing_chain="de-DE de en", book_locale="de-DE",
                                             book_only=True)
        prepared = driver_statement(stmt, dialect)
        assert prepared is not None
        assert "LIMIT 25" in prepared.sql and not any(v == 25 for v in params.values())


def test_fragments_come_back_as_the_bytes_served(app, db_session):
    """On PostgreSQL the page statement's results come in the binary format: the
    fragments (bytea) as sent, not hex text for the client to decode (0.3 of a
    1.4 ms statement on 100,000 variants, issue 14); on SQLite the driver has one format."""
    with app.app_context():
        connection = db_session.connection()
        dialect = connection.dialect
        stmt, params = queries.prepared_page(market="DE", now=clock.now(), chain=("de-DE", "de", "en"), sort="price",
                                             limit=25, listing_chain="de-DE de en", book_locale="de-DE",
                                             book_only=True)
        prepared = driver_statement(stmt, dialect)
        assert prepared.binary is (dialect.driver == "psycopg")
        rows = run_on_driver(connection.connection.driver_connection, prepared, params)
        bodies = [row.fragment_body for row in rows]
        assert len(bodies) == 25 and all(type(body) is bytes and body.startswith(b"{") for body in bodies)
        theirs = connection.execute(stmt, params).all()  # (SQLAlchemy's cursor: the text format on PostgreSQL)
        assert [tuple(r) for r in theirs] == [tuple(r) for r in rows]
