"""Repeats of catalog GETs answered below Flask from the micro-cache
(storefront.api.front, issue 14): the same answer Flask gives, byte for byte
and header for header, its own request id and log line, and nothing it must
not answer (conditional requests, carts, oversized heads, stale versions)."""
from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import update

from storefront import cache
from storefront.api.observability import JsonFormatter
from storefront.extensions import db
from tests.functional.shopping import admin_api

LISTING = "/api/v1/products?limit=5"
BOOK = "BOK-PRIDE-PB"


@pytest.fixture
def front(app):
    """The micro-cache on as in production, versions re-read every minute; counts what reaches Flask
    (the listing lane off: what is counted is what the front layer left to the app; tests/integration/api/test_lane.py)."""
    keys = ("CATALOG_CACHE_SECONDS", "CACHE_VERSION_TTL_SECONDS", "CORS_ORIGINS", "LISTING_LANE")
    saved = {k: app.config[k] for k in keys}
    app.config.update(CATALOG_CACHE_SECONDS=60, CACHE_VERSION_TTL_SECONDS=60, LISTING_LANE=False)
    cache.clear_local()
    seen: list[str] = []

    def count():
        from flask import request

        seen.append(request.full_path)

    app.before_request_funcs.setdefault(None, []).insert(0, count)
    yield seen
    app.before_request_funcs[None].remove(count)
    app.config.update(saved)
    cache.clear_local()


@pytest.fixture
def access_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("storefront.access")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


def without_request_id(response) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.items() if k != "X-Request-Id")


def test_a_repeat_is_answered_below_flask_with_flasks_answer(client, front, access_log):
    headers = {"Accept-Language": "de-DE"}
    first = client.get(LISTING, headers=headers)
    assert first.status_code == 200 and len(front) == 1
    again = client.get(LISTING, headers=headers)
    echoed = client.get(LISTING, headers={**headers, "X-Request-Id": "frontend-0001"})
    assert len(front) == 1  # neither reached Flask
    assert again.get_data() == echoed.get_data() == first.get_data()
    assert without_request_id(again) == without_request_id(first)
    assert again.headers["Content-Language"] == "de-DE" and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["X-Request-Id"] not in (first.headers["X-Request-Id"], "frontend-0001")
    assert echoed.headers["X-Request-Id"] == "frontend-0001"
    lines = access_log()
    assert [line["request_id"] for line in lines] == [first.headers["X-Request-Id"], again.headers["X-Request-Id"],
                                                      "frontend-0001"]
    assert {(line["method"], line["path"], line["status"], line["message"]) for line in lines} == {
        ("GET", "/api/v1/products", 200, "GET /api/v1/products 200")}


@pytest.mark.parametrize("headers", [
    {"Accept-Language": "fr-FR"}, {"Accept-Language": "de-CH"}, {"X-Market": "CH"}, {"X-Country": "AT"},
    {"Accept-Language": "ja"}, {"X-Forwarded-Proto": "https"},
])
def test_what_the_answer_depends_on_keeps_answers_apart(client, app, front, headers):
    plain = client.get(LISTING, headers={"Accept-Language": "de-DE"})
    client.get(LISTING, headers={"Accept-Language": "de-DE"})
    first = client.get(LISTING, headers=headers)
    again = client.get(LISTING, headers=headers)
    assert len(front) == 2  # the plain request once, the other once
    app.config["CATALOG_CACHE_SECONDS"] = 0
    direct = client.get(LISTING, headers=headers)  # what Flask answers with no cache at all
    assert again.get_data() == first.get_data() == direct.get_data()
    assert without_request_id(again) == without_request_id(first)
    assert {k: v for k, v in without_request_id(direct) if k not in ("Cache-Control",)} == \
        {k: v for k, v in without_request_id(first) if k not in ("Cache-Control",)}
    if "X-Forwarded-Proto" not in headers:
        assert first.get_data() != plain.get_data() or first.headers["X-Market"] != plain.headers["X-Market"]


