"""Benchmark: re-derive the prices of 10,000 variants x 10 markets after an FX
change, beside the time to merely read them back, in one run.

    .venv/bin/python bench/reprice.py [--variants 10000] [--database-url URL]

Without --database-url it uses a fresh SQLite file; pass a PostgreSQL URL
(an empty database) to measure there. Prints the wall time of each step
and how much it raised the process's peak resident memory."""
from __future__ import annotations

import argparse
import tempfile
import time
import gc
import resource
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select

from storefront import create_app
from storefront.catalog.models import Category, Product, Variant
from storefront.extensions import db
from storefront.markets.models import Market, MarketCountry, MarketLocale
from storefront.pricing import fx, services
from storefront.pricing.models import ResolvedPrice

MARKETS = [  # code, currency, uplift, rule, explicit?
    ("US", "USD", "0", "charm:0.99"), ("CA", "CAD", "0", "charm:0.99"), ("GB", "GBP", "0", "charm:0.99"),
    ("DE", "EUR", "0", "minor"), ("FR", "EUR", "0", "minor"), ("EU", "EUR", "0", "minor"),
    ("CH", "CHF", "5", "charm:0.90"), ("JP", "JPY", "0", "charm:80"), ("AU", "AUD", "0", "charm:0.95"),
    ("KW", "KWD", "0", "step:0.250"),
]
RATES = {"USD": "1.16", "CAD": "1.62", "GBP": "0.87", "CHF": "0.935", "JPY": "178.04", "AUD": "1.78", "KWD": "0.356"}


def measure(label: str, fn):
    """Wall time of ``fn`` (untraced), then the growth of the process's peak
    resident memory during it (ru_maxrss, a high-water mark)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    gc.collect()
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(f"{label:<52} {elapsed * 1000:>8.0f} ms   peak RSS +{grown / 1024:>6.1f} MiB")
    return result, elapsed


def seed(n_variants: int) -> None:
    for i, (code, currency, uplift, rule) in enumerate(MARKETS):
        m = Market(code=code, currency=currency, is_default=i == 0, prices_include_tax=code not in ("US", "CA"),
                   rounding="minor", tax_rate=Decimal("10"), price_uplift=Decimal(uplift), derived_rounding=rule,
                   position=i)
        m.countries = [MarketCountry(country_code=code if code != "EU" else "IE")]
        m.locales = [MarketLocale(locale="en", position=0)]
        db.session.add(m)
    category = Category(key="bench")
    db.session.add(category)
    db.session.flush()
    products = n_variants // 5
    db.session.execute(insert(Product), [
        {"key": f"p{i}", "category_id": category.id, "created_at": datetime(2026, 1, 1, tzinfo=timezone.utc)}
        for i in range(products)])
    ids = db.session.scalars(select(Product.id).order_by(Product.id)).all()
    db.session.execute(insert(Variant), [
        {"product_id": pid, "sku": f"SKU-{pid}-{j}", "position": j, "base_price": Decimal(f"{(pid * 7 + j) % 300 + 9}.90")}
        for pid in ids for j in range(5)])
    now = datetime.now(timezone.utc)
    for quote, rate in RATES.items():
        services.set_fx_rate(db.session, "EUR", quote, rate, date(2026, 11, 1), "ecb", now)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    app = create_app(env="test", overrides={"DATABASE_URL": url, "LOG_LEVEL": "ERROR"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed(args.variants)
        backend = db.engine.dialect.name
        rows = args.variants * len(MARKETS)
        print(f"{args.variants} variants x {len(MARKETS)} markets = {rows} prices on {backend}")

        def first():
            r = services.reprice(db.session, base_currency="EUR", now=datetime.now(timezone.utc))
            db.session.commit()
            return r

        measure("initial derivation (insert all + history)", first)

        def read_back():
            return db.session.execute(select(ResolvedPrice.variant_id, ResolvedPrice.market_code,
                                             ResolvedPrice.amount)).all()

        back, read_time = measure("baseline: read every resolved price back", read_back)
        assert len(back) == rows

        def unchanged():
            r = services.reprice(db.session, base_currency="EUR", now=datetime.now(timezone.utc))
            db.session.commit()
            return r

        result, _ = measure("re-derive with nothing changed", unchanged)
        assert result.changed == 0

        def fx_change():
            now = datetime.now(timezone.utc)
            r = RepriceAll(now)
            db.session.commit()
            return r

        def RepriceAll(now):
            total = None
            for quote, rate in RATES.items():
                services.set_fx_rate(db.session, "EUR", quote, Decimal(rate) * Decimal("1.03"), date(2026, 11, 2),
                                     "ecb", now)
            total = fx.reprice_currencies(db.session, set(RATES), base="EUR", now=now)
            return total

        result, change_time = measure("FX +3% on 7 currencies: re-derive, write, history", fx_change)
        print(f"  {result.updated} prices changed, {result.unchanged} unchanged")
        print(f"  re-derive after FX change / read back: {change_time / read_time:.1f}x")


if __name__ == "__main__":
    main()
