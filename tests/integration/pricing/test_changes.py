"""Repricing writes the same rows and history whichever way
(storefront/pricing/changes.py): executemany, or on PostgreSQL COPY into a
temporary table and set-based statements."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, StatementError

from storefront.pricing import changes, services
from storefront.pricing.changes import DELETE, INSERT, RESTATE, UPDATE, Change
from storefront.pricing.models import FxRate, PriceHistory, ResolvedPrice, VariantPrice
from storefront.pricing.resolution import Resolved

NOW = datetime.now(timezone.utc) + timedelta(minutes=1)


@pytest.fixture
def pg(backend, session):
    if backend != "postgresql":
        pytest.skip("the staged way is PostgreSQL's")
    return session


def snapshot(session) -> tuple[list, list]:
    """Every resolved price, and the whole history in id order (ids aside: sequences survive a rollback)."""
    resolved, history = ResolvedPrice.__table__, PriceHistory.__table__
    prices = session.execute(select(resolved).order_by(resolved.c.variant_id, resolved.c.market_code)).all()
    periods = session.execute(select(*[c for c in history.c if c.name != "id"]).order_by(history.c.id)).all()
    return prices, periods


def mixed_changes(session) -> None:
    """A state from which repricing inserts, updates, restates and deletes, with
    explicit prices (NULL provenance) beside derived ones in each kind."""
    today = NOW.date()
    explicit = session.scalars(select(VariantPrice.variant_id).distinct().order_by(VariantPrice.variant_id)).all()
    # Resolved rows removed come back as inserts: explicit in the markets that have them, derived elsewhere.
    session.execute(delete(ResolvedPrice).where(ResolvedPrice.variant_id.in_(explicit[:3])))
    # No KWD rate any more: Kuwait's derived prices go.
    session.execute(delete(FxRate).where(FxRate.quote == "KWD"))
    # A new yen rate moves Japan's prices; the same franc rate on a newer date only restates Switzerland's.
    latest = {quote: session.scalar(select(FxRate.rate).where(FxRate.quote == quote)
                                    .order_by(FxRate.rate_date.desc()).limit(1)) for quote in ("JPY", "CHF")}
    services.set_fx_rate(session, "EUR", "JPY", latest["JPY"] * Decimal("1.1"), today, "ecb", NOW)
    services.set_fx_rate(session, "EUR", "CHF", latest["CHF"], today, "ecb", NOW)
    # Explicit US prices: a new amount (update) or the derived one (restate).
    us = dict(session.execute(select(ResolvedPrice.variant_id, ResolvedPrice.amount).where(
        ResolvedPrice.market_code == "US", ResolvedPrice.variant_id.in_(explicit[10:20]))).all())
    for i, (variant_id, amount) in enumerate(sorted(us.items())):
        session.add(VariantPrice(variant_id=variant_id, market_code="US", amount=Decimal("12.34") if i % 2 else amount,
                                 currency="USD", updated_at=NOW))
    # Explicit DE prices dropped: derived in EUR (rate 1 and no rate date), often another amount.
    session.execute(delete(VariantPrice).where(VariantPrice.market_code == "DE",
                                               VariantPrice.variant_id.in_(explicit[3:40])))
    session.flush()


def test_both_ways_write_the_same_rows_and_history(pg, monkeypatch):
    mixed_changes(pg)
    written, staged = [], []
    original_write, original_staged = services.write, changes.write_staged

    def spy_write(session, change_list, now):
        written.append(list(change_list))
        return original_write(session, change_list, now)

    def spy_staged(*args):
        staged.append(True)
        return original_staged(*args)

    monkeypatch.setattr(services, "write", spy_write)
    monkeypatch.setattr(changes, "write_staged", spy_staged)

    monkeypatch.setattr(changes, "STAGED_FROM", 10**9)
    savepoint = pg.begin_nested()
    each_result = services.reprice(pg, base_currency="EUR", now=NOW)
    each_rows = snapshot(pg)
    savepoint.rollback()
    assert not staged

    monkeypatch.setattr(changes, "STAGED_FROM", 1)
    staged_result = services.reprice(pg, base_currency="EUR", now=NOW)
    assert staged == [True]
    assert snapshot(pg) == each_rows
    assert staged_result == each_result

    # The case worth proving: every kind, each with explicit and derived prices.
    first, second = written
    assert first == second
    for kind in (INSERT, UPDATE, RESTATE):
        assert {c.resolved.fx_rate is None for c in first if c.kind == kind} == {True, False}, kind
    assert any(c.kind == DELETE for c in first)


@pytest.mark.parametrize("way", ["each", "staged"])
def test_an_amount_with_more_digits_than_stored_is_refused_not_rounded(pg, way):
    variant_id, market = pg.execute(select(ResolvedPrice.variant_id, ResolvedPrice.market_code).limit(1)).one()
    change = Change(variant_id, market, UPDATE, Resolved(amount=Decimal("10.00005"), currency="EUR", source="explicit"))
    write = changes.write_each if way == "each" else changes.write_staged
    with pytest.raises(StatementError) as raised, pg.begin_nested():
        write(pg.connection(), [change], NOW)
    if way == "staged":
        assert isinstance(raised.value, IntegrityError) and "check constraint" in str(raised.value)
    else:
        assert "more than 4 decimal places" in str(raised.value)
    assert pg.scalar(select(ResolvedPrice.amount).where(ResolvedPrice.variant_id == variant_id,
                                                        ResolvedPrice.market_code == market)) != Decimal("10.0001")
