"""The listing lane's own connection (storefront.api.lane, issue 14): one per
thread and process, kept from request to request outside the engine's pool,
autocommit on PostgreSQL (no transaction left open between requests), closed
and replaced after a failed statement or when its engine is disposed, and
never used nor closed by a forked child (the parent's session would end)."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from storefront import create_app
from storefront.api import lane
from storefront.extensions import db

URL = "/api/v1/products?limit=5"
HEADERS = {"Accept-Language": "de-DE"}


@pytest.fixture
def own_app(app, database_url):
    """An app of its own on the demo database (``app`` built it), with no test transaction: the lane reads
    through its own connection."""
    lane.release_held()
    # Versions re-read at most every minute, as in production: a lane request then opens no Session
    # (with one open, the lane reads in its transaction instead).
    app = create_app(env="test", overrides={"DATABASE_URL": database_url, "CACHE_VERSION_TTL_SECONDS": 60})
    yield app
    lane.release_held()
    with app.app_context():
        db.engine.dispose()


def answered_below_flask(app, client) -> bytes:
    seen: list[str] = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: seen.append("flask"))
    try:
        response = client.get(URL, headers=HEADERS)
    finally:
        app.before_request_funcs[None].pop(0)
    assert response.status_code == 200
    assert seen == [], "answered by Flask"
    return response.get_data()


def started(app):
    """(client, on PostgreSQL?, the page) once the lane answers: the first request
    teaches it the headers through Flask, the second is the lane's."""
    client = app.test_client()
    assert client.get(URL, headers=HEADERS).status_code == 200
    return client, app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"), answered_below_flask(app, client)


def is_open(driver, postgres: bool) -> bool:
    if postgres:
        return not driver.closed
    try:
        driver.execute("SELECT 1").fetchall()
    except Exception:  # noqa: BLE001 - sqlite3.ProgrammingError: closed
        return False
    return True


def test_one_connection_serves_request_after_request(own_app):
    client, postgres, first = started(own_app)
    driver = lane._held.driver
    assert driver is not None
    for _ in range(3):
        assert answered_below_flask(own_app, client) == first
        assert lane._held.driver is driver
    with own_app.app_context():
        assert db.engine.pool.checkedout() == 0  # outside the pool: nothing checked out between requests
    if postgres:
        import psycopg

        assert driver.autocommit is True
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE  # no snapshot held open


def test_a_failed_statement_closes_the_connection_and_flask_answers(own_app, monkeypatch):
    client, postgres, good = started(own_app)
    broken = lane._held.driver
    real = lane.run_on_driver

    def failing(connection, prepared, params):
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(lane, "run_on_driver", failing)
    response = client.get(URL, headers=HEADERS)
    assert response.status_code == 200 and response.get_data() == good  # Flask ran it again
    assert lane._held.driver is None and not is_open(broken, postgres)
    monkeypatch.setattr(lane, "run_on_driver", real)
    assert answered_below_flask(own_app, client) == good
    assert lane._held.driver is not None and lane._held.driver is not broken


def test_disposing_the_engine_closes_it(own_app):
    client, postgres, _ = started(own_app)
    driver = lane._held.driver
    with own_app.app_context():
        db.engine.dispose()
    assert lane._held.driver is None and not is_open(driver, postgres)
    answered_below_flask(own_app, client)
    assert lane._held.driver is not None


def test_a_forked_process_leaves_its_parents_connection_alone(own_app, monkeypatch):
    client, postgres, good = started(own_app)
    parents = lane._held.driver
    child_pid = os.getpid() + 1
    monkeypatch.setattr(os, "getpid", lambda: child_pid)  # as a worker forked with the connection sees it
    assert answered_below_flask(own_app, client) == good
    assert lane._held.driver is not parents
    assert any(driver is parents for _, driver in lane._inherited)
    lane.release_held()  # (the "child's" own, closed as the child would)
    monkeypatch.undo()
    assert is_open(parents, postgres)  # not closed: on PostgreSQL that would end the parent's session
    lane._inherited[:] = [(f, d) for f, d in lane._inherited if d is not parents]
    parents.close()
