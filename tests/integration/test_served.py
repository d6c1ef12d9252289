"""The app as `make run` serves it (gunicorn, production settings) answers on both databases."""
import pytest
from tests.served import ADMIN, served_shop

@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_served(backend):
    with served_shop(backend, stripe=True) as shop:
        status, body = shop.request("GET", "/api/v1/products?limit=2", headers={"Accept-Language": "de-CH"})
        assert status == 200 and body["context"]["market"] == "CH", body
        status, body = shop.request("GET", "/api/v1/admin/orders", headers=ADMIN)
        assert status == 200, body
