"""Served as deployed with the micro-cache off (gunicorn, two workers), the
listing answered below Flask (storefront.api.lane, issue 14) shows a price
change on both workers at once, answers every reader 200 while the merchant
writes, logs every answer with its own request id, and gives the same bytes as
the same server with the lane off (LISTING_LANE=false)."""
from __future__ import annotations

import json
import time

import pytest

from tests.served import reads_around, served_shop, set_price

SKU = "BOK-PRIDE-PB"
PAGES = ["/api/v1/products?market=DE&sort=price&limit=50", "/api/v1/products?market=DE&limit=7",
         "/api/v1/products?market=CH&sort=-price&limit=5", "/api/v1/products?market=JP&sort=newest&limit=4",
         "/api/v1/products?market=DE&q=pride&limit=3"]
UNCACHED = {"CATALOG_CACHE_SECONDS": "0", "LOG_LEVEL": "INFO"}

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning",
                                        "ignore::ResourceWarning")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture(scope="module")
def shop(backend):
    with served_shop(backend, env=UNCACHED) as served:
        yield served


def price(body) -> str:
    item = next(i for i in body["items"] if any(v["sku"] == SKU for v in i["variants"]))
    return next(v["price"]["gross"]["amount"] for v in item["variants"] if v["sku"] == SKU)


def test_the_lane_answers_as_flask_does_when_served(shop, backend):
    lane = {page: shop.request("GET", page, headers={"Accept-Language": "de-DE"}) for page in PAGES * 2}
    with served_shop(backend, env={**UNCACHED, "LISTING_LANE": "false"}) as flask:
        for page in PAGES:
            status, body = flask.request("GET", page, headers={"Accept-Language": "de-DE"})
            assert (status, body) == lane[page], page


def test_a_price_change_shows_on_every_worker_at_once(shop):
    url = PAGES[0]
    _, first = shop.request("GET", url)
    old = price(first)

    seen, asked, committed = reads_around(shop, url, price, lambda: set_price(shop, SKU, "DE", "77.00"),
                                          headers={"Accept-Language": "de-DE"})
    assert {s for _, _, s, _ in seen} == {200}, {p for _, _, s, p in seen if s != 200}
    before = {p for _, done, _, p in seen if done < asked}
    after = {p for started, _, _, p in seen if started > committed}
    assert before == {old} and old != "77.00"
    assert after == {"77.00"}, after  # no micro-cache: the next read, on either worker
    assert len(seen) > 50
    lines = [json.loads(line) for line in shop.log().splitlines() if line.startswith("{")]
    answered = [line for line in lines if line.get("path") == "/api/v1/products" and line.get("status") == 200]
    assert len(answered) >= len(seen) + 1
    assert len({line["request_id"] for line in answered}) == len(answered)


def test_a_lane_read_never_waits_for_the_write_lock(shop, backend):
    """SQLite: the lane's reads begin deferred, like Flask's GETs, also when it
    re-reads the cache versions (every CACHE_VERSION_TTL_SECONDS): a writer
    holding the lock does not hold up the listing (BEGIN IMMEDIATE would wait
    up to busy_timeout, 10 s)."""
    if backend != "sqlite":
        pytest.skip("the write lock is SQLite's")
    import sqlite3

    url = PAGES[1]
    assert shop.request("GET", url)[0] == 200
    writer = sqlite3.connect(shop.database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        time.sleep(0.3)  # past the versions' TTL: the next answers read them again, in a transaction
        for _ in range(4):
            started = time.monotonic()
            status, body = shop.request("GET", url, headers={"Accept-Language": "de-DE"})
            assert status == 200, body
            assert time.monotonic() - started < 2.0
            time.sleep(0.3)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
