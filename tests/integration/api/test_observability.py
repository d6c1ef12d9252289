"""What the logs of a served app hold, and CORS caching headers."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.served import served_shop

ADDRESS = {"email": "leak-check@example.com", "name": "Leaky Person", "line1": "Geheimweg 7", "city": "Berlin",
           "postal_code": "10115", "country": "DE"}
TRIGGERS = {
    "sqlite": ["CREATE TRIGGER induced_failure BEFORE UPDATE OF address ON cart "
               "BEGIN SELECT RAISE(ABORT, 'induced failure'); END"],
    "postgresql": ["CREATE FUNCTION induced_failure() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION 'induced failure'; END $$ LANGUAGE plpgsql",
                   "CREATE TRIGGER induced_failure BEFORE UPDATE OF address ON cart "
                   "FOR EACH ROW EXECUTE FUNCTION induced_failure()"],
}


def _engine(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_log_holds_no_tokens_and_no_sql_parameters(backend):
    with served_shop(backend, env={"LOG_LEVEL": "INFO"}) as shop:
        status, cart = shop.request("POST", "/api/v1/carts?market=DE")
        assert status == 201, cart
        token = cart["token"]
        assert shop.request("POST", f"/api/v1/carts/{token}/items", {"sku": "BOK-PRIDE-PB", "quantity": 1})[0] == 200
        assert shop.request("GET", f"/api/v1/carts/{token}")[0] == 200
        assert shop.request("GET", f"/api/v1/orders/{token}x")[0] == 404
        engine = _engine(shop.database_url)
        with engine.begin() as conn:
            for statement in TRIGGERS[backend]:
                conn.execute(text(statement))
        engine.dispose()
        status, body = shop.request("PUT", f"/api/v1/carts/{token}/address", ADDRESS)
        assert status == 500, body
        log = shop.log()
    assert "induced failure" in log  # the SQL error and its traceback were logged...
    assert "/api/v1/carts/<token>/address" in log  # ...and the request, its path redacted
    leaks = [secret for secret in (token, ADDRESS["email"], ADDRESS["name"], ADDRESS["line1"]) if secret in log]
    assert leaks == []


@pytest.mark.parametrize("origin", [None, "https://elsewhere.example", "https://shop.example"])
@pytest.mark.parametrize("allowed", [["https://shop.example"], ["*"]])
def test_responses_vary_on_origin_when_cors_is_configured(client, app, origin, allowed):
    """A CDN must not serve the response made for one origin (or none) to another."""
    app.config["CORS_ORIGINS"] = allowed
    try:
        headers = {"Origin": origin} if origin else {}
        response = client.get("/api/v1/products?market=DE&limit=1", headers=headers)
        assert response.status_code == 200
        assert "public" in response.headers["Cache-Control"]
        assert "Origin" in response.vary
        again = client.get("/api/v1/products?market=DE&limit=1",
                           headers={**headers, "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and "Origin" in again.vary
    finally:
        app.config["CORS_ORIGINS"] = []


def test_no_vary_on_origin_without_cors(client):
    assert "Origin" not in client.get("/api/v1/products?market=DE&limit=1").vary
