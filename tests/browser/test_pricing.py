"""The console's price matrix, reprice preview, CSV import, FX and sales pages
in a real browser. Each test creates its own product (the served database is
shared by the session's browser tests), so no demo product is changed."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal

from selenium.webdriver.support.ui import WebDriverWait

def new_product(console, markets=("DE", "JP", "CH", "US")) -> tuple[int, str, str]:
    """(id, slug, sku) of a fresh product with two variants."""
    n = uuid.uuid4().hex[:8].upper()
    key = f"browser-lamp-{n.lower()}"
    status, body = console.api("POST", "/api/v1/admin/products", {
        "key": key, "category": "outdoor", "markets": list(markets), "hs_code": "940550", "origin": "SE", "options": ["color"],
        "translations": {"en": {"name": f"Browser Lamp {n}", "description": "A lamp for browser tests."},
                         "de": {"name": f"Browserlampe {n}", "description": "Eine Lampe."}},
        "variants": [{"sku": f"BRW-LAMP-{n}-A", "base_price": "40.00", "options": {"color": "natural"}},
                     {"sku": f"BRW-LAMP-{n}-B", "base_price": "55.00", "options": {"color": "black"}}]})
    assert status == 201, body
    return body["id"], body["translations"]["en"]["slug"], f"BRW-LAMP-{n}-A"


def shopper_gross(console, slug: str, sku: str, market: str) -> str:
    status, body = console.api("GET", f"/api/v1/products/{slug}?market={market}")
    assert status == 200, body
    return next(v for v in body["variants"] if v["sku"] == sku)["price"]["gross"]["amount"]


def test_editing_a_price_in_the_matrix_shows_in_the_shopper_api(console, screenshot):
    pid, slug, sku = new_product(console)
    console.sign_in()
    console.open(f"/console/prices/{pid}")
    cell = f"#cell-{sku}-JP"
    assert "derived" in console.text(cell)
    screenshot("price-matrix")
    console.fill(f"#amount-{sku}-JP", "7480")
    console.find(f"{cell} button[value=set]").click()
    # the script replaces the cell without reloading the page
    WebDriverWait(console.driver, 20).until(lambda d: "updated" in console.find(cell).get_attribute("class"))
    assert "explicit" in console.text(cell) and "7,480" in console.text(cell)
    assert "saved" in console.text("#cell-status")
    assert shopper_gross(console, slug, sku, "JP") == "7480"
    screenshot("price-matrix-cell-saved")
    # clearing falls back to the derived price
    console.find(f"{cell} button[value=clear]").click()
    WebDriverWait(console.driver, 20).until(lambda d: "derived" in console.text(cell))
    assert shopper_gross(console, slug, sku, "JP") != "7480"


def test_the_reprice_preview_is_what_is_applied(console, screenshot):
    pid, slug, sku = new_product(console)
    console.sign_in()
    console.open(f"/console/prices/{pid}")
    cells = {c.get_attribute("data-market") for c in console.find_all(f"tr[data-sku='{sku}'] td.cell")}
    console.select("#f-sku", sku)
    console.fill("#f-amount", "47.30")
    console.click_and_wait("#base-price-form button[type=submit]")
    rows = console.find_all("#preview tbody tr[data-market]")
    shown = {(r.get_attribute("data-sku"), r.get_attribute("data-market")): r.get_attribute("data-new-gross")
             for r in rows}
    assert {m for _, m in shown} == cells  # every market derives this variant's price
    assert {"JP", "CH", "US"} <= {m for _, m in shown} and all(s == sku for s, _ in shown)
    screenshot("reprice-preview")
    # nothing written by the preview
    assert shopper_gross(console, slug, sku, "DE") != shown[(sku, "DE")]
    console.click_and_wait("#apply")
    assert "repriced" in console.text(".flash")
    status, matrix = console.api("GET", f"/api/v1/admin/products/{pid}/price-matrix")
    row = next(v for v in matrix["variants"] if v["sku"] == sku)
    applied = {(sku, c["market"]): c["gross"]["amount"] for c in row["markets"]}
    assert applied == shown
    for (s, market), gross in shown.items():  # and the matrix page shows the same
        assert console.find(f"#cell-{s}-{market} .price").get_attribute("data-gross") == gross
        if market in ("DE", "JP", "CH", "US"):  # where it is sold
            assert shopper_gross(console, slug, s, market) == gross


def test_the_csv_dry_run_shows_the_diff_and_writes_nothing(console, screenshot):
    pid, slug, sku = new_product(console)
    before = shopper_gross(console, slug, sku, "DE")
    console.sign_in()
    console.open("/console/prices/import")
    console.fill("#f-csv", f"sku,market,amount\n{sku},DE,44.90\n{sku},JP,6980\n")
    console.click_and_wait("#dry-run")
    lines = [r.get_attribute("data-line") for r in console.find_all("#csv-diff tbody tr[data-line]")]
    assert lines == ["2", "3"]
    assert "44.90" in console.text("#csv-diff") and "Dry run" in console.text("#dry-run-summary")
    screenshot("csv-dry-run")
    assert shopper_gross(console, slug, sku, "DE") == before
    status, export = console.api("GET", "/api/v1/admin/prices/export?market=DE")
    assert f"{sku},DE" not in export
    # a bad row: its line and message, nothing written
    console.fill("#f-csv", f"sku,market,amount\n{sku},DE,44.90\nNO-SUCH-SKU,DE,1\n{sku},JP,69.5\n")
    console.click_and_wait("#dry-run")
    errors = console.text("#csv-errors")
    assert "3" in errors and "NO-SUCH-SKU" in errors and "4" in errors
    screenshot("csv-errors")
    console.fill("#f-csv", f"sku,market,amount\n{sku},DE,44.90\n")
    console.click_and_wait("#dry-run")
    console.click_and_wait("#apply-import")
    assert shopper_gross(console, slug, sku, "DE") == "44.90"


def test_fx_page_previews_what_a_rate_would_reprice(console, screenshot):
    console.sign_in()
    console.open("/console/fx?currency=JPY")
    assert console.find_all("#fx-current tr[data-currency=JPY]") and console.find_all("#fx-history tbody tr")
    screenshot("fx-rates")
    console.fill("#f-rate", "150")
    console.click_and_wait("#fx-rate-form button[type=submit]")
    markets = {r.get_attribute("data-market") for r in console.find_all("#preview tbody tr[data-market]")}
    assert markets == {"JP"}
    screenshot("fx-preview")  # not applied: the other browser tests share the served prices


def test_a_sale_scheduled_in_the_merchants_zone_is_stored_in_utc(console, screenshot):
    pid, slug, sku = new_product(console)
    console.sign_in()
    console.open(f"/console/sales/{pid}")
    console.select("#f-sku", sku)
    console.select("#f-market", "JP")
    console.fill("#f-amount", "5980")
    console.driver.execute_script(
        "document.getElementById('f-starts_at').value = '2031-03-01T09:00';"
        "document.getElementById('f-ends_at').value = '2031-03-08T09:00';")
    console.select("#f-time_zone", "Asia/Tokyo")
    console.click_and_wait("#sale-form button[type=submit]")
    assert "scheduled" in console.text(".flash")
    status, sales = console.api("GET", f"/api/v1/admin/variants/{sku}/sales")
    assert [s["starts_at"][:19] for s in sales["items"]] == ["2031-03-01T00:00:00"]
    # a running sale shows its Omnibus prior price
    status, body = console.api("POST", f"/api/v1/admin/variants/{sku}/sales", {
        "market": "DE", "amount": "29.90", "starts_at": datetime.now(timezone.utc).isoformat(), "ends_at": None})
    assert status == 201, body
    console.open(f"/console/sales/{pid}")
    prior = console.find(f"#sales tr[data-sku='{sku}'][data-market=DE] .prior").text
    assert prior and prior != "–" and Decimal(prior.replace("€", "").replace(",", ".").strip()) > Decimal("29.90")
    screenshot("sales")


def test_the_pages_speak_the_merchants_language(console, screenshot):
    pid, slug, sku = new_product(console)
    console.sign_in(locale="de")
    console.open(f"/console/prices/{pid}")
    assert "Preismatrix" in console.text("h1") and "abgeleitet" in console.text(f"#cell-{sku}-DE")
    assert "40,00 €" in console.text(f"#cell-{sku}-DE")  # CLDR, in the merchant's locale
    screenshot("price-matrix-de")
    console.click_and_wait("#sign-out")
    console.sign_in(locale="ja")
    console.open("/console/fx")
    assert "為替レート" in console.text("h1")
    screenshot("fx-rates-ja")
    console.open("/console/sales")
    assert "セール" in console.text("h1")
