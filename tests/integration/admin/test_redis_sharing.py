"""With REDIS_URL, app servers share the cache versions, and the auth-failure
window (in the database) as before (two apps stand for two servers)."""
from __future__ import annotations

import os
import uuid

import pytest

REDIS_URL = os.environ.get("STOREFRONT_TEST_REDIS", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_apps(app, database_url):  # (``app``: the database migrated, whichever test a worker runs first)
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        client.close()
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"Redis unavailable: {exc}")
    from storefront import create_app

    apps = [create_app(env="test", overrides={"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
                                             "AUTH_FAILURE_LIMIT": 3}) for _ in range(2)]
    yield apps
    client.close()
    for app in apps:
        shared = app.extensions.get("redis")
        if shared is not None:
            shared.close()
            shared.connection_pool.disconnect()
        from storefront.extensions import db

        with app.app_context():
            db.engine.dispose()


def test_failures_on_one_server_count_on_the_other(app, redis_apps):
    one, two = (a.test_client() for a in redis_apps)
    bad = {"Authorization": f"Bearer {uuid.uuid4().hex}"}  # committed for real: a credential of its own
    assert [one.get("/api/v1/admin/orders", headers=bad).status_code for _ in range(2)] == [401, 401]
    assert two.get("/api/v1/admin/orders", headers=bad).status_code == 401
    assert two.get("/api/v1/admin/orders", headers=bad).status_code == 429
    assert one.get("/api/v1/admin/orders", headers=bad).status_code == 429


def test_cache_versions_are_shared(redis_apps):
    from storefront.extensions import db
    from storefront.cache import current_version, invalidate
    from storefront.catalog.cache import CATALOG

    first, second = redis_apps
    with first.test_request_context():
        invalidate(db.session, CATALOG)
        token = current_version(db.session, CATALOG)
    with second.test_request_context():
        assert current_version(db.session, CATALOG) == token != ""


def test_a_change_publishes_a_new_version_again_when_committed(redis_apps):
    """What another server cached between the first bump and the commit (pre-commit data) goes stale.
    (Committed for real, so a namespace the listing book does not follow: a catalog change without
    a mark would make every fragment of the shared test database stale for the tests after this one.)"""
    from storefront.extensions import db
    from storefront.cache import current_version, invalidate
    from storefront.shipping.services import SHIPPING

    first, second = redis_apps
    with first.test_request_context():
        invalidate(db.session, SHIPPING)
        with second.test_request_context():
            during = current_version(db.session, SHIPPING)
        db.session.commit()
    with second.test_request_context():
        after = current_version(db.session, SHIPPING)
    assert during != "" and after not in ("", during)


def test_a_change_on_one_server_drops_what_the_other_cached(redis_apps):
    from storefront import cache
    from storefront.extensions import db
    from storefront.shipping.services import SHIPPING

    first, second = redis_apps
    computed = []

    def cached():
        return cache.memoized(db.session, SHIPPING, ("redis-sharing-test",),
                              lambda: computed.append(1) or len(computed))

    with first.test_request_context():
        assert cached() == 1
    with first.test_request_context():
        assert cached() == 1  # kept
    with second.test_request_context():
        SHIPPING.invalidate(db.session)
        db.session.commit()
    with first.test_request_context():
        assert cached() == 2
