"""gunicorn settings for storefront (used by `make run` and the Dockerfile).

Stateless sync workers: every request reads PostgreSQL (and Redis when
REDIS_URL is set), so app servers can be added behind a load balancer."""
import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '5000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count(), 8) if os.environ.get(
    "STOREFRONT_ENV") == "production" else 2))
worker_class = "storefront.serving.SyncWorker"  # gunicorn's sync worker, answering in JSON
# A request stops itself at REQUEST_TIMEOUT_SECONDS (25; a Stripe call at
# STRIPE_TIMEOUT_SECONDS, 10, retries included); gunicorn kills what is still
# running at this timeout, and the worker answers that request a JSON 503.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then
max_requests_jitter = 500
accesslog = None  # the app writes JSON access logs with the request id
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Request heads: gunicorn's limits sit above the app's (storefront.api.errors:
# URL 8,192 bytes, header fields 8,190 bytes, 100 fields), so the app answers
# 414/431 with the request's language and headers. A request line over 1 MB
# (gunicorn's cap for 0), a header field over 64 KiB or more than 1,000 fields
# are refused by the worker (storefront.serving), in the same JSON envelope.
limit_request_line = 0
limit_request_field_size = 65536
limit_request_fields = 1000
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
