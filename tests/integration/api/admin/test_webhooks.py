"""Merchant webhook subscriptions, on SQLite and PostgreSQL: order events are
queued in the transaction that changes the order, delivered through the
outbox to a local HTTP endpoint, signed (HMAC-SHA256 over "t.payload" with
the subscription's secret), retried with backoff, and listed in the
subscription's delivery log."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from storefront import clock
from storefront.extensions import db
from storefront.orders import services, worker
from storefront.orders.outbox import Transports
from storefront.orders.models import OutboxMessage
from storefront.orders.retry import RetryPolicy
from storefront.orders.signing import verify
from storefront.orders.transports import HttpPoster
from storefront.payments.errors import PaymentProviderUnavailable
from tests.functional.shopping import ADMIN, checkout, deliver, ready_cart

HOOKS = "/api/v1/admin/webhooks"
POLICY = RetryPolicy(max_attempts=3, base_seconds=30)


class Endpoint:
    """A merchant's endpoint on loopback: records each POST, answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict, bytes]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/storefront"


@pytest.fixture(scope="module")
def endpoint():
    ep = Endpoint()
    thread = threading.Thread(target=ep.server.serve_forever, daemon=True)
    thread.start()
    yield ep
    ep.server.shutdown()
    ep.server.server_close()


@pytest.fixture
def hook(endpoint):
    endpoint.requests.clear()
    endpoint.status = 200
    return endpoint


class NoMail:
    def send(self, mail) -> None:  # confirmations are another test's business
        pass


def run_worker(app, now=clock.now) -> Counter:
    transports = Transports(NoMail(), HttpPoster(timeout=5, allow_loopback_http=True))
    with app.app_context():
        return worker.deliver_pass(db.session, transports, POLICY, now)


def subscribe(client, url, events):
    response = client.post(HOOKS, json={"url": url, "events": events, "description": "ERP"}, headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def paid_order(client, fake_gateway):
    cart = ready_cart(client, "DE", "DE", [("BOK-PRIDE-PB", 1)], units=5)
    response, placed, _ = checkout(client, cart["token"])
    assert response.status_code == 201, placed
    pi = placed["payment"]["payment_intent_id"]
    fake_gateway.set_status(pi, "succeeded")
    response = deliver(client, fake_gateway, "payment_intent.succeeded", fake_gateway.payment_intent_object(pi))
    assert response.get_json()["result"] == "pending_payment->paid"
    return placed["order"]


def webhook_messages(app, event=None) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "webhook")
        return db.session.scalar(stmt.where(OutboxMessage.subject == event) if event else stmt)


