"""Served as deployed (gunicorn, two workers, the micro-cache on), repeats
answered below Flask (storefront.api.front) never outlive a merchant's change
by more than the versions' TTL on any worker, and every answer is logged with
its own request id (issue 14)."""
from __future__ import annotations

import json

import pytest

from tests.served import reads_around, served_shop, set_price

DETAIL = "/api/v1/products/pride-and-prejudice-illustrated-edition?market=DE"
SKU = "BOK-PRIDE-PB"
TTL = 0.25  # CACHE_VERSION_TTL_SECONDS, production's default

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning",
                                        "ignore::ResourceWarning")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request):
    with served_shop(request.param, env={"LOG_LEVEL": "INFO"}) as served:
        yield served


def price(body) -> str:
    return next(v["price"]["gross"]["amount"] for v in body["variants"] if v["sku"] == SKU)


def test_a_price_change_reaches_every_worker_within_the_ttl(shop):
    _, first = shop.request("GET", DETAIL)
    old = price(first)

    seen, asked, committed = reads_around(shop, DETAIL, price, lambda: set_price(shop, SKU, "DE", "77.00"),
                                          headers={"Accept-Language": "de-DE"},
                                          before=1.5, after=2.0)
    assert {s for _, _, s, _ in seen} == {200}
    before = {p for _, done, _, p in seen if done < asked}
    after = {p for started, _, _, p in seen if started > committed + TTL + 0.25}
    assert before == {old} and old != "77.00"
    assert after == {"77.00"}, after  # both workers, hits and misses alike
    assert len(seen) > 50  # (enough repeats that most were answered from the cache)
    lines = [json.loads(line) for line in shop.log().splitlines() if line.startswith("{")]
    answered = [line for line in lines if line.get("path") == DETAIL.split("?")[0] and line.get("status") == 200]
    assert len(answered) == len(seen) + 1  # every answer logged (the first request too)...
    assert len({line["request_id"] for line in answered}) == len(answered)  # ...each with its own request id
