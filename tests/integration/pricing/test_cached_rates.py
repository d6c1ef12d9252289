"""The per-process FX rates of read paths follow every FX write at once."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from storefront.pricing import fx
from storefront.pricing.services import cached_current_rates, current_rates


def test_cached_rates_follow_a_merchant_rate_and_an_ecb_import(app, session):
    now = datetime.now(timezone.utc)
    before = cached_current_rates(session, "EUR")
    assert before == current_rates(session, "EUR") and "USD" in before
    fx.set_merchant_rate(session, "USD", "1.2345", now.date(), base="EUR", now=now)
    assert cached_current_rates(session, "EUR")["USD"].rate == Decimal("1.2345")
    document = (b"<?xml version='1.0' encoding='UTF-8'?><gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/"
                b"2002-08-01' xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'><Cube><Cube time='"
                + now.date().isoformat().encode() + b"'><Cube currency='SEK' rate='11.1111'/></Cube></Cube></gesmes:Envelope>")
    fx.import_ecb(session, document, base="EUR", now=now)
    assert cached_current_rates(session, "EUR")["SEK"].rate == Decimal("11.1111")
    assert cached_current_rates(session, "EUR") == current_rates(session, "EUR")
