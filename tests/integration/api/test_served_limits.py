"""Oversized request heads get the JSON envelope from the served app, not
gunicorn's HTML (issue 12, item 18). One database: it is the server's behaviour."""
from __future__ import annotations

import pytest

from tests.served import served_shop

# served.py's start-up probe can leave a socket to the collector (a ResourceWarning, not ours to judge here).
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning",
                                        "ignore::ResourceWarning")


@pytest.fixture(scope="module")
def shop():
    with served_shop("sqlite") as served:
        yield served


def envelope(status, body, expected, code):
    assert status == expected, str(body)[:300]
    assert isinstance(body, dict) and body["error"]["code"] == code and body["error"]["message"], str(body)[:300]


def test_a_long_url_is_a_json_414(shop):
    status, body = shop.request("GET", "/api/v1/products?q=" + "x" * 9000)
    envelope(status, body, 414, "uri_too_long")
    status, body = shop.request("GET", "/api/v1/products?q=" + "x" * 100_000)
    envelope(status, body, 414, "uri_too_long")


def test_a_large_header_is_a_json_431(shop):
    status, body = shop.request("GET", "/api/v1/products", headers={"X-Big": "y" * 10_000})
    envelope(status, body, 431, "headers_too_large")


def test_many_headers_are_a_json_431(shop):
    status, body = shop.request("GET", "/api/v1/products", headers={f"X-H{i}": "1" for i in range(150)})
    envelope(status, body, 431, "headers_too_large")


def test_an_ordinary_request_still_passes(shop):
    status, body = shop.request("GET", "/api/v1/products?limit=2")
    assert status == 200 and len(body["items"]) == 2
