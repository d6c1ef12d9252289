"""The request deadline in-process (storefront/api/deadline.py; issue 12,
item 18): a request past REQUEST_TIMEOUT_SECONDS answers 503 request_timeout
in the envelope, whether it is stuck in Python or in a PostgreSQL statement,
its transaction is rolled back, and the next request on the same connection
pool works. The served tests (test_served_limits.py,
checkout/test_served_slow_stripe.py) show the same through gunicorn."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from storefront import create_app
from storefront.extensions import db


@pytest.fixture
def slow_app(app, database_url):  # app: the migrated demo database
    app = create_app(env="test", overrides={"DATABASE_URL": database_url, "REQUEST_TIMEOUT_SECONDS": 0.5})

    @app.post("/_test/sleep")
    def sleep():
        time.sleep(3)
        return {"slept": True}

    @app.post("/_test/write-then-sleep")
    def write_then_sleep():
        db.session.execute(sa.text("UPDATE market SET tax_name = 'Changed' WHERE code = 'DE'"))
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("SELECT pg_sleep(3)"))
        else:
            time.sleep(3)
        db.session.commit()
        return {"written": True}

    @app.post("/_test/quick")
    def quick():
        return {"name": db.session.scalar(sa.text("SELECT tax_name FROM market WHERE code = 'DE'"))}

    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_request_stuck_in_python_answers_503_at_the_deadline(slow_app):
    client = slow_app.test_client()
    started = time.monotonic()
    response = client.post("/_test/sleep", headers={"Accept-Language": "fr"})
    took = time.monotonic() - started
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "request_timeout"
    assert response.json["error"]["message"] == "La requête a pris trop de temps et a été interrompue. Veuillez réessayer."
    assert 0.4 < took < 1.5, took


def test_a_request_stuck_in_the_database_is_rolled_back_and_the_pool_still_works(slow_app):
    client = slow_app.test_client()
    started = time.monotonic()
    response = client.post("/_test/write-then-sleep")
    took = time.monotonic() - started
    assert response.status_code == 503 and response.json["error"]["code"] == "request_timeout", response.json
    assert took < 1.5, took
    for _ in range(3):  # the connection that was cancelled went back to the pool usable
        answer = client.post("/_test/quick")
        assert answer.status_code == 200 and answer.json["name"] != "Changed", answer.json


def test_no_deadline_outlives_its_request(slow_app):
    client = slow_app.test_client()
    assert client.post("/_test/quick").status_code == 200
    time.sleep(0.8)  # past the deadline of the request that already ended: nothing fires
    assert client.post("/_test/quick").status_code == 200


def test_a_deadline_of_zero_is_off(app, database_url):
    app = create_app(env="test", overrides={"DATABASE_URL": database_url, "REQUEST_TIMEOUT_SECONDS": 0})

    @app.post("/_test/nap")
    def nap():
        time.sleep(0.3)
        return {"ok": True}

    try:
        assert app.test_client().post("/_test/nap").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()
