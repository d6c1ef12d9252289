"""Faults on PostgreSQL: a webhook storm of duplicates, and the database
dropping every connection (a restart) under a running app."""
from __future__ import annotations

import threading

import pytest
import psycopg

from storefront.payments.fake_gateway import FakeGateway
from storefront.payments.wiring import install
from tests.conftest import PG_ADMIN_URL, _postgres_available, _postgres_database, build_app
from tests.functional.shopping import ADMIN, checkout, ready_cart


@pytest.fixture(scope="module")
def pg_app():
    problem = _postgres_available()
    if problem is not None:
        pytest.skip(f"PostgreSQL unavailable: {problem}")
    with _postgres_database() as url:
        app = build_app(url)
        gateway = FakeGateway(app.config["STRIPE_WEBHOOK_SECRET"])
        install(app, gateway)
        app.config["TEST_DATABASE"] = url.rsplit("/", 1)[1]
        yield app, gateway
        from storefront.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_storm_of_duplicate_webhooks_changes_the_order_once(pg_app):
    app, gateway = pg_app
    client = app.test_client()
    cart = ready_cart(client, "DE", "DE", [("BOK-MOBY-PB", 2)], units=10)
    response, placed, _ = checkout(client, cart["token"])
    assert response.status_code == 201
    pi = placed["payment"]["payment_intent_id"]
    gateway.set_status(pi, "succeeded")
    payload, signature = gateway.signed_event("payment_intent.succeeded", gateway.payment_intent_object(pi),
                                              event_id="evt_storm_1")
    barrier = threading.Barrier(12)
    results = []

    def deliver():
        own = app.test_client()
        barrier.wait()
        r = own.post("/api/v1/payments/stripe/webhook", data=payload, headers={"Stripe-Signature": signature})
        results.append((r.status_code, r.get_json()["result"]))

    threads = [threading.Thread(target=deliver) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(status == 200 for status, _ in results), results
    assert sorted(r for _, r in results) == ["duplicate"] * 11 + ["pending_payment->paid"]
    order = client.get(f"/api/v1/admin/orders/{placed['order']['id']}", headers=ADMIN).get_json()
    assert order["status"] == "paid"
    level = next(i for i in client.get("/api/v1/admin/variants/BOK-MOBY-PB/stock", headers=ADMIN).get_json()["items"]
                 if i["warehouse"] == "DE-LEJ")
    assert (level["quantity"], level["reserved"]) == (8, 0)  # committed once, not twice
    from sqlalchemy import func, select

    from storefront.extensions import db
    from storefront.orders.models import OutboxMessage

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.order_id == order["id"])) == 1


def test_the_app_reconnects_after_the_database_drops_its_connections(pg_app):
    app, _ = pg_app
    client = app.test_client()
    assert client.get("/api/v1/products?market=DE&limit=2").status_code == 200
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (app.config["TEST_DATABASE"],),
        ).fetchone()[0]
    assert killed >= 1  # the pool's idle connections are gone
    # pool_pre_ping notices the dead connection and opens a new one: no 5xx
    assert client.get("/api/v1/products?market=DE&limit=2").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_concurrent_first_merchant_changes_do_not_collide(pg_app):
    """A merchant change bumps its cache namespace's version; the very first
    ones, arriving together, must not fight over creating its row."""
    app, _ = pg_app
    from sqlalchemy import delete, select

    from storefront.extensions import db
    from storefront.cache import CacheVersion
    from storefront.shipping.services import SHIPPING

    with app.app_context():
        db.session.execute(delete(CacheVersion))
        db.session.commit()
    barrier = threading.Barrier(8)
    done = []

    def change(i):
        with app.app_context():
            barrier.wait()
            SHIPPING.invalidate(db.session)
            db.session.commit()
            done.append(i)

    threads = [threading.Thread(target=change, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(done) == list(range(8))
    with app.app_context():
        assert db.session.scalars(select(CacheVersion.name)).all() == ["shipping"]
