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


class RefundNotFound(NotFound):
    code = "refund_not_found"
    message = N_("This refund does not exist.")


class RefundNotRequested(StorefrontError):
    code = "refund_not_requested"
    http_status = 409
    message = N_("Only a refund still awaiting the payment provider's answer can be retried (this one is %(status)s).")


class RefundInProgress(StorefrontError):
    code = "refund_in_progress"
    http_status = 409
    message = N_("This refund is being sent to the payment provider. Please try again in a moment.")
