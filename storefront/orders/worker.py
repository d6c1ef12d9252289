"""The outbox worker: the outermost caller of storefront/orders/outbox.py, so
it commits (after the claim, before anything is sent; after each outcome).

``deliver_pass`` runs until nothing is due; ``run`` repeats it every
``poll_seconds`` until ``stop`` is set (SIGTERM/SIGINT in the CLI), finishing
the message in hand first."""
from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from storefront.orders import outbox
from storefront.orders.retry import RetryPolicy
from storefront.orders.transports import HttpPoster, SmtpMailer

log = logging.getLogger("storefront.outbox")


def transports_from_config(config: Mapping[str, Any]) -> outbox.Transports:
    mailer = SmtpMailer(host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]), sender=config["MAIL_FROM"],
                        username=config["SMTP_USERNAME"], password=config["SMTP_PASSWORD"],
                        starttls=config["SMTP_STARTTLS"], use_ssl=config["SMTP_SSL"],
                        timeout=config["SMTP_TIMEOUT_SECONDS"])
    poster = HttpPoster(timeout=config["WEBHOOK_TIMEOUT_SECONDS"],
                        allow_loopback_http=config["WEBHOOKS_ALLOW_LOOPBACK_HTTP"])
    return outbox.Transports(mailer, poster)


def policy_from_config(config: Mapping[str, Any]) -> RetryPolicy:
    return RetryPolicy(max_attempts=config["OUTBOX_MAX_ATTEMPTS"], base_seconds=config["OUTBOX_RETRY_BASE_SECONDS"],
                       cap_seconds=config["OUTBOX_RETRY_MAX_SECONDS"])


def deliver_pass(session: Session, transports: outbox.Transports, policy: RetryPolicy, now: Callable[[], datetime],
                 *, batch: int = 20, lease: timedelta = timedelta(minutes=5),
                 stop: threading.Event | None = None) -> Counter:
    """Deliver every message due now, batch by batch; counts by outcome."""
    counts: Counter = Counter()
    while not (stop and stop.is_set()):
        claims = outbox.claim(session, now(), limit=batch, lease=lease)
        session.commit()
        if not claims:
            break
        for position, claimed in enumerate(claims):
            if stop and stop.is_set():  # release the rest of the batch for another worker
                _release(session, claims[position:])
                return counts
            item = outbox.envelope(session, claimed.message_id)
            session.commit()  # no transaction (nor SQLite lock) held while sending
            if item is None:
                result = outbox.give_up(session, claimed, "webhook subscription disabled", now())
            else:
                failure = outbox.send(transports, item)
                result = outbox.record(session, claimed, failure, policy, now())
                if failure is not None:
                    log.warning("outbox message %s: %s (%s)", claimed.message_id, failure.reason, result)
            session.commit()
            counts[result] += 1
    return counts


def _release(session: Session, claims: list[outbox.Claim]) -> None:
    for claimed in claims:
        outbox.release(session, claimed)
    session.commit()


def run(session: Session, transports: outbox.Transports, policy: RetryPolicy, now: Callable[[], datetime], *,
        poll_seconds: float, stop: threading.Event, batch: int = 20,
        lease: timedelta = timedelta(minutes=5)) -> Counter:
    """Deliver until ``stop`` is set, polling every ``poll_seconds`` when nothing is due."""
    total: Counter = Counter()
    while not stop.is_set():
        try:
            counts = deliver_pass(session, transports, policy, now, batch=batch, lease=lease, stop=stop)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the worker; next poll retries
            session.rollback()
            log.exception("outbox pass failed")
            counts = Counter()
        total.update(counts)
        if not counts:
            stop.wait(poll_seconds)
    return total
