"""PostgreSQL terminating the served app's connections while shoppers and
merchants read: no request fails (README: "a database restart costs no
errors"). pool_pre_ping covers idle connections; a read whose connection dies
mid-request is run again once. Each round terminates every connection older
than a second, as a restart would, but not the new one a retry has just opened.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.conftest import PG_ADMIN_URL
from tests.served import ADMIN, served_shop

READS = [
    ("/api/v1/products?market=DE&limit=5", {}),
    ("/api/v1/products/pride-and-prejudice-illustrated-edition?market=CH", {}),
    ("/api/v1/products?market=FR&q=prejuges", {}),
    ("/api/v1/admin/orders", ADMIN),
    ("/api/v1/admin/products/1/price-matrix", ADMIN),
]


def test_reads_survive_terminated_backends():
    with served_shop("postgresql", env={"CATALOG_CACHE_SECONDS": "0"}) as shop:
        status, cart = shop.request("POST", "/api/v1/carts?market=DE")
        assert status == 201
        assert shop.request("POST", f"/api/v1/carts/{cart['token']}/items", {"sku": "BOK-PRIDE-PB", "quantity": 1})[0] == 200
        reads = [*READS, (f"/api/v1/carts/{cart['token']}", {})]
        database = shop.database_url.rsplit("/", 1)[1]
        stop = threading.Event()
        killed = []

        def terminate():
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                while not stop.is_set():
                    killed.append(admin.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid() "
                        "AND backend_start < now() - interval '1 second'", (database,),
                    ).fetchone()[0])
                    time.sleep(0.3)

        def read(i):
            statuses = Counter()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                path, headers = reads[i % len(reads)]
                statuses[shop.request("GET", path, headers=headers)[0]] += 1
                i += 1
            return statuses

        killer = threading.Thread(target=terminate)
        killer.start()
        try:
            with ThreadPoolExecutor(6) as pool:
                statuses = sum(pool.map(read, range(6)), Counter())
        finally:
            stop.set()
            killer.join(10)
        assert sum(killed) >= 5  # backends died mid-query, again and again
        assert set(statuses) == {200}, statuses
        assert shop.request("GET", "/healthz")[0] == 200