def test_a_subscription_shows_its_secret_once(client):
    created = subscribe(client, "https://erp.example.com/hooks", ["order.paid", "order.refunded"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["events"] == ["order.paid", "order.refunded"] and created["disabled_at"] is None
    listed = client.get(HOOKS, headers=ADMIN).get_json()["items"]
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]
    assert "secret" not in client.get(f"{HOOKS}/{created['id']}", headers=ADMIN).get_json()


@pytest.mark.parametrize("url", ["http://erp.example.com/hooks", "ftp://erp.example.com/", "https://",
                                 "https://user:pw@erp.example.com/", "http://10.0.0.1/hooks",
                                 "https://erp.example.com/a b", "https://[::1"])
def test_only_https_endpoints(client, url):
    response = client.post(HOOKS, json={"url": url, "events": ["order.paid"]}, headers=ADMIN)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "webhook_url_refused"


def test_loopback_http_only_when_the_setting_allows_it(app, client):
    app.config["WEBHOOKS_ALLOW_LOOPBACK_HTTP"] = False
    try:
        response = client.post(HOOKS, json={"url": "http://127.0.0.1:9/x", "events": ["order.paid"]}, headers=ADMIN)
    finally:
        app.config["WEBHOOKS_ALLOW_LOOPBACK_HTTP"] = True
    assert response.status_code == 422


@pytest.mark.parametrize("body", [{"url": "https://a.example/", "events": ["order.shipped"]},
                                  {"url": "https://a.example/", "events": []}, {"events": ["order.paid"]},
                                  {"url": "https://a.example/", "events": ["order.paid"], "description": "a\tb"}])
def test_unknown_events_and_missing_fields_are_422(client, body):
    assert client.post(HOOKS, json=body, headers=ADMIN).status_code == 422


def test_an_orders_token_cannot_manage_webhooks(client):
    created = client.post("/api/v1/admin/tokens", json={"name": "ops", "roles": ["orders"]}, headers=ADMIN)
    orders = {"Authorization": f"Bearer {created.get_json()['token']}"}
    assert client.get(HOOKS, headers=orders).status_code == 403
    assert client.post(HOOKS, json={}, headers=orders).status_code == 403


def test_paid_and_refunded_orders_are_delivered_signed(app, client, fake_gateway, hook):
    sub = subscribe(client, hook.url, ["order.paid", "order.refunded"])
    order = paid_order(client, fake_gateway)
    assert webhook_messages(app, "order.paid") == 1  # queued with the payment
    response = client.post(f"/api/v1/admin/orders/{order['id']}/refunds", json={"amount": "5.00"}, headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    assert webhook_messages(app, "order.refunded") == 1
    assert run_worker(app) == Counter(sent=3)  # and the confirmation e-mail
    assert len(hook.requests) == 2
    now = int(time.time())
    events = []
    for headers, body in hook.requests:
        assert verify(sub["secret"], headers["storefront-signature"], body, now=now)
        assert not verify("whsec_other", headers["storefront-signature"], body, now=now)
        events.append(json.loads(body))
    assert [(e["type"], e["data"]["order"]["id"], e["data"]["order"]["status"]) for e in events] \
        == [("order.paid", order["id"], "paid"), ("order.refunded", order["id"], "partially_refunded")]
    assert events[1]["data"]["order"]["amount_refunded"] == {"amount": "5.00", "currency": "EUR"}
    assert hook.requests[0][0]["storefront-event"] == "order.paid"
    log = client.get(f"{HOOKS}/{sub['id']}/deliveries", headers=ADMIN).get_json()["items"]
    assert [(d["event"], d["status"], d["attempts"], d["last_error"]) for d in log] \
        == [("order.refunded", "sent", 1, None), ("order.paid", "sent", 1, None)]
    assert run_worker(app) == Counter() and len(hook.requests) == 2  # delivered once


def test_a_failing_endpoint_is_retried_with_backoff_and_logged(app, client, fake_gateway, hook):
    sub = subscribe(client, hook.url, ["order.paid"])
    paid_order(client, fake_gateway)
    hook.status = 500
    t0 = clock.now()
    assert run_worker(app, lambda: t0) == Counter(pending=1, sent=1)  # the e-mail went
    (entry,) = client.get(f"{HOOKS}/{sub['id']}/deliveries", headers=ADMIN).get_json()["items"]
    assert (entry["status"], entry["attempts"], entry["last_error"]) == ("pending", 1, "HTTP 500")
    assert entry["next_attempt_at"] is not None and entry["payload"]["type"] == "order.paid"
    hook.status = 200
    assert run_worker(app, lambda: t0 + timedelta(seconds=29)) == Counter()  # not due yet
    assert run_worker(app, lambda: t0 + timedelta(seconds=30)) == Counter(sent=1)
    (entry,) = client.get(f"{HOOKS}/{sub['id']}/deliveries", headers=ADMIN).get_json()["items"]
    assert (entry["status"], entry["attempts"], entry["last_error"]) == ("sent", 2, "HTTP 500")
    assert len(hook.requests) == 2


def test_a_gone_endpoint_is_given_up_at_once(app, client, fake_gateway, hook):
    sub = subscribe(client, hook.url, ["order.paid"])
    paid_order(client, fake_gateway)
    hook.status = 410
    assert run_worker(app) == Counter(failed=1, sent=1)
    (entry,) = client.get(f"{HOOKS}/{sub['id']}/deliveries", headers=ADMIN).get_json()["items"]
    assert (entry["status"], entry["last_error"]) == ("failed", "HTTP 410")


def test_a_refund_made_in_stripes_dashboard_is_recorded_and_announced_once(app, client, fake_gateway, hook):
    """charge.refunded for a refund the shop did not request: recorded, and
    order.refunded queued like a refund made through the API; the event
    delivered again (or a later one listing it too) announces nothing more."""
    subscribe(client, hook.url, ["order.refunded"])
    order = paid_order(client, fake_gateway)
    pi = client.get(f"/api/v1/admin/orders/{order['id']}", headers=ADMIN).get_json()["payment_intent_id"]
    charge = {"id": "ch_dash", "object": "charge", "payment_intent": pi, "amount": 1000, "currency": "eur",
              "amount_refunded": 500, "refunds": {"data": [
                  {"id": "re_dashboard_1", "amount": 500, "currency": "eur", "status": "succeeded"}]}}
    response = deliver(client, fake_gateway, "charge.refunded", charge)
    assert response.status_code == 200, response.get_json()
    detail = client.get(f"/api/v1/admin/orders/{order['id']}", headers=ADMIN).get_json()
    assert detail["status"] == "partially_refunded"
    assert [(r["provider_refund_id"], r["amount"]["amount"], r["status"]) for r in detail["refunds"]] == [
        ("re_dashboard_1", "5.00", "succeeded")]
    assert webhook_messages(app, "order.refunded") == 1
    assert deliver(client, fake_gateway, "charge.refunded", charge).status_code == 200  # another event id
    assert webhook_messages(app, "order.refunded") == 1
    charge["amount_refunded"] = 700
    charge["refunds"]["data"].append({"id": "re_dashboard_2", "amount": 200, "currency": "eur", "status": "succeeded"})
    assert deliver(client, fake_gateway, "charge.refunded", charge).status_code == 200
    assert webhook_messages(app, "order.refunded") == 2
    run_worker(app)
    events = [json.loads(body) for _, body in hook.requests]
    assert [(e["type"], e["data"]["order"]["amount_refunded"]["amount"]) for e in events] == [
        ("order.refunded", "5.00"), ("order.refunded", "7.00")]


def test_a_refund_recorded_by_the_api_then_by_charge_refunded_is_announced_once(app, client, fake_gateway, hook):
    subscribe(client, hook.url, ["order.refunded"])
    order = paid_order(client, fake_gateway)
    response = client.post(f"/api/v1/admin/orders/{order['id']}/refunds", json={"amount": "5.00"}, headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()["provider_refund_id"]
    pi = client.get(f"/api/v1/admin/orders/{order['id']}", headers=ADMIN).get_json()["payment_intent_id"]
    charge = {"id": "ch_api", "object": "charge", "payment_intent": pi, "amount": 1000, "currency": "eur",
              "amount_refunded": 500, "refunds": {"data": [
                  {"id": made, "amount": 500, "currency": "eur", "status": "succeeded"}]}}
    assert deliver(client, fake_gateway, "charge.refunded", charge).status_code == 200
    assert webhook_messages(app, "order.refunded") == 1


def test_a_refund_that_fails_announces_nothing(app, client, fake_gateway, hook):
    subscribe(client, hook.url, ["order.refunded"])
    order = paid_order(client, fake_gateway)
    fake_gateway.fail_next(PaymentProviderUnavailable())
    response = client.post(f"/api/v1/admin/orders/{order['id']}/refunds", json={}, headers=ADMIN)
    assert response.status_code == 503
    assert webhook_messages(app) == 0


def test_expired_orders_announce_their_cancellation(app, client, fake_gateway, session, hook):
    subscribe(client, hook.url, ["order.paid"])
    cancels = subscribe(client, hook.url + "?cancel", ["order.canceled"])
    cart = ready_cart(client, "DE", "DE", [("BOK-PRIDE-PB", 1)], units=5)
    response, placed, _ = checkout(client, cart["token"])
    assert response.status_code == 201, placed
    assert services.expire_unpaid(session, clock.now() + timedelta(days=1), fake_gateway) >= 1
    session.commit()
    assert webhook_messages(app, "order.canceled") >= 1 and webhook_messages(app, "order.paid") == 0
    run_worker(app)
    delivered = [json.loads(b) for h, b in hook.requests]
    assert {e["type"] for e in delivered} == {"order.canceled"}
    assert placed["order"]["id"] in {e["data"]["order"]["id"] for e in delivered}
    log = client.get(f"{HOOKS}/{cancels['id']}/deliveries", headers=ADMIN).get_json()["items"]
    assert log and {d["status"] for d in log} == {"sent"}


def test_a_disabled_subscription_gets_nothing_more(app, client, fake_gateway, hook):
    sub = subscribe(client, hook.url, ["order.paid"])
    paid_order(client, fake_gateway)  # queued before the merchant disables it
    response = client.delete(f"{HOOKS}/{sub['id']}", headers=ADMIN)
    assert response.status_code == 200 and response.get_json()["disabled_at"] is not None
    paid_order(client, fake_gateway)
    assert webhook_messages(app) == 1
    assert run_worker(app) == Counter(failed=1, sent=2) and hook.requests == []
    (entry,) = client.get(f"{HOOKS}/{sub['id']}/deliveries", headers=ADMIN).get_json()["items"]
    assert entry["last_error"] == "webhook subscription disabled"


def test_unknown_subscriptions_are_404(client):
    for method, path in (("get", "/999999"), ("delete", "/999999"), ("get", "/999999/deliveries")):
        response = getattr(client, method)(HOOKS + path, headers=ADMIN)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "webhook_subscription_not_found"
