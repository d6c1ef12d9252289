"""Money and stock under concurrency, against the app as `make run` serves it
(gunicorn, production settings) with a private localstripe, on SQLite and
PostgreSQL: refunds never exceed what was paid and every provider refund is
recorded; payment events of one order apply one at a time (never paid with
its stock released, one confirmation); a payment of another amount never
marks an order paid; checkouts that fail leave no PaymentIntent behind; a
refund whose provider answer was lost is retried, by concurrent retries too,
into exactly one provider refund."""
from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
import stripe

from storefront import clock, create_app
from storefront.extensions import db
from storefront.orders import services
from storefront.payments.fake_gateway import sign_payload
from tests.functional.shopping import ADDRESSES
from tests.localstripe_server import API_KEY
from tests.served import ADMIN, WEBHOOK_SECRET, served_shop

SKU = "BOK-MOBY-HC"
WAREHOUSE = "DE-LEJ"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request):
    with served_shop(request.param, stripe=True) as served:
        served.db = sa.create_engine(served.database_url)
        served.stripe_client = stripe.StripeClient(API_KEY, base_addresses={"api": served.stripe.base_url})
        yield served
        served.db.dispose()


def ok(shop, method, path, body=None, headers=None, status=200):
    code, answer = shop.request(method, path, body, headers)
    assert code == status, (code, answer)
    return answer


def set_stock(shop, quantity):
    ok(shop, "PUT", f"/api/v1/admin/variants/{SKU}/stock/{WAREHOUSE}", {"quantity": quantity}, ADMIN)


def ready_cart(shop, quantity=1):
    token = ok(shop, "POST", "/api/v1/carts?market=DE", status=201)["token"]
    ok(shop, "POST", f"/api/v1/carts/{token}/items", {"sku": SKU, "quantity": quantity})
    ok(shop, "PUT", f"/api/v1/carts/{token}/address", ADDRESSES["DE"])
    method = ok(shop, "GET", f"/api/v1/carts/{token}/shipping-methods")["items"][0]["id"]
    ok(shop, "PUT", f"/api/v1/carts/{token}/shipping-method", {"id": method})
    return token


def place(shop, quantity=1):
    token = ready_cart(shop, quantity)
    return ok(shop, "POST", f"/api/v1/carts/{token}/checkout", None, {"Idempotency-Key": str(uuid.uuid4())},
              status=201)


def admin_order(shop, order_id):
    return ok(shop, "GET", f"/api/v1/admin/orders/{order_id}", None, ADMIN)


def paid_order(shop):
    """An order paid at localstripe (whose payment_intent.succeeded webhook marks it paid)."""
    placed = place(shop)
    intent = placed["payment"]["payment_intent_id"]
    shop.stripe_client.v1.payment_intents.update(intent, {"payment_method": "pm_card_visa"})
    assert shop.stripe_client.v1.payment_intents.confirm(intent).status == "succeeded"
    deadline = time.monotonic() + 20
    while admin_order(shop, placed["order"]["id"])["status"] != "paid":
        assert time.monotonic() < deadline, "the succeeded webhook did not arrive"
        time.sleep(0.1)
    return admin_order(shop, placed["order"]["id"])


