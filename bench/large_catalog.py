"""Benchmark: the localized listing (24 items, de-DE) and a product detail on
PostgreSQL with a large generated catalog beside the small demo catalog, and
with 200 markets beside the demo's 10.

Three fresh PostgreSQL databases are built by the Alembic migrations and
dropped at the end:

- small:   the demo catalog (64 products, 160 variants, 10 markets, 8+ locales);
- large:   the demo plus generated products up to --products (default 20,000,
           5 variants each: ~100,000 variants) with names, slugs, search text
           and sort keys in en de fr it es nl ja ar, sold in all 10 markets,
           with stock in the 3 warehouses and a resolved price in every market
           (~1M: resolved with storefront.pricing.resolution as reprice does,
           but inserted directly in chunks, without the opening price history,
           which is quicker than reprice's ~37 s for them);
- markets: the demo plus generated markets up to --markets (default 200: M001
           ... M190, one unused ISO country each, EUR, en-IE), every product
           sold and priced in each.

Each database is served exactly as deployed (gunicorn --config
config/gunicorn.conf.py, 2 workers, production settings; bench/http_load.py)
and measured with wrk on 16 keep-alive connections on the listing (by name,
the default), the listing by price and a product detail; rounds alternate
between the nine targets in one run, each round printing req/s, p50, p99 and
the ratios large/small and 200 markets/10 markets. Then the medians.

    .venv/bin/python bench/large_catalog.py [--products 20000] [--markets 200] [--seconds 4] [--rounds 3]
                                            [--micro-cache 0] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Loading is timed and printed; statistics are refreshed (VACUUM ANALYZE) after
loading, as autovacuum would do on a live database. The app's micro-cache of
catalog responses is off unless --micro-cache is given: the same two URLs are
requested over and over, and the cache would hide what a page costs."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench.http_load import CONNECTIONS, client_name, free_port, load, serve  # noqa: E402
from storefront import create_app  # noqa: E402
from storefront.catalog.models import (  # noqa: E402
    Category,
    OptionValue,
    Product,
    ProductMarket,
    ProductOption,
    ProductTranslation,
    Variant,
    VariantOptionValue,
)
from storefront.browse import book  # noqa: E402
from storefront.catalog import listing  # noqa: E402
from storefront.demo.loader import load_demo  # noqa: E402
from storefront.extensions import db  # noqa: E402
from storefront.i18n.text import fold, sort_key  # noqa: E402
from storefront.inventory.models import Stock, Warehouse  # noqa: E402
from storefront.markets.models import Market, MarketCountry, MarketLocale, MarketTranslation  # noqa: E402
from storefront.pricing import minimums  # noqa: E402
from storefront.pricing.models import ResolvedPrice  # noqa: E402
from storefront.pricing.resolution import Resolved, resolve  # noqa: E402
from storefront.pricing.services import PROVENANCE, current_rates, market_pricing, reprice  # noqa: E402

CHUNK = 5_000
VARIANTS_PER_PRODUCT = 5
SIZES = ("xs", "s", "m", "l", "xl")
DETAIL_SLUG = "stolz-und-vorurteil-illustrierte-ausgabe"  # a demo product, present in every database

# Per locale: adjectives, nouns, word order and a short description. Product i
# is the same adjective + noun in every language, numbered.
WORDS = {
    "en": ("{a} {n}", "Benchmark item",
           ["Classic", "Light", "Urban", "Alpine", "Soft", "Compact", "Vintage", "Everyday", "Coastal", "Nordic"],
           ["Backpack", "Jacket", "Mug", "Lamp", "Boot", "Scarf", "Kettle", "Blanket", "Tote", "Bottle"]),
    "de": ("{a} {n}", "Benchmark-Artikel",
           ["Klassische", "Leichte", "Urbane", "Große", "Weiche", "Kompakte", "Schöne", "Alltags", "Küsten",
            "Nordische"],
           ["Tasche", "Jacke", "Tasse", "Lampe", "Stiefel", "Schal", "Kanne", "Decke", "Tüte", "Flasche"]),
    "fr": ("{n} {a}", "Article de test",
           ["classique", "léger", "urbain", "alpin", "doux", "compact", "rétro", "quotidien", "côtier", "nordique"],
           ["Sac", "Veste", "Tasse", "Lampe", "Botte", "Écharpe", "Bouilloire", "Couverture", "Cabas", "Gourde"]),
    "it": ("{n} {a}", "Articolo di prova",
           ["classico", "leggero", "urbano", "alpino", "morbido", "compatto", "vintage", "quotidiano", "costiero",
            "nordico"],
           ["Zaino", "Giacca", "Tazza", "Lampada", "Stivale", "Sciarpa", "Bollitore", "Coperta", "Borsa", "Borraccia"]),
    "es": ("{n} {a}", "Artículo de prueba",
           ["clásica", "ligera", "urbana", "alpina", "suave", "compacta", "retro", "diaria", "costera", "nórdica"],
           ["Mochila", "Chaqueta", "Taza", "Lámpara", "Bota", "Bufanda", "Tetera", "Manta", "Bolsa", "Botella"]),
    "nl": ("{a} {n}", "Testartikel",
           ["Klassieke", "Lichte", "Stedelijke", "Alpine", "Zachte", "Compacte", "Vintage", "Dagelijkse", "Kust",
            "Noordse"],
           ["Rugzak", "Jas", "Mok", "Lamp", "Laars", "Sjaal", "Waterkoker", "Deken", "Draagtas", "Fles"]),
    "ja": ("{a}{n}", "ベンチマーク用の商品",
           ["クラシック", "ライト", "アーバン", "アルパイン", "ソフト", "コンパクト", "ヴィンテージ", "デイリー", "コースタル",
            "ノルディック"],
           ["リュック", "ジャケット", "マグ", "ランプ", "ブーツ", "スカーフ", "ケトル", "ブランケット", "トート", "ボトル"]),
    "ar": ("{n} {a}", "منتج للاختبار",
           ["كلاسيكية", "خفيفة", "حضرية", "جبلية", "ناعمة", "مدمجة", "عتيقة", "يومية", "ساحلية", "شمالية"],
           ["حقيبة", "سترة", "كوب", "مصباح", "جزمة", "وشاح", "غلاية", "بطانية", "شنطة", "زجاجة"]),
}
NATIVE_SLUGS = ("ja", "ar")  # slugs in their own script, like the demo's Japanese ones

# ISO 3166-1 alpha-2 codes the demo markets do not use, for generated markets.
UNUSED_COUNTRIES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AW AX AZ BA BB BD BF BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CC CD CF "
    "CG CI CK CL CM CN CO CR CU CV CW CX DJ DM DO DZ EC EG EH ER ET FJ FK FM FO GA GD GE GF GG GH GI GL GM GN GP "
    "GQ GS GT GU GW GY HK HM HN HT ID IL IM IN IO IQ IR IS JE JM JO KE KG KH KI KM KN KP KR KY KZ LA LB LC LK LR "
    "LS LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MU MV MW MX MY MZ NA NC NE NF NG NI NO NP NR NU NZ OM "
    "PA PE PF PG PH PK PM PN PR PS PW PY QA RE RS RU RW SA SB SC SD SG SH SJ SL SM SN SO SR SS ST SV SX SY SZ TC "
    "TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
).split()


# --- databases ------------------------------------------------------------------------


@contextmanager
def databases(admin_url: str, names: list[str]):
    """Fresh PostgreSQL databases (URLs by name), dropped on exit."""
    prefix = f"storefront_bench_{uuid.uuid4().hex[:8]}"
    created = {name: f"{prefix}_{name}" for name in names}
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for real in created.values():
            conn.execute(f'CREATE DATABASE "{real}"')
    try:
        yield {name: admin_url.rsplit("/", 1)[0] + "/" + real for name, real in created.items()}
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for real in created.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{real}" WITH (FORCE)')


def build(url: str, extend=None, **kwargs) -> None:
    """Migrate, load the demo, then ``extend(session, **kwargs)``; commit and analyze."""
    from flask_migrate import upgrade

    app = create_app(env="test", overrides={"DATABASE_URL": url, "LOG_LEVEL": "ERROR"})
    with app.app_context():
        upgrade()
        load_demo(db.session)
        db.session.commit()
        if extend is not None:
            extend(db.session, **kwargs)
            db.session.commit()
        # What the scheduled `flask storefront catalog refresh` does after bulk loading.
        written = timed("listing book (catalog refresh)", book.refresh, db.session)
        print(f"  {written:,} fragments", flush=True)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def bulk(session, model, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[i:i + CHUNK])


def timed(label: str, fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"  {label:<58} {time.perf_counter() - started:7.1f} s", flush=True)
    return result


# --- the large catalog ------------------------------------------------------------------


def translation_rows(product_id: int, number: int, created: datetime) -> list[dict]:
    rows = []
    for locale, (pattern, description, adjectives, nouns) in WORDS.items():
        name = f"{pattern.format(a=adjectives[number % 10], n=nouns[number // 10 % 10])} {number:05d}"
        slug = name.replace(" ", "-") if locale in NATIVE_SLUGS else fold(name).replace(" ", "-")
        text = f"{description} {number}."
        rows.append({"product_id": product_id, "locale": locale, "name": name, "slug": slug, "description": text,
                     "search_text": fold(f"{name} {text}"), "sort_key": sort_key(name), "updated_at": created})
    return rows


def grow_catalog(session, products: int, now: datetime) -> None:
    """Add generated products until there are ``products`` in all."""
    count = products - session.scalar(select(func.count()).select_from(Product))
    categories = session.scalars(select(Category.id).order_by(Category.id)).all()
    markets = session.scalars(select(Market.code)).all()
    warehouses = session.scalars(select(Warehouse.code)).all()
    sizes = dict(session.execute(select(OptionValue.key, OptionValue.id).where(OptionValue.option_key == "size")).all())
    created = [now - timedelta(days=60, minutes=i) for i in range(count)]

    timed(f"{count:,} products", bulk, session, Product, [
        {"key": f"gen-{i:05d}", "category_id": categories[i % len(categories)], "status": "active",
         "tax_category": "standard", "weight_grams": 500, "created_at": created[i]} for i in range(count)])
    ids = session.scalars(select(Product.id).where(Product.key.like("gen-%")).order_by(Product.key)).all()
    timed(f"{count * len(WORDS):,} translations in {len(WORDS)} locales", bulk, session, ProductTranslation,
          [row for i, pid in enumerate(ids) for row in translation_rows(pid, i, created[i])])
    timed(f"listing read model for {count:,} products", listing.refresh_products, session, ids)
    timed(f"{count * len(markets):,} product-market rows", bulk, session, ProductMarket,
          [{"product_id": pid, "market_code": code} for pid in ids for code in markets])
    bulk(session, ProductOption, [{"product_id": pid, "option_key": "size", "position": 0} for pid in ids])
    timed(f"{count * VARIANTS_PER_PRODUCT:,} variants", bulk, session, Variant, [
        {"product_id": pid, "sku": f"GEN-{i:05d}-{size.upper()}", "position": j,
         "base_price": Decimal(f"{(i * 7 + j * 3) % 290 + 9}.90")}
        for i, pid in enumerate(ids) for j, size in enumerate(SIZES)])
    variants = session.execute(select(Variant.id, Variant.position).where(Variant.sku.like("GEN-%"))).all()
    bulk(session, VariantOptionValue, [{"variant_id": vid, "option_value_id": sizes[SIZES[pos]]}
                                       for vid, pos in variants])
    timed(f"{len(variants) * len(warehouses):,} stock rows", bulk, session, Stock, [
        {"variant_id": vid, "warehouse_code": code, "quantity": (vid * 7 + k) % 60, "reserved": 0}
        for vid, _ in variants for k, code in enumerate(warehouses)])
    # storefront.pricing.services.reprice derives these 1M prices in ~37 s (COPY into a staging table, then
    # set-based writes, with the opening price history). The same resolution, written directly without the
    # history (no sales here), keeps building the benchmark database quicker.
    timed(f"{len(variants) * len(markets):,} resolved prices (direct, no history)", insert_resolved_prices,
          session, now)
    timed("lowest price per product and market (read model)", minimums.rebuild, session.connection())


def insert_resolved_prices(session, now: datetime) -> None:
    """What ``reprice`` would insert for variants without a resolved price, in chunks."""
    markets = market_pricing(session)
    rates = current_rates(session, "EUR", now.date())
    bases = session.execute(select(Variant.id, Variant.base_price).where(
        ~select(ResolvedPrice.variant_id).where(ResolvedPrice.variant_id == Variant.id).exists())).all()
    derived: dict[tuple, Resolved | None] = {}
    statement = insert(ResolvedPrice).execution_options(render_nulls=True)
    chunk = []
    for variant_id, base in bases:
        for code, market in markets.items():
            if (base, code) not in derived:
                derived[base, code] = resolve(None, base, "EUR", market, rates.get(market.currency))
            resolved = derived[base, code]
            if resolved is None:
                continue
            chunk.append({"variant_id": variant_id, "market_code": code, "updated_at": now,
                          **{c: getattr(resolved, c) for c in PROVENANCE}})
            if len(chunk) == CHUNK:
                session.execute(statement, chunk)
                chunk = []
    if chunk:
        session.execute(statement, chunk)


# --- many markets ---------------------------------------------------------------------


def add_markets(session, markets: int, now: datetime) -> None:
    """Add EUR markets M001 ... until there are ``markets``, each selling every product."""
    existing = session.scalar(select(func.count()).select_from(Market))
    taken = set(session.scalars(select(MarketCountry.country_code)).all())
    countries = [c for c in UNUSED_COUNTRIES if c not in taken]
    count = markets - existing
    if count > len(countries):
        raise SystemExit(f"--markets: at most {existing + len(countries)} (one unused country each)")
    codes = [f"M{i + 1:03d}" for i in range(count)]
    bulk(session, Market, [
        {"code": code, "currency": "EUR", "is_default": False, "prices_include_tax": True, "rounding": "minor",
         "tax_rate": Decimal("20"), "tax_name": "VAT", "price_uplift": Decimal(0), "derived_rounding": "minor",
         "tax_rounding": "line", "incoterm": "DDP", "position": existing + i} for i, code in enumerate(codes)])
    bulk(session, MarketCountry, [{"country_code": c, "market_code": code} for code, c in zip(codes, countries)])
    bulk(session, MarketLocale, [{"market_code": code, "locale": "en-IE", "position": 0} for code in codes])
    bulk(session, MarketTranslation, [{"market_code": code, "locale": "en", "name": f"Market {code}"}
                                      for code in codes])
    listing.index_in_use(session, "en")  # their locale, en-IE
    products = session.scalars(select(Product.id)).all()
    bulk(session, ProductMarket, [{"product_id": pid, "market_code": code} for pid in products for code in codes])
    result = timed(f"{count} markets: reprice {session.scalar(select(func.count()).select_from(Variant)) * count:,}"
                   f" prices", lambda: reprice(session, base_currency="EUR", now=now, market_codes=codes))
    assert result.inserted > 0, result


def label_key(label: str, labels: dict[str, str]) -> str:
    return next(name for name, text in labels.items() if label.startswith(text + ":"))


# --- measuring ------------------------------------------------------------------------


def probe(port: int, path: str, headers: dict) -> tuple[int, int]:
    """One request: (items or 1, alternates per product), checking it is a 200 in de-DE/DE."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
    data = json.loads(body)
    assert data["context"]["market"] == "DE" and data["context"]["locale"] == "de-DE", data["context"]
    product = data["items"][0] if "items" in data else data
    return len(body), len(product.get("alternates", ()))  # lists: only with ?include=alternates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000, help="products in the large catalog")
    parser.add_argument("--markets", type=int, default=200, help="markets in the many-markets database")
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--micro-cache", type=int, default=0, metavar="SECONDS",
                        help="CATALOG_CACHE_SECONDS, the app's micro-cache of whole catalog responses; the default 0 "
                             "makes every request do the catalog's work (the same URL is requested over and over)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="an administrative connection (databases are created and dropped through it)")
    args = parser.parse_args()
    now = datetime.now(timezone.utc)
    with databases(args.pg, ["small", "large", "markets"]) as urls:
        print("building databases", flush=True)
        timed("small: demo catalog", build, urls["small"])
        timed(f"large: demo + generated, {args.products:,} products (total)", build, urls["large"],
              grow_catalog, products=args.products, now=now)
        timed(f"markets: demo + generated, {args.markets} markets (total)", build, urls["markets"],
              add_markets, markets=args.markets, now=now)
        servers = []
        try:
            ports = {}
            for name, url in urls.items():
                ports[name] = free_port()
                env = dict(os.environ, STOREFRONT_ENV="production", SECRET_KEY="bench-only-secret-key-0123456789abcdef", DATABASE_URL=url, STRIPE_SECRET_KEY="sk",
                           STRIPE_WEBHOOK_SECRET="whsec", STOREFRONT_ADMIN_TOKEN="x", LOG_LEVEL="WARNING",
                           CATALOG_CACHE_SECONDS=str(args.micro_cache), WEB_CONCURRENCY="2")
                servers.append(serve("storefront:create_app()", ports[name], env))
            de = {"Accept-Language": "de-DE"}
            labels = {"small": "small (demo)", "large": f"large ({args.products:,} products)",
                      "markets": f"{args.markets} markets (demo)"}
            targets = []
            for name in urls:
                targets.append((f"{labels[name]}: listing", ports[name], "/api/v1/products?limit=24", de))
                targets.append((f"{labels[name]}: by price", ports[name], "/api/v1/products?limit=24&sort=price", de))
                targets.append((f"{labels[name]}: detail", ports[name], f"/api/v1/products/{quote(DETAIL_SLUG)}", de))
            shapes = {}
            for label, port, path, headers in targets:  # check, then warm up
                shapes[label] = probe(port, path, headers)
                load(port, path, headers, 1)
            results: dict[str, list[tuple]] = {label: [] for label, *_ in targets}
            print(f"client {client_name()}", flush=True)
            for number in range(1, args.rounds + 1):
                for label, port, path, headers in targets:
                    results[label].append(load(port, path, headers, args.seconds))
                    rps, p50, p99, errors = results[label][-1]
                    small = results[label.replace(labels[label_key(label, labels)], labels["small"])][-1]
                    print(f"round {number}  {label:<38} {rps:>7,.0f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
                          f"p50 {p50 / small[1]:5.2f}x small  errors {errors}", flush=True)
        finally:
            for proc in servers:
                proc.terminate()
                proc.wait(10)
    print(f"\ngunicorn 2 sync workers, PostgreSQL, {CONNECTIONS} connections, {args.rounds} alternating rounds of "
          f"{args.seconds:g} s, Accept-Language: de-DE, micro-cache {args.micro_cache} s")
    summary = {}
    for label, rounds in results.items():
        rps = statistics.median(r[0] for r in rounds)
        p50 = statistics.median(r[1] for r in rounds)
        p99 = statistics.median(r[2] for r in rounds)
        summary[label] = (rps, p50, p99)
        size, alternates = shapes[label]
        print(f"{label:<38} {rps:>7.0f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
              f"body {size / 1024:6.1f} KiB  {alternates:>3} alternates/product  errors {sum(r[3] for r in rounds)}")
    for other, title in (("large", "large / small"), ("markets", f"{args.markets} markets / 10 markets")):
        for kind in ("listing", "by price", "detail"):
            a, b = summary[f"{labels[other]}: {kind}"], summary[f"{labels['small']}: {kind}"]
            print(f"{title + ', ' + kind:<38} {a[0] / b[0]:>7.2f}x req/s  p50 {a[1] / b[1]:5.2f}x  "
                  f"p99 {a[2] / b[2]:5.2f}x")


if __name__ == "__main__":
    main()
