"""Merchant authentication: the failed-login window (per client and presented
credential, shared by every worker, ``Retry-After``, proxies trusted only as
configured) and the last use of each token."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from storefront import clock
from tests.functional.shopping import ADMIN, admin_api, token_for
from tests.served import ADMIN as SERVED_ADMIN
from tests.served import served_shop

BAD = {"Authorization": "Bearer guess-one"}


@pytest.fixture
def limit_3(app):
    app.config["AUTH_FAILURE_LIMIT"] = 3
    yield
    app.config["AUTH_FAILURE_LIMIT"] = 1000


def _codes(client, headers, n, **kwargs):
    return [client.get("/api/v1/admin/orders", headers=headers, **kwargs).status_code for _ in range(n)]


def test_a_valid_token_passes_whatever_failed_before(client, limit_3):
    assert _codes(client, BAD, 5) == [401, 401, 401, 429, 429]
    refused = client.get("/api/v1/admin/orders", headers=BAD)
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/admin/orders", headers=ADMIN).status_code == 200
    orders = token_for(client, "orders")
    assert client.get("/api/v1/admin/orders", headers=orders).status_code == 200


def test_failures_count_per_client_and_presented_credential(client, limit_3):
    assert _codes(client, BAD, 4) == [401, 401, 401, 429]
    assert _codes(client, {"Authorization": "Bearer other-guess"}, 1) == [401]  # another credential
    assert _codes(client, {}, 1) == [401]  # none at all
    assert _codes(client, BAD, 1, environ_base={"REMOTE_ADDR": "192.0.2.7"}) == [401]  # another client


def test_the_window_ends(client, limit_3, monkeypatch):
    assert _codes(client, BAD, 4) == [401, 401, 401, 429]
    real = clock.now()
    monkeypatch.setattr(clock, "now", lambda: real + timedelta(seconds=61))
    assert _codes(client, BAD, 1) == [401]


@pytest.fixture
def proxied_apps(app, database_url):
    """Two servers over the test database (migrated by ``app``, whichever test a worker
    runs first): one behind a trusted proxy hop, one without."""
    from storefront import create_app
    from storefront.extensions import db

    apps = {hops: create_app(env="test", overrides={"DATABASE_URL": database_url, "AUTH_FAILURE_LIMIT": 2,
                                                     "PROXY_HOPS": hops}) for hops in (0, 1)}
    yield apps
    for app in apps.values():
        with app.app_context():
            db.engine.dispose()


def test_forwarded_addresses_count_only_behind_trusted_proxies(proxied_apps):
    guess = {"Authorization": f"Bearer {uuid.uuid4().hex}"}  # committed for real: a credential of its own
    direct = proxied_apps[0].test_client()
    spoofed = [direct.get("/api/v1/admin/orders", headers={**guess, "X-Forwarded-For": f"198.51.100.{i}"}).status_code
               for i in range(3)]
    assert spoofed == [401, 401, 429]  # X-Forwarded-For is ignored: the socket peer is the client
    proxied = proxied_apps[1].test_client()
    behind = [proxied.get("/api/v1/admin/orders", headers={**guess, "X-Forwarded-For": f"203.0.113.{i}"}).status_code
              for i in (1, 1, 1, 2)]
    assert behind == [401, 401, 429, 401]  # the proxy's word: one client per forwarded address


def test_reads_store_the_last_use_at_most_once_a_minute(client, count_queries, monkeypatch):
    orders = token_for(client, "orders")
    prefix = orders["Authorization"].split()[1][:10]

    def last_used():
        _, body = admin_api(client, "get", "/tokens")
        return next(t["last_used_at"] for t in body["items"] if t["prefix"] == prefix)

    assert last_used() is None
    assert client.get("/api/v1/admin/orders", headers=orders).status_code == 200
    first = last_used()
    assert first is not None
    with count_queries() as counter:
        assert client.get("/api/v1/admin/orders", headers=orders).status_code == 200
    assert not [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE API_TOKEN")]
    assert last_used() == first
    real = clock.now()
    monkeypatch.setattr(clock, "now", lambda: real + timedelta(minutes=2))
    assert client.get("/api/v1/admin/orders", headers=orders).status_code == 200
    assert last_used() > first


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_served_workers_share_the_window(backend):
    """Four workers, one count: the 11th failure is refused whichever worker
    answers it, the valid token still passes, and a read records its use."""
    with served_shop(backend, workers=4, env={"AUTH_FAILURE_LIMIT": "10"}) as shop:
        def attempt(_):
            return shop.request("GET", "/api/v1/admin/orders", headers={"Authorization": "Bearer sf_guessing1"})[0]

        with ThreadPoolExecutor(4) as pool:
            first = list(pool.map(attempt, range(8)))
        later = [attempt(i) for i in range(6)]
        assert first == [401] * 8
        assert later == [401, 401, 429, 429, 429, 429]
        status, body = shop.request("GET", "/api/v1/admin/orders", headers=SERVED_ADMIN)
        assert status == 200, body
        status, created = shop.request("POST", "/api/v1/admin/tokens", {"name": "reader", "roles": ["orders"]},
                                       headers=SERVED_ADMIN)
        assert status == 201, created
        assert shop.request("GET", "/api/v1/admin/orders",
                            headers={"Authorization": f"Bearer {created['token']}"})[0] == 200
        status, listed = shop.request("GET", "/api/v1/admin/tokens", headers=SERVED_ADMIN)
        assert next(t for t in listed["items"] if t["id"] == created["id"])["last_used_at"] is not None
