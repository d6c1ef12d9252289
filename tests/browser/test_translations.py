"""The console's translations pages in a real browser."""
from __future__ import annotations

from tests.browser.test_pricing import new_product


def state_of(console, pid: int, locale: str) -> str:
    console.open("/console/translations?kind=product")
    return console.find(f"#translation-status tr[data-kind=product][data-id='{pid}'] td[data-locale='{locale}']"
                        ).get_attribute("data-state")


def test_a_translation_is_outdated_after_its_source_changes(console, screenshot):
    pid, slug, sku = new_product(console)
    console.sign_in()
    assert state_of(console, pid, "de-DE") == "done"
    assert state_of(console, pid, "fr-CH") == "missing"
    assert state_of(console, pid, "fr-FR") == ""  # not sold in France
    screenshot("translations")
    console.open(f"/console/translations/product/{pid}/en")
    console.fill("#f-description", "A brighter lamp for browser tests.")
    console.click_and_wait("#save-translation")
    assert "saved" in console.text(".flash")
    assert state_of(console, pid, "de-DE") == "outdated"
    # the side-by-side editor shows the new source text; a blank slug is derived from the name
    console.open(f"/console/translations/product/{pid}/fr")
    assert "brighter" in console.text("#source-text")
    console.fill("#f-name", "Lampe de navigateur")
    console.fill("#f-description", "Une lampe.")
    screenshot("translation-editor")
    console.click_and_wait("#save-translation")
    assert console.find("#f-slug").get_attribute("value") == "lampe-de-navigateur"
    assert state_of(console, pid, "fr-CH") == "done"
    status, body = console.api("GET", "/api/v1/products/lampe-de-navigateur?market=CH&locale=fr-CH")
    assert status == 200 and body["name"] == "Lampe de navigateur"
