"""Reprice previews (storefront/pricing/edits.py): a preview writes nothing,
and applying it writes exactly what it showed (issue 15)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from sqlalchemy import func, select

from storefront import clock
from storefront.admin.models import AuditEntry
from storefront.api.admin.markets import update_market
from storefront.catalog.models import Variant
from storefront.pricing import edits
from storefront.pricing.errors import PreviewOutdated
from storefront.pricing.models import PriceHistory, ResolvedPrice

BASE = "EUR"
SKU = "BOK-PRIDE-PB"


def stored(session) -> dict:
    """Every resolved price with its provenance."""
    return {(r.variant_id, r.market_code): (r.amount, r.source, r.fx_rate, r.fx_date, r.uplift, r.rule)
            for r in session.scalars(select(ResolvedPrice))}


def counts(session) -> tuple:
    return (session.scalar(select(func.count()).select_from(PriceHistory)),
            session.scalar(select(func.count()).select_from(AuditEntry)))


def assert_applied(session, preview, before):
    after = stored(session)
    ids = {r.sku: r for r in session.execute(select(Variant.id, Variant.sku))}
    changed = {(ids[r.sku].id, r.market) for r in preview.rows}
    for key in set(before) | set(after):
        if key not in changed:
            assert before.get(key) == after.get(key), key
    for r in preview.rows:
        key = (ids[r.sku].id, r.market)
        if r.new is None:
            assert key not in after
            continue
        amount, source, fx_rate, fx_date, uplift, rule = after[key]
        assert after[key] == (r.new.amount, r.new.source, r.new.fx_rate, r.new.fx_date, r.new.uplift, r.new.rule)
        if r.old is not None:
            assert before[key][0] == r.old.amount


def test_base_price_preview_writes_nothing_and_apply_writes_it(session):
    now, before, written = clock.now(), stored(session), counts(session)
    preview = edits.preview_base_price(session, SKU, "24.90", base_currency=BASE, now=now)
    assert stored(session) == before and counts(session) == written
    markets = {r.market for r in preview.rows}
    assert "JP" in markets and "DE" not in markets  # DE has an explicit price
    jp = next(r for r in preview.rows if r.market == "JP")
    assert jp.kind == "update" and jp.new.gross.currency.code == "JPY" and jp.new.gross > jp.old.gross
    assert jp.new.gross == jp.new.net + jp.new.tax
    variant, result = edits.apply_base_price(session, SKU, "24.90", base_currency=BASE, now=now,
                                             expected=preview.token)
    assert variant.base_price == Decimal("24.90") and result.changed == len(preview.rows)
    assert edits.token(result.changes) == preview.token
    assert_applied(session, preview, before)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.entity, entry.entity_id, entry.after) == ("base_price", SKU, {"amount": "24.90"})


def test_a_stale_preview_is_refused(session):
    now = clock.now()
    preview = edits.preview_base_price(session, SKU, "24.90", base_currency=BASE, now=now)
    edits.set_price(session, SKU, "JP", "3000", base_currency=BASE, now=now)  # someone else, meanwhile
    with pytest.raises(PreviewOutdated):
        edits.apply_base_price(session, SKU, "24.90", base_currency=BASE, now=now, expected=preview.token)


def test_market_uplift_and_rule_preview_matches_the_patch(session):
    now, before = clock.now(), stored(session)
    values = {"price_uplift": Decimal("12.5"), "derived_rounding": "charm:90"}
    preview = edits.preview_market_pricing(session, "jp", values, base_currency=BASE, now=now)
    assert preview.rows and {r.market for r in preview.rows} == {"JP"}
    assert all(r.new.rule == "charm:90" and r.new.uplift == Decimal("12.5") for r in preview.rows)
    assert stored(session) == before
    update_market("JP", values)
    assert_applied(session, preview, before)
    again = edits.preview_market_pricing(session, "JP", values, base_currency=BASE, now=now)
    assert again.rows == ()  # nothing left to change


def test_fx_rate_preview_counts_the_rate_as_it_would_be_stored(session):
    now, before = clock.now(), stored(session)
    preview = edits.preview_fx_rate(session, "jpy", "150.5", now.date(), base_currency=BASE, now=now)
    assert preview.rows and {r.market for r in preview.rows} == {"JP"}
    assert all(r.new.fx_rate == Decimal("150.5") and r.new.gross < r.old.gross for r in preview.rows
               if r.new.source == "derived")
    # a rate older than the one in force changes nothing
    old = edits.preview_fx_rate(session, "JPY", "1", now.date() - timedelta(days=3650), base_currency=BASE, now=now)
    assert old.rows == ()
    assert stored(session) == before
    row, result = edits.apply_fx_rate(session, "JPY", "150.5", now.date(), base_currency=BASE, now=now,
                                      expected=preview.token)
    assert row.rate == Decimal("150.5") and result.changed == len(preview.rows)
    assert_applied(session, preview, before)


@settings(max_examples=10, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.decimals(min_value="0.50", max_value="5000", places=2),
       uplift=st.decimals(min_value="-20", max_value="40", places=1),
       rule=st.sampled_from(["minor", "cash", "charm:0.99", "charm:90", "step:0.05", "step:10"]),
       market=st.sampled_from(["JP", "CH", "US", "KW", "GB"]))
def test_apply_writes_exactly_what_the_preview_showed(session, amount, uplift, rule, market):
    now = clock.now()
    savepoint = session.begin_nested()
    try:
        before = stored(session)
        preview = edits.preview_base_price(session, SKU, str(amount), base_currency=BASE, now=now)
        _, result = edits.apply_base_price(session, SKU, str(amount), base_currency=BASE, now=now,
                                           expected=preview.token)
        assert_applied(session, preview, before)
        before = stored(session)
        values = {"price_uplift": uplift, "derived_rounding": rule}
        preview = edits.preview_market_pricing(session, market, values, base_currency=BASE, now=now)
        assert edits.token(()) != preview.token or not preview.rows
        update_market(market, values)
        assert_applied(session, preview, before)
    finally:
        savepoint.rollback()
