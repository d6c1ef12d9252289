"""Driving the console in a real browser (a helper module, not a test)."""
from __future__ import annotations

import json
from urllib.parse import urlencode
from dataclasses import dataclass
from typing import Any

from tests.served import ADMIN, ADMIN_TOKEN, Shop


@dataclass
class Console:
    driver: Any
    shop: Shop

    def url(self, path: str) -> str:
        return self.shop.base_url + path

    def open(self, path: str) -> None:
        self.driver.get(self.url(path))

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str = "main") -> str:
        """The element's text, found again if a script replaced it between finding and reading."""
        from selenium.common.exceptions import StaleElementReferenceException

        for _ in range(4):
            try:
                return self.find(css).text
            except StaleElementReferenceException:
                continue
        return self.find(css).text

    def fill(self, css: str, value: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def select(self, css: str, value: str) -> None:
        from selenium.webdriver.support.ui import Select

        Select(self.find(css)).select_by_value(value)

    def click_and_wait(self, css: str, timeout: float = 30) -> None:
        """Click what submits a form or follows a link, and wait for the next page."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        from selenium.common.exceptions import WebDriverException

        old = self.find("html")
        self.find(css).click()

        def left(_driver) -> bool:
            # Chrome may answer "Node with given id does not belong to the document" for the old
            # page's node instead of a stale reference: that too means the page was replaced.
            try:
                return expected_conditions.staleness_of(old)(_driver)
            except WebDriverException:
                return True

        WebDriverWait(self.driver, timeout).until(left)
        WebDriverWait(self.driver, timeout).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    def switch_language(self, code: str, timeout: float = 30) -> None:
        """Choose ``code`` in the header's switcher (it submits itself) and wait for the page again."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        old = self.find("html")
        self.select("#locale-switch", code)
        WebDriverWait(self.driver, timeout).until(expected_conditions.staleness_of(old))
        WebDriverWait(self.driver, timeout).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    def sign_in(self, token: str = ADMIN_TOKEN, locale: str | None = None) -> None:
        self.open("/console/sign-in")
        self.fill("#token", token)
        if locale:
            self.select("#sign-in-locale", locale)
        self.click_and_wait("#sign-in")

    def api(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else ADMIN
        return self.shop.request(method, path, body, headers=headers)

    def make_token(self, *roles: str) -> str:
        status, body = self.api("POST", "/api/v1/admin/tokens", {"name": f"browser {'+'.join(roles)}",
                                                                  "roles": list(roles)})
        assert status == 201, body
        return body["token"]

    def post_raw(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        """POST a form with this browser's session cookie (what a hand-made request could send)."""
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())
        status, body = self.shop.request("POST", path, urlencode(form), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        return status, body if isinstance(body, str) else json.dumps(body)


def paid_order(shop: Shop, market: str = "DE", address: str = "DE", sku: str = "BOK-PRIDE-PB",
               quantity: int = 2) -> dict:
    """An order placed through the shop API and paid at the served app's
    localstripe (its payment_intent.succeeded webhook marks it paid), as the
    served and e2e tests pay: the merchant API's view of it."""
    import time
    import uuid

    import stripe

    from tests.functional.shopping import ADDRESSES, WAREHOUSE
    from tests.localstripe_server import API_KEY

    def ok(method: str, path: str, body: Any = None, headers: dict | None = None, expect: int = 200) -> Any:
        status, answer = shop.request(method, path, body, headers)
        assert status == expect, (method, path, status, answer)
        return answer

    ok("PUT", f"/api/v1/admin/variants/{sku}/stock/{WAREHOUSE[market]}", {"quantity": 100}, ADMIN)
    token = ok("POST", f"/api/v1/carts?market={market}", expect=201)["token"]
    ok("POST", f"/api/v1/carts/{token}/items", {"sku": sku, "quantity": quantity})
    ok("PUT", f"/api/v1/carts/{token}/address", ADDRESSES[address])
    method = ok("GET", f"/api/v1/carts/{token}/shipping-methods")["items"][0]["id"]
    ok("PUT", f"/api/v1/carts/{token}/shipping-method", {"id": method})
    placed = ok("POST", f"/api/v1/carts/{token}/checkout", None, {"Idempotency-Key": str(uuid.uuid4())}, expect=201)
    assert shop.stripe is not None, "served_shop(stripe=True) pays at localstripe"
    client = stripe.StripeClient(API_KEY, base_addresses={"api": shop.stripe.base_url})
    intent = placed["payment"]["payment_intent_id"]
    client.v1.payment_intents.update(intent, params={"payment_method": "pm_card_visa"})
    assert client.v1.payment_intents.confirm(intent).status == "succeeded"
    deadline = time.monotonic() + 20
    while (order := ok("GET", f"/api/v1/admin/orders/{placed['order']['id']}", headers=ADMIN))["status"] != "paid":
        assert time.monotonic() < deadline, "the succeeded webhook did not arrive"
        time.sleep(0.1)
    return order
