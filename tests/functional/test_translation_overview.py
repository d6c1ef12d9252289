"""Translation status of products and categories per locale: missing,
outdated, done (storefront/catalog/translations.py; issue 15)."""
from __future__ import annotations

import time

from storefront.catalog import translations
from tests.functional.shopping import ADMIN


def test_categories_report_missing_and_outdated_translations(client, app):
    response = client.post("/api/v1/admin/categories", headers=ADMIN, json={
        "key": "lamps-status", "translations": {"en": {"name": "Lamps"}, "de": {"name": "Lampen"}}})
    cid = response.get_json()["id"]
    report = client.get("/api/v1/admin/translations/status?market=CH", headers=ADMIN).get_json()
    mine = {(r["locale"], r["state"]) for r in report["categories"] if r["category_id"] == cid}
    assert mine == {("fr-CH", "missing"), ("it-CH", "missing")}
    assert "items" in report and "missing" in report  # the existing body is unchanged
    time.sleep(0.01)
    client.put(f"/api/v1/admin/categories/{cid}/translations/en", headers=ADMIN, json={"name": "Lamps and lights"})
    report = client.get("/api/v1/admin/translations/status?market=DE&state=outdated", headers=ADMIN).get_json()
    assert [(r["category_id"], r["locale"]) for r in report["categories"] if r["category_id"] == cid] == [
        (cid, "de-DE")]


def test_overview_gives_every_locale_a_state(session, app):
    items = translations.overview(session, "en")
    products = [i for i in items if i.kind == "product"]
    categories = [i for i in items if i.kind == "category"]
    assert products and categories
    locales = set().union(*(p.states for p in products))
    assert {"de-DE", "fr-FR", "ja-JP"} <= locales and "en" not in locales
    assert all(s in translations.STATES for i in items for s, _ in i.states.values())
    assert all(i.count("done") == len(i.states) for i in products)  # the demo catalog is fully translated


def test_state_rule():
    t0, t1 = "2026-01-01", "2026-02-01"
    assert translations.state({"en": t1, "de": t0}, "de-CH", "en") == ("outdated", "de")
    assert translations.state({"en": t0, "de": t1}, "de-CH", "en") == ("done", "de")
    assert translations.state({"en": t0}, "fr-CH", "en") == ("missing", "en")
    assert translations.state({"en": t0}, "en-GB", "en") == ("done", "en")
