"""``POST /payments/stripe/webhook``: verified, deduplicated, applied once."""
from __future__ import annotations

import logging

from flask import jsonify, request
from flask_smorest import Blueprint

from storefront import clock
from storefront.extensions import db
from storefront.orders import services
from storefront.orders.confirmation import queue_confirmation
from storefront.orders.subscriptions import enqueue_event
from storefront.payments.wiring import gateway

blp = Blueprint("payments", __name__, description="Payment provider webhooks.")
log = logging.getLogger("storefront.payments")


@blp.route("/payments/stripe/webhook", methods=["POST"])
@blp.doc(responses={"200": {"description": "Event applied, or already applied."},
                    "400": {"description": "Bad signature."}})
def stripe_webhook():
    """Stripe events: signature checked on the raw body, each event applied once."""
    event = gateway().construct_event(request.get_data(), request.headers.get("Stripe-Signature"))

    def on_paid(order):
        db.session.add(queue_confirmation(order))
        enqueue_event(db.session, order, "order.paid", clock.now())

    result = services.handle_event(db.session, event, clock.now(), on_paid=on_paid)
    db.session.commit()
    log.info("stripe event %s %s: %s", event.event_id, event.type, result)
    return jsonify({"received": True, "result": result})
