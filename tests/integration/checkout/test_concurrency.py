"""Never oversell: concurrent checkouts for the last unit on PostgreSQL (the
production database) give exactly one order and 409 out_of_stock for the rest."""
from __future__ import annotations

import threading

import pytest

from storefront.payments.fake_gateway import FakeGateway
from storefront.payments.wiring import install
from tests.conftest import _postgres_available, _postgres_database, build_app
from tests.functional.shopping import ADMIN, checkout, ready_cart, stock

BUYERS = 8
SKU = "BOK-MOBY-HC"


@pytest.fixture(scope="module")
def pg_app():
    problem = _postgres_available()
    if problem is not None:  # with CI=true conftest already refused to run without PostgreSQL
        pytest.skip(f"PostgreSQL unavailable: {problem}")
    with _postgres_database() as url:
        app = build_app(url)
        install(app, FakeGateway(app.config["STRIPE_WEBHOOK_SECRET"]))
        yield app
        from storefront.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_parallel_checkouts_for_the_last_unit_yield_exactly_one_order(pg_app):
    client = pg_app.test_client()
    carts = [ready_cart(client, "DE", "DE", [(SKU, 1)], units=BUYERS)["token"] for _ in range(BUYERS)]
    stock(client, SKU, "DE-LEJ", 1)  # only one left when they all pay
    barrier = threading.Barrier(BUYERS)
    results: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def buy(token: str) -> None:
        own = pg_app.test_client()
        barrier.wait()
        response, body, _ = checkout(own, token)
        with lock:
            results.append((response.status_code, (body.get("error") or {}).get("code")))

    threads = [threading.Thread(target=buy, args=(token,)) for token in carts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [(201, None)] + [(409, "out_of_stock")] * (BUYERS - 1), results
    level = next(i for i in client.get(f"/api/v1/admin/variants/{SKU}/stock", headers=ADMIN).get_json()["items"]
                 if i["warehouse"] == "DE-LEJ")
    assert (level["quantity"], level["reserved"]) == (1, 1)
    orders = client.get("/api/v1/admin/orders?status=pending_payment", headers=ADMIN).get_json()["items"]
    assert len(orders) == 1
