"""The response micro-cache is keyed by the parsed, normalised query and
bounded by bytes (issue 12, item 22)."""
from __future__ import annotations

import pytest

from storefront import cache


@pytest.fixture
def micro_cache(app):
    saved = {k: app.config[k] for k in ("CATALOG_CACHE_SECONDS", "CACHE_MAX_CHARS", "CACHE_VERSION_TTL_SECONDS")}
    app.config["CATALOG_CACHE_SECONDS"] = 60
    app.config["CACHE_VERSION_TTL_SECONDS"] = 60
    cache.clear_local()
    yield app.config
    app.config.update(saved)
    cache.clear_local()


def responses_kept() -> int:
    return sum(1 for key in cache._store._entries if key[2][0] == "response")


SPELLINGS = [f"/api/v1/products?market={market}&limit={'0' * n}5" for n in range(1, 2501) for market in ("DE", "de")]
SPELLINGS += [f"/api/v1/products?limit={'0' * n}5&market={market}" for n in range(1, 2501) for market in ("De", "dE")]


def test_ten_thousand_spellings_of_one_query_are_one_key(app, micro_cache, backend):
    from storefront.api import caching

    if backend != "sqlite":
        pytest.skip("the key does not depend on the database")
    assert len(set(SPELLINGS)) == 10_000
    keys = set()
    for url in SPELLINGS:
        with app.test_request_context(url):
            keys.add(caching._key())
    assert len(keys) == 1 and None not in keys


def test_spellings_of_one_query_share_one_entry(client, micro_cache, backend):
    if backend != "sqlite":
        pytest.skip("the key does not depend on the database")
    first = client.get("/api/v1/products?market=DE&limit=5")
    assert first.status_code == 200
    kept, (entries, chars) = responses_kept(), cache.usage()
    assert kept == 1
    for url in SPELLINGS[::10]:  # 1,000 of them through HTTP
        response = client.get(url)
        assert response.status_code == 200
        assert response.get_data() == first.get_data()
    assert responses_kept() == 1
    assert cache.usage()[1] < chars + 1_000


def test_the_store_stays_within_its_byte_bound(client, micro_cache, backend):
    if backend != "sqlite":
        pytest.skip("the store does not depend on the database")
    micro_cache["CACHE_MAX_CHARS"] = 100_000
    sizes = []
    for n in range(1, 41):
        assert client.get(f"/api/v1/products?market=DE&limit={n}").status_code == 200
        sizes.append(cache.usage()[1])
    entries, chars = cache.usage()
    assert max(sizes) <= 100_000 and responses_kept() < 40
