"""The listing answered below Flask (storefront/api/lane.py, issue 14): the
same bytes and headers Flask answers for every listing the book holds (sorts,
pages, search, categories, alternates, markets and locales), everything else
left to Flask, the micro-cache filled for the layer above, and the deadline
kept: a request stopped in the lane gets Flask's 503, not a second run."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from storefront import cache, create_app
from storefront.catalog.models import ListingFragment
from storefront.extensions import db
from tests.functional.shopping import admin_api


@pytest.fixture
def reached(app):
    """The paths of the requests that reached Flask."""
    seen: list[str] = []

    def count():
        from flask import request

        seen.append(request.full_path)

    app.before_request_funcs.setdefault(None, []).insert(0, count)
    saved = app.config["LISTING_LANE"]
    yield seen
    app.config["LISTING_LANE"] = saved
    app.before_request_funcs[None].remove(count)


def without_request_id(response) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.items() if k != "X-Request-Id")


def through_flask(app, client, url: str, headers: dict):
    app.config["LISTING_LANE"] = False
    try:
        return client.get(url, headers=headers)
    finally:
        app.config["LISTING_LANE"] = True


def pages(client, url: str, headers: dict, limit: int = 3) -> list[str]:
    """The URL and those of the next pages (their cursors), as a shopper would follow them."""
    urls, body = [url], client.get(url, headers=headers).get_json()
    while body["next_cursor"] and len(urls) < limit:
        urls.append(f"{url}&cursor={body['next_cursor']}")
        body = client.get(urls[-1], headers=headers).get_json()
    return urls


SHAPES = [
    ("/api/v1/products?limit=5", {"Accept-Language": "de-DE"}),
    ("/api/v1/products?limit=4&sort=price", {"Accept-Language": "de-CH"}),
    ("/api/v1/products?limit=4&sort=-price", {"X-Market": "CA", "Accept-Language": "fr-CA"}),
    ("/api/v1/products?limit=4&sort=newest", {"Accept-Language": "ja"}),
    ("/api/v1/products?limit=3&q=pride", {"Accept-Language": "en"}),
    ("/api/v1/products?limit=3&category=books", {"X-Market": "CH"}),
    ("/api/v1/products?limit=3&include=alternates", {"Accept-Language": "de-DE"}),
    ("/api/v1/products?limit=3&market=us&locale=es-US", {}),
    ("/api/v1/products?limit=3", {"X-Forwarded-Proto": "https", "Origin": "https://shop.example"}),
]


@pytest.mark.parametrize(("url", "headers"), SHAPES)
def test_the_lane_answers_what_flask_answers(app, client, reached, url, headers):
    for page in pages(client, url, headers):
        client.get(page, headers=headers)  # (a process's first listing in a market goes to Flask)
        before = len(reached)
        lane = client.get(page, headers=headers)
        assert len(reached) == before, page  # answered below Flask
        flask = through_flask(app, client, page, headers)
        assert lane.status_code == flask.status_code == 200
        assert lane.get_data() == flask.get_data(), page
        assert without_request_id(lane) == without_request_id(flask)
        assert lane.headers["X-Request-Id"] != flask.headers["X-Request-Id"]


def test_a_price_change_shows_in_the_next_lane_answer(app, client, reached):
    url = "/api/v1/products?limit=50&sort=price&market=DE"
    client.get(url)

    def price() -> str:
        body = client.get(url).get_json()
        item = next(i for i in body["items"] if any(v["sku"] == "BOK-PRIDE-PB" for v in i["variants"]))
        return next(v["price"]["gross"]["amount"] for v in item["variants"] if v["sku"] == "BOK-PRIDE-PB")

    price()
    admin_api(client, "put", "/variants/BOK-PRIDE-PB/prices/DE", json={"amount": "77.00"})
    reached.clear()
    assert price() == "77.00"
    assert reached == []


@pytest.mark.parametrize(("url", "headers", "status"), [
    ("/api/v1/products?limit=5&cart=nonesuch", {}, 200),
    ("/api/v1/products?limit=0", {}, 422),
    ("/api/v1/products?limit=5&sort=sideways", {}, 422),
    ("/api/v1/products?limit=5&cursor=not-a-cursor", {}, 400),
    ("/api/v1/products?limit=5&category=nonesuch", {}, 404),
    ("/api/v1/products?limit=5&market=XX", {}, 404),
    ("/api/v1/products?limit=5&locale=!!", {}, 400),
    ("/api/v1/products?limit=5&q=a%00b", {}, 400),
])
def test_what_the_lane_leaves_to_flask(app, client, reached, url, headers, status):
    for known in ({}, {"X-Market": "DE"}):  # the headers of these markets are known: the lane would answer
        client.get("/api/v1/products?limit=5", headers=known)
    reached.clear()
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    assert len(reached) == 1
    flask = through_flask(app, client, url, headers)
    assert response.get_data() == flask.get_data()
    if status >= 400:
        assert response.get_json()["error"]["code"] == flask.get_json()["error"]["code"]


def test_a_query_read_once_answers_every_request_of_it_as_its_own(app, client, reached):
    """The lane keeps what a query string parsed to: a refused one goes to Flask
    every time (its errors in each request's language), an accepted one serves
    every market and language asking for it."""
    refused = "/api/v1/products?limit=5&sort=sideways"
    messages = []
    for language in ("de-DE", "fr-FR", "de-DE"):
        client.get("/api/v1/products?limit=5", headers={"Accept-Language": language})
        reached.clear()
        response = client.get(refused, headers={"Accept-Language": language})
        assert response.status_code == 422 and len(reached) == 1
        messages.append(response.get_json()["error"]["message"])
    assert messages[0] == messages[2] != messages[1]  # German twice, French its own
    url = "/api/v1/products?limit=2&sort=newest"
    for headers in ({"Accept-Language": "de-DE"}, {"X-Market": "JP", "Accept-Language": "ja"}, {"X-Market": "CH"}):
        client.get(url, headers=headers)
        reached.clear()
        lane = client.get(url, headers=headers)
        assert reached == [] and lane.status_code == 200
        assert lane.get_data() == through_flask(app, client, url, headers).get_data()


def test_a_page_the_book_does_not_hold_is_built_by_flask(app, client, db_session, reached):
    url = "/api/v1/products?limit=5"
    booked = client.get(url)
    first = booked.get_json()["items"][0]["id"]
    with app.app_context():
        db_session.execute(sa.delete(ListingFragment).where(ListingFragment.product_id == first))
        db_session.commit()
        cache.clear_local()
    reached.clear()
    built = client.get(url)  # (the process forgot the headers: Flask answers, and they are learned)
    again = client.get(url)  # the lane would answer, but the book lacks a product: Flask builds it
    assert len(reached) == 2
    assert again.get_data() == built.get_data() == booked.get_data()


def test_the_lane_fills_the_micro_cache_for_the_layer_above(app, client, reached):
    saved = {k: app.config[k] for k in ("CATALOG_CACHE_SECONDS", "CACHE_VERSION_TTL_SECONDS")}
    app.config.update(CATALOG_CACHE_SECONDS=60, CACHE_VERSION_TTL_SECONDS=60)
    cache.clear_local()
    try:
        url = "/api/v1/products?limit=5"
        learned = client.get(url)  # Flask: the headers of the market are learned (and the entry kept)
        other = "/api/v1/products?limit=6"
        computed = client.get(other)  # the lane: computed, kept and marked
        stored = cache.usage()[0]
        repeat = client.get(other)  # the front layer: a hit
        assert len(reached) == 1 and cache.usage()[0] == stored
        assert repeat.get_data() == computed.get_data() and repeat.headers["ETag"] == computed.headers["ETag"]
        assert learned.headers["Cache-Control"] == computed.headers["Cache-Control"]
        app.config["CATALOG_CACHE_SECONDS"] = 0
        assert through_flask(app, client, other, {}).get_data() == computed.get_data()
    finally:
        app.config.update(saved)
        cache.clear_local()


@pytest.fixture
def slow_app(app, database_url):
    app = create_app(env="test", overrides={"DATABASE_URL": database_url, "REQUEST_TIMEOUT_SECONDS": 0.5})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_lane_request_past_the_deadline_gets_flasks_timeout_answer(slow_app, monkeypatch):
    """Stuck in the page statement (PostgreSQL: cancelled at the server; SQLite: in Python),
    the request answers 503 request_timeout at the deadline, once, and the pool still works."""
    from storefront.api import lane

    client = slow_app.test_client()
    url = "/api/v1/products?limit=5"
    assert client.get(url, headers={"Accept-Language": "fr"}).status_code == 200  # (headers learned)
    real = lane.run_on_driver
    ran: list[str] = []

    def stuck(connection, prepared, params):
        ran.append("page")
        if slow_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            connection.execute("SELECT pg_sleep(3)")
        else:
            time.sleep(3)
        return real(connection, prepared, params)

    monkeypatch.setattr(lane, "run_on_driver", stuck)
    started = time.monotonic()
    response = client.get(url, headers={"Accept-Language": "fr"})
    took = time.monotonic() - started
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "request_timeout"
    assert response.headers["X-Request-Id"]
    assert 0.4 < took < 1.5, took
    assert ran == ["page"]  # not run again by Flask
    monkeypatch.setattr(lane, "run_on_driver", real)
    for _ in range(6):  # more than the pool's connections: none was left broken
        assert client.get(url).status_code == 200
