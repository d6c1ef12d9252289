"""Merchant webhook subscriptions to order events and their delivery log (role "admin")."""
from __future__ import annotations

import json

from flask import current_app
from flask.views import MethodView

from storefront import clock
from storefront.admin import audit
from storefront.admin.audit import current_actor
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.admin.schemas.webhooks import (
    WebhookDeliveryArgsSchema,
    WebhookDeliveryListSchema,
    WebhookSubscriptionCreatedSchema,
    WebhookSubscriptionCreateSchema,
    WebhookSubscriptionListSchema,
    WebhookSubscriptionSchema,
)
from storefront.db import newest_first
from storefront.extensions import db
from storefront.orders import subscriptions
from storefront.orders.models import OutboxMessage

blp = MerchantBlueprint("admin_webhooks", __name__, role="admin",
                        description="Signed order events (order.paid, order.refunded, order.canceled) to your endpoints.")


def subscription_json(row) -> dict:
    return {"id": row.id, "url": row.url, "events": row.events, "description": row.description,
            "created_by": row.created_by, "created_at": row.created_at, "disabled_at": row.disabled_at}


def delivery_json(m: OutboxMessage) -> dict:
    return {"id": m.id, "event": m.subject, "order_id": m.order_id, "status": m.status, "attempts": m.attempts,
            "created_at": m.created_at, "last_attempt_at": m.last_attempt_at, "next_attempt_at": m.next_attempt_at,
            "sent_at": m.sent_at, "last_error": m.last_error, "payload": json.loads(m.body)}


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.response(200, WebhookSubscriptionListSchema)
    def get(self):
        """Webhook subscriptions (never their secrets)."""
        return {"items": [subscription_json(s) for s in subscriptions.list_subscriptions(db.session)]}

    @blp.arguments(WebhookSubscriptionCreateSchema)
    @blp.response(201, WebhookSubscriptionCreatedSchema)
    def post(self, data):
        """Subscribe an HTTPS endpoint to order events; the signing secret is shown in this response only."""
        row = subscriptions.create_subscription(
            db.session, data["url"], data["events"], data.get("description"), current_actor(), clock.now(),
            allow_loopback_http=current_app.config["WEBHOOKS_ALLOW_LOOPBACK_HTTP"])
        audit.record(db.session, "create", "webhook_subscription", row.id, None, {"url": row.url, "events": row.events})
        db.session.commit()
        return {**subscription_json(row), "secret": row.secret}


@blp.route("/webhooks/<int:subscription_id>")
class WebhookOne(MethodView):
    @blp.response(200, WebhookSubscriptionSchema)
    def get(self, subscription_id: int):
        """One subscription."""
        return subscription_json(subscriptions.subscription(db.session, subscription_id))

    @blp.response(200, WebhookSubscriptionSchema)
    def delete(self, subscription_id: int):
        """Stop deliveries to this endpoint (the subscription and its log are kept)."""
        row = subscriptions.disable(db.session, subscription_id, clock.now())
        audit.record(db.session, "disable", "webhook_subscription", row.id, {"disabled_at": None},
                     {"disabled_at": row.disabled_at})
        db.session.commit()
        return subscription_json(row)


@blp.route("/webhooks/<int:subscription_id>/deliveries")
class WebhookDeliveries(MethodView):
    @blp.arguments(WebhookDeliveryArgsSchema, location="query")
    @blp.response(200, WebhookDeliveryListSchema)
    def get(self, args, subscription_id: int):
        """The delivery log, newest first: each event's status, attempts and last error."""
        subscriptions.subscription(db.session, subscription_id)
        rows, next_cursor = newest_first(db.session, subscriptions.deliveries_statement(subscription_id),
                                         OutboxMessage.id, kind="webhook_deliveries", cursor=args.get("cursor"),
                                         limit=args["limit"])
        return {"items": [delivery_json(m) for m in rows], "next_cursor": next_cursor}