def in_parallel(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def event(shop, event_type, obj):
    payload = json.dumps({"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": event_type,
                          "data": {"object": obj}})
    return shop.request("POST", "/api/v1/payments/stripe/webhook", payload,
                        {"Stripe-Signature": sign_payload(payload, WEBHOOK_SECRET)})


def intent_object(order, **overrides):
    minor = order["payment"]["amount_minor"] if "payment" in order else None
    return {"id": order["payment_intent_id"], "object": "payment_intent", "amount": minor, "amount_received": minor,
            "currency": "eur", **overrides}


def placed_as_admin(shop, placed):
    order = admin_order(shop, placed["order"]["id"])
    order["payment"] = placed["payment"]
    return order


def provider_refunds(shop, intent):
    return [r for r in shop.stripe_client.v1.refunds.list({"limit": 100}).data if r.payment_intent == intent]


def money(value):
    return Decimal(value["amount"])


def rows(shop, sql, **params):
    with shop.db.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


# --- refunds (item 1) -----------------------------------------------------------------------


def test_two_concurrent_full_refunds_refund_once(shop):
    order = paid_order(shop)
    results = in_parallel(2, lambda _: shop.request("POST", f"/api/v1/admin/orders/{order['id']}/refunds", {}, ADMIN))
    assert sorted(code for code, _ in results) == [201, 422], results
    assert [r for _, r in results if _ == 422][0]["error"]["code"] == "refund_exceeds_paid"
    made = provider_refunds(shop, order["payment_intent_id"])
    assert len(made) == 1
    after = admin_order(shop, order["id"])
    assert after["status"] == "refunded"
    assert [r["provider_refund_id"] for r in after["refunds"]] == [made[0].id]
    assert money(after["totals"]["refunded"]) == money(after["totals"]["total"]) == Decimal(made[0].amount) / 100


def test_four_concurrent_partial_refunds_never_exceed_what_was_paid(shop):
    order = paid_order(shop)
    part = (money(order["totals"]["total"]) * Decimal("0.4")).quantize(Decimal("0.01"))
    results = in_parallel(4, lambda _: shop.request("POST", f"/api/v1/admin/orders/{order['id']}/refunds",
                                                    {"amount": str(part)}, ADMIN))
    codes = sorted(code for code, _ in results)
    assert codes == [201, 201, 422, 422], results
    made = provider_refunds(shop, order["payment_intent_id"])
    after = admin_order(shop, order["id"])
    assert len(made) == len(after["refunds"]) == 2
    assert sum(Decimal(r.amount) for r in made) / 100 == money(after["totals"]["refunded"]) == 2 * part
    assert money(after["totals"]["refunded"]) <= money(after["totals"]["paid"])
    assert after["status"] == "partially_refunded"


# --- payment events (items 2, 3, 4) ------------------------------------------------------------


def stock_row(shop):
    return rows(shop, "SELECT s.quantity, s.reserved FROM stock s JOIN variant v ON v.id = s.variant_id "
                      "WHERE v.sku = :sku AND s.warehouse_code = :wh", sku=SKU, wh=WAREHOUSE)[0]


def reservations(shop, order_id):
    return sorted(r[0] for r in rows(shop, "SELECT status FROM stock_reservation WHERE order_id = :o", o=order_id))


def test_succeeded_and_canceled_concurrently_never_leave_an_order_paid_with_its_stock_released(shop):
    set_stock(shop, 50)
    orders = [placed_as_admin(shop, place(shop)) for _ in range(4)]
    before = stock_row(shop)
    work = [(o, t) for o in orders for t in ("payment_intent.canceled", "payment_intent.succeeded")]
    results = in_parallel(len(work), lambda i: event(shop, work[i][1], intent_object(work[i][0])))
    assert all(code == 200 for code, _ in results), results
    sold = 0
    for o in orders:
        after = admin_order(shop, o["id"])
        # stock was plentiful: a payment after the cancellation takes the units again
        assert after["status"] == "paid", after
        assert reservations(shop, o["id"]) == ["committed"]
        sold += 1
    quantity, reserved = stock_row(shop)
    assert (quantity, reserved) == (before[0] - sold, before[1] - len(orders))


def test_a_payment_after_cancellation_whose_stock_is_gone_is_flagged_for_refund(shop):
    set_stock(shop, 50)
    placed = placed_as_admin(shop, place(shop))
    assert event(shop, "payment_intent.canceled", intent_object(placed))[0] == 200
    set_stock(shop, 0)  # sold elsewhere meanwhile
    code, body = event(shop, "payment_intent.succeeded", intent_object(placed))
    assert code == 200, body
    after = admin_order(shop, placed["id"])
    assert after["status"] == "canceled" and after["flag"] == "refund_required", after
    assert money(after["totals"]["paid"]) == money(after["totals"]["total"])
    assert reservations(shop, placed["id"]) == ["released"]
    assert stock_row(shop) == (0, 0)
    flagged = ok(shop, "GET", "/api/v1/admin/orders?flagged=true", None, ADMIN)["items"]
    assert placed["id"] in [o["id"] for o in flagged]
    assert rows(shop, "SELECT count(*) FROM outbox_message WHERE order_id = :o", o=placed["id"])[0][0] == 0
    # the merchant refunds it
    set_stock(shop, 50)


@pytest.mark.parametrize("obj, flag", [
    ({"amount_received": 1, "currency": "jpy"}, "currency_mismatch"),
    ({"amount_received": 1, "currency": "eur"}, "amount_mismatch"),
    ({"amount": 1, "amount_received": None, "currency": None}, "amount_mismatch"),
])
def test_a_payment_of_another_amount_never_marks_the_order_paid(shop, obj, flag):
    set_stock(shop, 50)
    placed = placed_as_admin(shop, place(shop))
    code, body = event(shop, "payment_intent.succeeded", intent_object(placed, **obj))
    assert code == 200 and body["result"] == flag, body
    after = admin_order(shop, placed["id"])
    assert after["status"] == "pending_payment" and money(after["totals"]["paid"]) == 0
    assert after["flag"] == flag and after["flagged_at"]
    assert reservations(shop, placed["id"]) == ["active"]


def test_eight_distinct_succeeded_events_queue_one_confirmation(shop):
    set_stock(shop, 50)
    placed = placed_as_admin(shop, place(shop))
    results = in_parallel(8, lambda _: event(shop, "payment_intent.succeeded", intent_object(placed)))
    assert all(code == 200 for code, _ in results), results
    assert admin_order(shop, placed["id"])["status"] == "paid"
    assert rows(shop, "SELECT count(*) FROM outbox_message WHERE order_id = :o", o=placed["id"])[0][0] == 1
    assert reservations(shop, placed["id"]) == ["committed"]


# --- checkout failures (item 9) ------------------------------------------------------------------


def test_checkouts_that_fail_leave_no_payment_intent_behind(shop):
    set_stock(shop, 50)
    known = {pi.id for pi in shop.stripe_client.v1.payment_intents.list({"limit": 100}).auto_paging_iter()}
    token = ready_cart(shop)
    results = in_parallel(8, lambda _: shop.request("POST", f"/api/v1/carts/{token}/checkout", None,
                                                    {"Idempotency-Key": str(uuid.uuid4())}))
    placed = [body for code, body in results if code == 201]
    assert len(placed) == 1, results
    created = [pi for pi in shop.stripe_client.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
               if pi.id not in known]
    kept = placed[0]["payment"]["payment_intent_id"]
    assert {pi.id for pi in created if pi.status != "canceled"} == {kept}, [(pi.id, pi.status) for pi in created]


# --- a refund left requested is retried (its provider answer was lost) -------------------------


def lost_refund(shop, order, lease=None):
    """What POST .../refunds leaves when the provider's answer never comes back
    and no charge.refunded arrives: a refund recorded as requested (written by
    the same service, in a process of its own, on the served database)."""
    app = create_app(env="test", overrides={"DATABASE_URL": shop.database_url})
    with app.app_context():
        request = services.request_refund(db.session, order["id"], None, None, now=clock.now(), lease=lease)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return request


def retry(shop, order_id, refund_id):
    return shop.request("POST", f"/api/v1/admin/orders/{order_id}/refunds/{refund_id}/retry", None, ADMIN)


def test_concurrent_retries_of_a_lost_refund_refund_once(shop):
    order = paid_order(shop)
    lost = lost_refund(shop, order)
    assert admin_order(shop, order["id"])["refunds"][0]["status"] == "requested"
    results = in_parallel(2, lambda _: retry(shop, order["id"], lost.refund_id))
    assert sorted(code for code, _ in results) == [200, 409], results
    done = next(body for code, body in results if code == 200)
    refused = next(body for code, body in results if code == 409)
    assert refused["error"]["code"] in ("refund_in_progress", "refund_not_requested"), refused
    made = provider_refunds(shop, order["payment_intent_id"])
    assert len(made) == 1 and made[0].metadata["refund"] == str(lost.refund_id)
    assert done["provider_refund_id"] == made[0].id and done["status"] == "succeeded"
    after = admin_order(shop, order["id"])
    assert after["status"] == "refunded"
    assert [(r["id"], r["provider_refund_id"], r["status"]) for r in after["refunds"]] == [
        (lost.refund_id, made[0].id, "succeeded")]
    assert money(after["totals"]["refunded"]) == money(after["totals"]["total"]) == Decimal(made[0].amount) / 100
    code, body = retry(shop, order["id"], lost.refund_id)  # nothing left to retry
    assert code == 409 and body["error"]["code"] == "refund_not_requested", body
    assert len(provider_refunds(shop, order["payment_intent_id"])) == 1


def test_a_retry_records_the_refund_the_provider_made(shop):
    """The first call went through, only its answer was lost: the retry finds the
    provider's refund (by the metadata it was made with) and makes no other."""
    order = paid_order(shop)
    lost = lost_refund(shop, order)
    made = shop.stripe_client.v1.refunds.create({
        "payment_intent": order["payment_intent_id"], "amount": int(money(order["totals"]["total"]) * 100),
        "metadata": {"order": str(order["id"]), "refund": str(lost.refund_id)}})
    code, body = retry(shop, order["id"], lost.refund_id)
    assert code == 200, (body, shop.log()[-4000:])
    assert body["provider_refund_id"] == made.id and body["status"] == "succeeded"
    assert [r.id for r in provider_refunds(shop, order["payment_intent_id"])] == [made.id]
    after = admin_order(shop, order["id"])
    assert after["status"] == "refunded" and len(after["refunds"]) == 1


def test_no_retry_while_a_provider_call_may_be_in_flight_nor_of_another_refund(shop):
    order = paid_order(shop)
    lost = lost_refund(shop, order, lease=timedelta(minutes=5))
    code, body = retry(shop, order["id"], lost.refund_id)
    assert code == 409 and body["error"]["code"] == "refund_in_progress", body
    code, body = retry(shop, order["id"], lost.refund_id + 1000)
    assert code == 404 and body["error"]["code"] == "refund_not_found", body
    other = paid_order(shop)
    code, body = retry(shop, other["id"], lost.refund_id)  # not this order's
    assert code == 404 and body["error"]["code"] == "refund_not_found", body
    assert provider_refunds(shop, order["payment_intent_id"]) == []
    assert admin_order(shop, order["id"])["refunds"][0]["status"] == "requested"


# --- a refund made in Stripe's dashboard --------------------------------------------------------


def test_a_dashboard_refund_is_recorded_and_announced(shop):
    sub = ok(shop, "POST", "/api/v1/admin/webhooks", {"url": "https://erp.example.com/hooks/storefront",
                                                     "events": ["order.refunded"]}, ADMIN, status=201)
    try:
        order = paid_order(shop)
        minor = int(money(order["totals"]["total"]) * 100)
        made = shop.stripe_client.v1.refunds.create({"payment_intent": order["payment_intent_id"], "amount": 300})
        charge = {"id": "ch_dashboard", "object": "charge", "payment_intent": order["payment_intent_id"],
                  "amount": minor, "amount_refunded": 300, "currency": "eur",
                  "refunds": {"data": [{"id": made.id, "amount": 300, "currency": "eur", "status": "succeeded"}]}}
        payload = json.dumps({"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "charge.refunded",
                              "data": {"object": charge}})
        header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
        code, body = shop.request("POST", "/api/v1/payments/stripe/webhook", payload, {"Stripe-Signature": header})
        assert code == 200, body
        after = admin_order(shop, order["id"])
        assert after["status"] == "partially_refunded"
        assert [(r["provider_refund_id"], r["status"]) for r in after["refunds"]] == [(made.id, "succeeded")]
        announced = rows(shop, "SELECT body FROM outbox_message WHERE order_id = :o AND kind = 'webhook' "
                               "AND subject = 'order.refunded'", o=order["id"])
        assert len(announced) == 1
        assert json.loads(announced[0][0])["data"]["order"]["amount_refunded"]["amount"] == "3.00"
    finally:
        ok(shop, "DELETE", f"/api/v1/admin/webhooks/{sub['id']}", None, ADMIN, status=200)
