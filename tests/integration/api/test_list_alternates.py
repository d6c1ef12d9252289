"""Lists carry hreflang alternates only with ?include=alternates (API.md,
issue 14: with 200 markets a page was 624 KiB); the detail always does."""
from __future__ import annotations


def test_a_list_has_no_alternates_unless_asked(client):
    plain = client.get("/api/v1/products?market=DE&limit=5")
    assert plain.status_code == 200
    assert all("alternates" not in p for p in plain.json["items"]), plain.json["items"][0].keys()
    asked = client.get("/api/v1/products?market=DE&limit=5&include=alternates")
    assert asked.status_code == 200
    assert all(p["alternates"] for p in asked.json["items"])
    assert [p["slug"] for p in asked.json["items"]] == [p["slug"] for p in plain.json["items"]]
    assert len(plain.data) < len(asked.data) / 1.5  # 10 demo markets: about half the page


def test_the_detail_always_has_them(client):
    slug = client.get("/api/v1/products?market=DE&limit=1").json["items"][0]["slug"]
    detail = client.get(f"/api/v1/products/{slug}?market=DE").json
    assert {"CH", "JP", "DE"} <= {a["market"] for a in detail["alternates"]}


def test_an_unknown_include_is_422(client):
    response = client.get("/api/v1/products?market=DE&include=everything", headers={"Accept-Language": "de"})
    assert response.status_code in (400, 422), response.json  # the validation status of query parameters
    assert "include" in str(response.json["error"]["details"])
