"""Delivering the outbox to a real SMTP server (aiosmtpd), on SQLite and
PostgreSQL: several workers, each with its own session, deliver concurrently
and every message arrives exactly once; failures are retried with backoff and
kept with their reason; the long-running worker stops cleanly on SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from storefront import clock
from storefront.extensions import db
from storefront.orders import outbox as outbox_module
from storefront.orders import worker
from storefront.orders.models import OutboxMessage
from storefront.orders.retry import RetryPolicy
from tests.conftest import _backends, build_app
from tests.integration.orders.smtp_server import smtp_server
from tests.served import _database, free_port

ROOT = Path(__file__).resolve().parents[3]
POLICY = RetryPolicy(max_attempts=3, base_seconds=30, factor=2, cap_seconds=3600)


@pytest.fixture(scope="module", params=_backends())
def served_db(request, tmp_path_factory):
    """A fresh migrated database (no demo) and an app on it; (app, url)."""
    with _database(request.param, tmp_path_factory.mktemp("outbox")) as url:
        app = build_app(url, load_demo=False)
        yield app, url
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def outbox(served_db, smtp):
    """(app, recorder, transports), with an empty outbox."""
    app, _ = served_db
    recorder, port = smtp
    with app.app_context():
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
    recorder.messages.clear()
    transports = worker.transports_from_config({**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port})
    return app, recorder, transports


def queue(app, recipients: list[str]) -> list[int]:
    with app.app_context():
        rows = [OutboxMessage(kind="order_confirmation", recipient=r, locale="en", subject=f"Your order {i}",
                              body=f"Thank you, order {i}.") for i, r in enumerate(recipients)]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def rows(app) -> dict[int, OutboxMessage]:
    with app.app_context():
        found = {m.id: m for m in db.session.scalars(select(OutboxMessage))}
        db.session.expunge_all()
        return found


def test_concurrent_workers_deliver_each_message_exactly_once(outbox):
    app, recorder, transports = outbox
    ids = queue(app, [f"shopper{i}@example.com" for i in range(60)])
    start = threading.Barrier(6)
    results: list[Counter] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with app.app_context():  # its own session
                start.wait()
                results.append(worker.deliver_pass(db.session, transports, POLICY, clock.now, batch=3))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert recorder.outbox_ids() == Counter({i: 1 for i in ids})  # each received once, none lost
    assert sum(r["sent"] for r in results) == 60 and sum(1 for r in results if r["sent"]) >= 2
    assert {(m.status, m.attempts, m.sent_at is not None, m.lease_until) for m in rows(app).values()} \
        == {("sent", 1, True, None)}
    sent = [m for m in recorder.messages if m["X-Storefront-Outbox-Id"] == str(ids[0])][0]
    assert sent["To"] == "shopper0@example.com" and sent["Subject"] == "Your order 0"
    assert sent["From"] == app.config["MAIL_FROM"] and "Thank you, order 0." in sent.get_payload()


def test_worker_processes_deliver_each_message_exactly_once(served_db, outbox):
    app, recorder, transports = outbox
    ids = queue(app, [f"buyer{i}@example.com" for i in range(40)])
    env = {**os.environ, "STOREFRONT_ENV": "test", "DATABASE_URL": served_db[1], "FLASK_APP": "storefront:create_app",
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(transports.mail.port)}
    flask = str(Path(sys.executable).with_name("flask"))
    procs = [subprocess.Popen([flask, "storefront", "outbox", "deliver"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=90) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert recorder.outbox_ids() == Counter({i: 1 for i in ids})
    assert {m.status for m in rows(app).values()} == {"sent"}


def test_failures_are_retried_with_backoff_and_kept_with_their_reason(outbox):
    app, recorder, transports = outbox
    busy, bounce, fine = queue(app, ["a@temp.invalid", "b@bounce.invalid", "c@example.com"])
    t0 = clock.now()
    with app.app_context():
        counts = worker.deliver_pass(db.session, transports, POLICY, lambda: t0)
    assert counts == Counter(sent=1, pending=1, failed=1)
    found = rows(app)
    assert (found[fine].status, found[fine].attempts) == ("sent", 1)
    assert (found[busy].status, found[busy].attempts, found[busy].next_attempt_at) \
        == ("pending", 1, t0 + timedelta(seconds=30))
    assert "451" in found[busy].last_error
    assert (found[bounce].status, found[bounce].attempts, found[bounce].next_attempt_at) == ("failed", 1, None)
    assert "550" in found[bounce].last_error
    with app.app_context():  # not due yet: nothing happens
        assert worker.deliver_pass(db.session, transports, POLICY, lambda: t0 + timedelta(seconds=29)) == Counter()
    with app.app_context():  # second attempt after 30 s, third after another 60 s, then given up
        assert worker.deliver_pass(db.session, transports, POLICY, lambda: t0 + timedelta(seconds=30)) \
            == Counter(pending=1)
        assert rows(app)[busy].next_attempt_at == t0 + timedelta(seconds=90)
        assert worker.deliver_pass(db.session, transports, POLICY, lambda: t0 + timedelta(seconds=90)) \
            == Counter(failed=1)
    final = rows(app)[busy]
    assert (final.status, final.attempts) == ("failed", 3) and "451" in final.last_error
    assert recorder.outbox_ids() == Counter({fine: 1})


def test_an_unreachable_server_is_a_retry(outbox):
    app, _, transports = outbox
    (mid,) = queue(app, ["d@example.com"])
    down = worker.transports_from_config({**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port()})
    with app.app_context():
        assert worker.deliver_pass(db.session, down, POLICY, clock.now) == Counter(pending=1)
    message = rows(app)[mid]
    assert message.attempts == 1 and "ConnectionRefused" in message.last_error
    with app.app_context():  # the server is back: delivered on the next due attempt
        later = message.next_attempt_at
        assert worker.deliver_pass(db.session, transports, POLICY, lambda: later) == Counter(sent=1)


def test_an_abandoned_claim_is_delivered_after_its_lease(outbox):
    app, recorder, transports = outbox
    (mid,) = queue(app, ["e@example.com"])
    t0 = clock.now()
    with app.app_context():  # a worker claims, then dies before sending
        assert [c.message_id for c in outbox_module.claim(db.session, t0, limit=5, lease=timedelta(minutes=5))] \
            == [mid]
        db.session.commit()
        assert worker.deliver_pass(db.session, transports, POLICY, lambda: t0 + timedelta(minutes=4)) == Counter()
        assert worker.deliver_pass(db.session, transports, POLICY, lambda: t0 + timedelta(minutes=5)) \
            == Counter(sent=1)
    assert recorder.outbox_ids() == Counter({mid: 1})


def test_the_worker_runs_until_sigterm(served_db, outbox):
    app, recorder, transports = outbox
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the signal handling is the same on every database (one process start saved)")
    env = {**os.environ, "STOREFRONT_ENV": "test", "DATABASE_URL": served_db[1], "FLASK_APP": "storefront:create_app",
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(transports.mail.port)}
    flask = str(Path(sys.executable).with_name("flask"))
    proc = subprocess.Popen([flask, "storefront", "outbox", "worker", "--poll", "0.2"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ids = queue(app, [f"late{i}@example.com" for i in range(5)])  # arrive while it runs
        deadline = time.monotonic() + 30
        while recorder.outbox_ids() != Counter({i: 1 for i in ids}) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        assert recorder.outbox_ids() == Counter({i: 1 for i in ids})
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "5 sent" in out
    assert {m.status for m in rows(app).values()} == {"sent"}
