"""`flask storefront orders expire` on SQLite while others write (webhooks,
shoppers): it waits its turn for the one write lock, batch by batch in short
transactions, and never crashes with "database is locked" (issue 12). The
other writer holds the lock again and again, each time longer than the
command's busy_timeout (shortened here so the test is quick)."""
from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta

import pytest

from storefront import clock
from storefront import db as storefront_db
from storefront.extensions import db
from storefront.payments.fake_gateway import FakeGateway
from storefront.payments.wiring import install
from tests.conftest import build_app
from tests.functional.shopping import checkout, ready_cart

BOOK = "BOK-MOBY-HC"


@pytest.fixture
def shop(tmp_path, monkeypatch):
    """A demo shop on an SQLite file with 7 unpaid orders whose reservation ran out."""
    path = tmp_path / "shop.db"
    app = build_app(f"sqlite:///{path}")
    gateway = FakeGateway(app.config["STRIPE_WEBHOOK_SECRET"])
    install(app, gateway)
    client = app.test_client()
    intents = []
    for _ in range(7):
        _, placed, _ = checkout(client, ready_cart(client, "DE", "DE", [(BOOK, 1)], units=20)["token"])
        intents.append(placed["payment"]["payment_intent_id"])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE \"order\" SET reserved_until = '2000-01-01 00:00:00.000000'")
    with app.app_context():
        db.engine.dispose()  # new connections get the short busy_timeout below
    monkeypatch.setattr(storefront_db, "SQLITE_BUSY_TIMEOUT_MS", 100)
    yield app, path, gateway, intents
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Writer(threading.Thread):
    """Another process's writes: the write lock taken for ``hold`` seconds, released briefly, again."""

    def __init__(self, path, hold: float = 0.4, times: int = 6) -> None:
        super().__init__(daemon=True)
        self.path, self.hold, self.times = path, hold, times
        self.started = threading.Event()
        self.commits = 0

    def run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            for _ in range(self.times):
                conn.execute("BEGIN IMMEDIATE")
                self.started.set()
                conn.execute("UPDATE stock SET quantity = quantity + 1 WHERE warehouse_code = 'DE-LEJ' "
                             "AND variant_id = (SELECT id FROM variant WHERE sku = 'BOK-PRIDE-PB')")
                time.sleep(self.hold)
                conn.execute("COMMIT")
                self.commits += 1
                time.sleep(0.05)
        finally:
            conn.close()


def statuses(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT status FROM \"order\" ORDER BY id")]


def reserved(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT s.reserved FROM stock s JOIN variant v ON v.id = s.variant_id "
                            "WHERE v.sku = ? AND s.warehouse_code = 'DE-LEJ'", (BOOK,)).fetchone()[0]


@pytest.mark.parametrize("args", [[], ["--batch", "2"]])
def test_expire_waits_its_turn_while_another_process_writes(shop, args):
    app, path, gateway, intents = shop
    assert reserved(path) == 7
    writer = Writer(path)
    writer.start()
    assert writer.started.wait(5)
    result = app.test_cli_runner().invoke(args=["storefront", "orders", "expire", *args])
    writer.join(30)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "7 unpaid orders canceled" in result.output
    assert statuses(path) == ["canceled"] * 7
    assert reserved(path) == 0
    assert writer.commits == writer.times  # the other writer was never refused either
    assert [gateway.intents[i].status for i in intents] == ["canceled"] * 7  # after each batch's commit


def test_expire_gives_up_cleanly_when_the_lock_never_frees(shop):
    app, path, _, _ = shop
    writer = Writer(path, hold=1.5, times=1)
    writer.start()
    assert writer.started.wait(5)
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["storefront", "orders", "expire", "--wait", "0.5"])
    took = time.monotonic() - started
    writer.join(10)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "the database stayed locked for 0.5 s: run the command again" in result.output
    assert took < 2.5
    assert statuses(path) == ["pending_payment"] * 7  # nothing half-done
    result = app.test_cli_runner().invoke(args=["storefront", "orders", "expire"])
    assert result.exit_code == 0 and "7 unpaid orders canceled" in result.output


def test_expire_leaves_orders_still_reserved(shop):
    app, path, _, _ = shop
    with sqlite3.connect(path) as conn:
        later = (clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S.%f")
        conn.execute("UPDATE \"order\" SET reserved_until = ? WHERE id > 5", (later,))
    result = app.test_cli_runner().invoke(args=["storefront", "orders", "expire", "--batch", "2"])
    assert result.exit_code == 0 and "5 unpaid orders canceled" in result.output
    assert statuses(path) == ["canceled"] * 5 + ["pending_payment"] * 2