def test_an_origin_is_part_of_the_key(client, app, front):
    app.config["CORS_ORIGINS"] = ["https://shop.example"]
    ours = [client.get(LISTING, headers={"Origin": "https://shop.example"}) for _ in range(2)]
    theirs = [client.get(LISTING, headers={"Origin": "https://elsewhere.example"}) for _ in range(2)]
    assert len(front) == 2
    assert {r.headers.get("Access-Control-Allow-Origin") for r in ours} == {"https://shop.example"}
    assert {r.headers.get("Access-Control-Allow-Origin") for r in theirs} == {None}


def test_conditional_and_credentialed_requests_reach_flask(client, front):
    first = client.get(LISTING)
    not_modified = client.get(LISTING, headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304
    client.get(LISTING, headers={"Authorization": "Bearer x"})
    client.head(LISTING)
    client.set_cookie("a", "b")  # (the test client sets Cookie from its jar)
    client.get(LISTING)
    client.delete_cookie("a")
    assert len(front) == 5


def test_a_cart_in_the_query_always_reaches_flask(client, front):
    for _ in range(3):
        assert client.get(LISTING + "&cart=nonesuch").status_code == 200
    assert len(front) == 3


def test_oversized_heads_are_refused_after_the_url_was_answered(client, front):
    assert client.get(LISTING).status_code == 200
    big = client.get(LISTING, headers={"X-Padding": "x" * 9000})
    many = client.get(LISTING, headers={f"X-Pad-{n}": "x" for n in range(101)})
    assert (big.status_code, many.status_code) == (431, 431)
    assert big.get_json()["error"]["code"] == many.get_json()["error"]["code"]


def test_a_change_made_here_is_seen_by_the_next_repeat(client, front):
    url = "/api/v1/products/pride-and-prejudice-illustrated-edition?market=DE"

    def price() -> str:
        body = client.get(url).get_json()
        return next(v["price"]["gross"]["amount"] for v in body["variants"] if v["sku"] == BOOK)

    before = price()
    assert price() == before and len(front) == 1
    admin_api(client, "put", f"/variants/{BOOK}/prices/DE", json={"amount": "77.00"})
    assert price() == "77.00"
    reached = len(front)
    assert price() == "77.00" and len(front) == reached  # and answered below Flask again


def test_a_change_made_elsewhere_is_seen_within_the_version_ttl(app, client, front):
    """Another server's change (a new version row) shows once this process re-reads the versions."""
    app.config["CACHE_VERSION_TTL_SECONDS"] = 5  # (a worker's cold first request may take longer than 0.3 s)
    first = client.get(LISTING)
    client.get(LISTING)
    assert len(front) == 1
    app.config["CACHE_VERSION_TTL_SECONDS"] = 0.3
    with app.app_context():
        db.session.execute(update(cache.CacheVersion).where(cache.CacheVersion.name == "catalog")
                           .values(version="elsewhere"))
        db.session.commit()
    import time

    time.sleep(0.35)
    client.get(LISTING)
    assert len(front) == 2  # the versions were re-read, the entry was stale: Flask answered
    client.get(LISTING)
    assert len(front) == 2
    assert client.get(LISTING).get_data() == first.get_data()


def test_a_mapping_made_under_other_versions_is_not_used(app, client, front):
    """A markets change can make the same request negotiate another market: the
    mapping is re-made by Flask, even when its entry is valid again."""
    client.get(LISTING, headers={"X-Country": "CH"})
    client.get(LISTING, headers={"X-Country": "CH"})
    assert len(front) == 1
    with app.test_request_context():
        from storefront.markets.cache import MARKETS

        MARKETS.invalidate(db.session)
        db.session.commit()
    client.get(LISTING, headers={"X-Country": "CH"})
    client.get(LISTING, headers={"X-Country": "CH"})
    assert len(front) == 2
