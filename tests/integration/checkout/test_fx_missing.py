"""Duty thresholds are compared in the regime's currency: without its FX rate
the answer is an error (fx_rate_missing), never a threshold compared in the
wrong currency."""
from __future__ import annotations

from sqlalchemy import delete

from tests.functional.shopping import ADMIN

BAG = "BAG-HLV-22-BLK"


def preview(client, **headers):
    # A euro market selling into Norway: the VOEC threshold is NOK 3,000.
    response = client.post("/api/v1/admin/tax/preview", json={
        "market": "DE", "address": {"country": "NO"}, "items": [{"sku": BAG, "quantity": 1}]},
        headers={**ADMIN, **headers})
    return response, response.get_json()


def test_a_threshold_in_another_currency_needs_its_fx_rate(app, client, db_session):
    from storefront.pricing.models import FxRate
    from storefront.pricing.services import FX

    response, body = preview(client)
    assert response.status_code == 200, body
    assert body["duties"]["crosses_border"] is True and body["duties"]["rule"] == "no_below_threshold_none"
    with app.app_context():
        db_session.execute(delete(FxRate).where(FxRate.quote == "NOK"))
        FX.invalidate(db_session)
        db_session.commit()
    response, body = preview(client, **{"Accept-Language": "de"})
    assert response.status_code == 503, body
    assert body["error"]["code"] == "fx_rate_missing"
    assert body["error"]["details"] == {"currency": "NOK", "base": "EUR"}
    assert "NOK" in body["error"]["message"] and "Wechselkurs" in body["error"]["message"]
