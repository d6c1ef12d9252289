"""Every merchant endpoint is a MerchantBlueprint's: a valid token with the
resource's role is checked before any argument is parsed, and documented."""
from __future__ import annotations

import pytest

from storefront.api import admin
from storefront.api.admin.blueprint import MerchantBlueprint
from tests.functional.shopping import ADMIN, admin_api, error_code, token_for


def test_every_merchant_route_belongs_to_a_merchant_blueprint(app):
    merchant = {bp.name for bp in admin.BLUEPRINTS}
    assert all(isinstance(bp, MerchantBlueprint) for bp in admin.BLUEPRINTS)
    routes = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/admin/")]
    assert routes
    assert {rule.endpoint.split(".")[0] for rule in routes} <= merchant


def test_every_merchant_operation_documents_the_bearer_requirement(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = [(path, method, op) for path, item in spec["paths"].items() if path.startswith("/api/v1/admin/")
                  for method, op in item.items() if method in ("get", "post", "put", "patch", "delete")]
    assert len(operations) > 40
    assert [(p, m) for p, m, op in operations if op.get("security") != [{"bearerAuth": []}]] == []
    shop = [op for path, item in spec["paths"].items() if not path.startswith("/api/v1/admin/")
            for op in item.values() if isinstance(op, dict)]
    assert all("security" not in op for op in shop)


@pytest.mark.parametrize("method, path", [
    ("post", "/markets"), ("patch", "/markets/DE"), ("post", "/tax/overrides"), ("post", "/tokens"),
])
def test_the_role_is_checked_before_the_body(client, method, path):
    """A token without the role gets 403, not the endpoint's validation errors
    (a body that fails validation must not reveal the schema to it)."""
    headers = token_for(client, "catalog")
    response, body = admin_api(client, method, path, headers=headers, json={"nonsense": True})
    assert response.status_code == 403, body
    assert error_code(body) == "forbidden"
    response, body = admin_api(client, method, path, headers={}, json={"nonsense": True})
    assert response.status_code == 401 and error_code(body) == "unauthorized"
    response, body = admin_api(client, method, path, headers=ADMIN, json={"nonsense": True})
    assert response.status_code == 422


def test_an_endpoint_can_need_another_role_than_its_resource(client):
    """Stock belongs to "catalog"; creating a warehouse needs "admin"."""
    catalog = token_for(client, "catalog")
    response, _ = admin_api(client, "get", "/variants/BOK-PRIDE-HC/stock", headers=catalog)
    assert response.status_code == 200
    response, body = admin_api(client, "post", "/warehouses", headers=catalog, json={"code": "X"})
    assert response.status_code == 403 and error_code(body) == "forbidden"
