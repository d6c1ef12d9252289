"""The console's audit trail page: filters by actor, resource and date."""
from __future__ import annotations

import re

from tests.functional.console.helpers import ADMIN, make_token, sign_in


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-audit="(\d+)"', html)]


def test_filters_match_the_api(client):
    secret = make_token(client, "catalog")
    product = client.get("/api/v1/admin/products", query_string={"limit": 1}, headers=ADMIN).get_json()["items"][0]
    sku = product["variants"][0]["sku"]
    response = client.put(f"/api/v1/admin/variants/{sku}/stock/DE-LEJ", json={"quantity": 7},
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    sign_in(client)
    every = _ids(client.get("/console/audit").get_data(as_text=True))
    api = [e["id"] for e in client.get("/api/v1/admin/audit", headers=ADMIN).get_json()["items"]]
    assert every == api[:len(every)] and every
    by_stock = client.get("/console/audit?entity=stock").get_data(as_text=True)
    assert set(re.findall(r'data-entity="([^"]+)"', by_stock)) == {"stock"}
    actor = next(e["actor"] for e in client.get("/api/v1/admin/audit", query_string={"entity": "stock"},
                                                headers=ADMIN).get_json()["items"])
    assert actor.startswith("token:")
    mine = _ids(client.get("/console/audit", query_string={"actor": actor}).get_data(as_text=True))
    assert mine == [e["id"] for e in client.get("/api/v1/admin/audit", query_string={"actor": actor},
                                                headers=ADMIN).get_json()["items"]]
    assert _ids(client.get("/console/audit?since=2999-01-01").get_data(as_text=True)) == []
    assert _ids(client.get("/console/audit?until=2000-01-01").get_data(as_text=True)) == []
    html = client.get("/console/audit?entity=stock").get_data(as_text=True)
    assert "quantity" in html and "7" in html


def test_the_audit_trail_needs_the_admin_role(client):
    sign_in(client, make_token(client, "orders", "catalog", "pricing"))
    assert client.get("/console/audit").status_code == 403
