"""gunicorn settings for storefront (used by `make run` and the Dockerfile).

Stateless sync workers: every request reads PostgreSQL (and Redis when
REDIS_URL is set), so app servers can be added behind a load balancer."""
import multiprocessing
import os

from storefront.config import ConfigError, load_config

try:  # a configuration error is one line, before gunicorn loads anything
    load_config()
except ConfigError as exc:
    raise SystemExit(f"storefront: configuration error: {exc}") from None

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
# The app is built once in the master and forked (storefront.serving.post_fork
# drops the database connections the master opened). Workers are not recycled:
# recycling every N requests restarts busy workers together, and each restart
# stalls its requests for the boot. GUNICORN_MAX_REQUESTS > 0 brings it back.
preload_app = True
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# gunicorn 25+ opens a control socket at one default path per user
# ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl), shared by every instance on the
# host: stopping one removes it for the others. Off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
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


def post_fork(server, worker):
    from storefront.serving import after_fork

    after_fork(server.app.wsgi())


def when_ready(server):
    from storefront.serving import when_ready

    when_ready(server.app.wsgi())
