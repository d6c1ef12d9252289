from storefront.errors import N_, NotFound, StorefrontError


class OrderNotFound(NotFound):
    code = "order_not_found"
    message = N_("This order does not exist.")


class RefundExceedsPaid(StorefrontError):
    code = "refund_exceeds_paid"
    http_status = 422
    message = N_("At most %(refundable)s can be refunded.")


class OrderNotPaid(StorefrontError):
    code = "order_not_paid"
    http_status = 409
    message = N_("Only paid orders can be refunded.")


class WebhookUrlRefused(StorefrontError):
    code = "webhook_url_refused"
    http_status = 422
    message = N_("Webhooks are delivered to HTTPS addresses only.")


class WebhookSubscriptionNotFound(NotFound):
    code = "webhook_subscription_not_found"
    message = N_("This webhook subscription does not exist.")
