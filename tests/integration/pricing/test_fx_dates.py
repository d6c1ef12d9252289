"""FX rates: no future or absurd dates; every reader uses the rate in force
on or before today (issue 12, item 8)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from storefront import clock
from storefront.pricing import fx
from storefront.pricing.errors import InvalidFxDate
from storefront.pricing.models import FxRate
from tests.functional.shopping import ADMIN, checkout, ready_cart


def today() -> date:
    return clock.now().date()


@pytest.mark.parametrize("when", ["2099-01-01", "1998-12-31", "1900-01-01", "0001-01-01"])
def test_merchant_rate_with_a_future_or_absurd_date_is_refused(client, when):
    response = client.put("/api/v1/admin/fx-rates/USD", json={"rate": "50", "date": when}, headers=ADMIN)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_fx_date"
    history = client.get("/api/v1/admin/fx-rates?currency=USD", headers=ADMIN).get_json()["items"]
    assert all(i["rate"] != "50" for i in history)


def test_a_rate_for_tomorrow_is_accepted_but_not_used_today(client, fake_gateway):
    before = next(i for i in client.get("/api/v1/admin/fx-rates", headers=ADMIN).get_json()["items"]
                  if i["currency"] == "USD")
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = client.put("/api/v1/admin/fx-rates/USD", json={"rate": "50", "date": tomorrow}, headers=ADMIN)
    assert response.status_code == 200, response.get_json()
    current = next(i for i in client.get("/api/v1/admin/fx-rates", headers=ADMIN).get_json()["items"]
                   if i["currency"] == "USD")
    assert current["rate"] == before["rate"]
    cart = ready_cart(client, "US", "US-CA", [("BOK-PRIDE-PB", 1)])
    response, placed, _ = checkout(client, cart["token"])
    assert response.status_code == 201, placed
    order = client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()
    assert Decimal(order["fx_rate"]["rate"]) == Decimal(before["rate"])


def test_a_stored_future_rate_is_ignored_by_every_reader(client, fake_gateway, db_session, app):
    """A row dated 2099 (written before dates were checked) is neither the current
    rate nor the checkout snapshot."""
    with app.app_context():
        db_session.add(FxRate(base="EUR", quote="USD", rate=Decimal("50"), rate_date=date(2099, 1, 1),
                              source="merchant", created_at=clock.now()))
        db_session.commit()
    current = next(i for i in client.get("/api/v1/admin/fx-rates", headers=ADMIN).get_json()["items"]
                   if i["currency"] == "USD")
    assert current["rate"] != "50"
    cart = ready_cart(client, "US", "US-CA", [("BOK-PRIDE-PB", 1)])
    response, placed, _ = checkout(client, cart["token"])
    assert response.status_code == 201, placed
    order = client.get(f"/api/v1/orders/{placed['order']['token']}").get_json()
    assert Decimal(order["fx_rate"]["rate"]) != Decimal("50")


ECB = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<Cube><Cube time="{day}"><Cube currency="USD" rate="50.0"/></Cube></Cube>
</gesmes:Envelope>"""


def test_ecb_import_of_a_future_day_is_refused(session):
    with pytest.raises(InvalidFxDate):
        fx.import_ecb(session, ECB.format(day="2099-01-01").encode(), base="EUR",
                      now=datetime.now(timezone.utc))
