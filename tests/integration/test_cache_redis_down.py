"""With REDIS_URL set and Redis gone (never there, or stopped mid-run) the
served shop keeps serving: cache versions come from the database, merchant
changes still show at once, and once Redis is back it is used again without
bringing back what was cached before. (Versions are read on every request
here: CACHE_VERSION_TTL_SECONDS would otherwise let a worker trust the ones it
read a quarter of a second before a change made by another.)"""
from __future__ import annotations

import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.served import ADMIN, free_port, served_shop

DETAIL = "/api/v1/products/pride-and-prejudice-illustrated-edition?market=DE"
pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


class PrivateRedis:
    """A redis-server of the test's own on a free port, without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def _price(shop) -> str:
    status, body = shop.request("GET", DETAIL)
    assert status == 200, body
    return next(v for v in body["variants"] if v["sku"] == "BOK-PRIDE-PB")["price"]["gross"]["amount"]


def _set_price(shop, amount: str) -> None:
    status, body = shop.request("PUT", "/api/v1/admin/variants/BOK-PRIDE-PB/prices/DE", {"amount": amount},
                                headers=ADMIN)
    assert status == 200, body


def _browse(shop, rounds: int = 3) -> list[int]:
    """A burst of shoppers (listing, detail, a cart): the statuses."""
    def one(i):
        if i % 3 == 2:
            return shop.request("POST", "/api/v1/carts?market=DE")[0]
        return shop.request("GET", DETAIL if i % 3 else "/api/v1/products?market=DE&limit=5")[0]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(12 * rounds)))


def _prices_everywhere(shop, n: int = 12) -> set[str]:
    with ThreadPoolExecutor(4) as pool:
        return set(pool.map(lambda _: _price(shop), range(n)))


def test_a_redis_that_never_answers(tmp_path):
    closed = free_port()
    with served_shop("sqlite", env={"REDIS_URL": f"redis://127.0.0.1:{closed}/0",
                                          "CACHE_VERSION_TTL_SECONDS": "0"}) as shop:
        statuses = _browse(shop)
        assert set(statuses) <= {200, 201}, statuses
        _set_price(shop, "23.40")
        assert _prices_everywhere(shop) == {"23.40"}
        status, body = shop.request("GET", "/healthz")
        assert status == 200 and body["redis"] == "unavailable", body


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_redis_stopped_and_restarted_mid_run(backend):
    redis = PrivateRedis()
    redis.start()
    try:
        with served_shop(backend, env={"REDIS_URL": redis.url, "CATALOG_CACHE_SECONDS": "30",
                                          "CACHE_VERSION_TTL_SECONDS": "0"}) as shop:
            assert set(_browse(shop, 1)) <= {200, 201}
            _set_price(shop, "21.10")
            assert _prices_everywhere(shop) == {"21.10"}  # cached by each worker under Redis's versions
            assert shop.request("GET", "/healthz")[1]["redis"] == "ok"

            redis.stop()
            statuses = _browse(shop)
            assert set(statuses) <= {200, 201}, statuses
            _set_price(shop, "22.20")  # a change while Redis is down...
            assert _prices_everywhere(shop) == {"22.20"}  # ...shows on every worker (database versions)
            status, body = shop.request("GET", "/healthz")
            assert status == 200 and body["redis"] == "unavailable"

            redis.start()  # empty: what it held is gone
            time.sleep(2.5)  # the workers try Redis again after REDIS_RETRY_SECONDS
            assert set(_browse(shop, 1)) <= {200, 201}
            assert _prices_everywhere(shop) == {"22.20"}  # nothing cached before the outage comes back
            _set_price(shop, "23.30")
            assert _prices_everywhere(shop) == {"23.30"}
            assert shop.request("GET", "/healthz")[1]["redis"] == "ok"
    finally:
        redis.stop()
