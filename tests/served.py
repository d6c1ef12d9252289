"""The app served as `make run` serves it, for concurrency and fault tests
(a helper module, not a test).

``served_shop(backend)`` builds a fresh demo database (a temporary SQLite file,
or a new PostgreSQL database), starts ``gunicorn --config
config/gunicorn.conf.py 'storefront:create_app()'`` on a free loopback port
with production settings, waits for ``/healthz`` and yields a ``Shop`` with the
base URL. Payments go to a private localstripe when ``stripe=True`` (its
webhooks point at the served app). The server is stopped, and the database
dropped, on exit; its log is kept on the ``Shop`` for assertions.

Usage::

    with served_shop("sqlite") as shop:
        status, body = shop.request("GET", "/api/v1/products")
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from tests.conftest import _postgres_available, _postgres_database, build_app
from tests.localstripe_server import API_KEY, LocalStripe, start_localstripe

ROOT = Path(__file__).resolve().parents[1]
ADMIN_TOKEN = "served-admin-token"
WEBHOOK_SECRET = "whsec_served"
SECRET_KEY = "served-secret-key-signing-the-console-session"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Shop:
    base_url: str
    port: int
    database_url: str
    log_path: Path
    stripe: LocalStripe | None = None
    env: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                timeout: float = 60) -> tuple[int, Any]:
        """One request on its own connection (safe from many threads): (status, JSON body or text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
            sent = {"Content-Type": "application/json", **(headers or {})} if data is not None else dict(headers or {})
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            raw = response.read().decode("utf-8", "replace")
            try:
                return response.status, json.loads(raw)
            except ValueError:
                return response.status, raw
        finally:
            conn.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def raw(self, head: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send a request head as bytes (what http.client refuses to send);
        (status, lower-cased headers, body) of the answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            try:
                sock.sendall(head)
            except OSError:  # the server answered and closed before it read everything
                pass
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head_part, _, body = data.partition(b"\r\n\r\n")
        lines = head_part.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        return int(lines[0].split()[1]), headers, body


def _wait_until_up(port: int, proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}):\n{log_path.read_text(errors='replace')[-3000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):  # not listening yet, or workers still booting
            pass
        finally:
            conn.close()  # a timed-out attempt must not leak its socket (ResourceWarning is an error)
        time.sleep(0.2)
    raise RuntimeError("the served app did not start")


@contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'storefront.db'}"
        return
    problem = _postgres_available()
    if problem is not None:
        import pytest

        pytest.skip(f"PostgreSQL unavailable: {problem}")
    with _postgres_database() as url:
        yield url


@contextmanager
def served_shop(backend: str, *, env: dict[str, str] | None = None, workers: int = 2,
                stripe: bool = False) -> Iterator[Shop]:
    """A fresh demo shop on ``backend`` ("sqlite" or "postgresql") served by gunicorn."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(_database(backend, tmp))
        app = build_app(url)
        from storefront.extensions import db

        with app.app_context():
            db.engine.dispose()
        port = free_port()
        ls = None
        if stripe:
            ls = start_localstripe()
            stack.callback(ls.stop)
            ls.register_webhook(f"http://127.0.0.1:{port}/api/v1/payments/stripe/webhook", WEBHOOK_SECRET)
        settings = {
            "STOREFRONT_ENV": "production", "DATABASE_URL": url, "PORT": str(port), "WEB_CONCURRENCY": str(workers),
            "STRIPE_SECRET_KEY": API_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STOREFRONT_ADMIN_TOKEN": ADMIN_TOKEN, "LOG_LEVEL": "WARNING", "SECRET_KEY": SECRET_KEY,
            **({"STRIPE_API_BASE": ls.base_url} if ls else {}), **(env or {}),
        }
        log_path = tmp / "server.log"
        log = stack.enter_context(log_path.open("w"))
        gunicorn = Path(sys.executable).with_name("gunicorn")
        proc = subprocess.Popen([str(gunicorn), "--config", "config/gunicorn.conf.py", "storefront:create_app()"],
                                cwd=ROOT, env={**os.environ, **settings}, stdout=log, stderr=log)

        def stop() -> None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

        stack.callback(stop)
        _wait_until_up(port, proc, log_path)
        yield Shop(f"http://127.0.0.1:{port}", port, url, log_path, ls, settings)


def reads_around(shop: Shop, url: str, value, change, *, readers: int = 6, headers: dict[str, str] | None = None,
                 before: float = 1.0, after: float = 1.0) -> tuple[list[tuple[float, float, int, Any]], float, float]:
    """``readers`` threads GET ``url`` over and over while ``change()`` runs
    ``before`` seconds in: every read as (started, done, status, ``value(body)``
    or the error's text), and when the change was asked and when it returned."""
    import threading

    seen: list[tuple[float, float, int, Any]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            started = time.monotonic()
            status, body = shop.request("GET", url, headers=headers)
            seen.append((started, time.monotonic(), status, value(body) if status == 200 else str(body)[:200]))

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    time.sleep(before)
    asked = time.monotonic()
    try:
        change()
    finally:
        committed = time.monotonic()
        time.sleep(after)
        stop.set()
        for thread in threads:
            thread.join(30)
    return seen, asked, committed


def set_price(shop: Shop, sku: str, market: str, amount: str) -> None:
    """The merchant sets a variant's price in a market (the admin API); it must succeed."""
    status, body = shop.request("PUT", f"/api/v1/admin/variants/{sku}/prices/{market}", {"amount": amount},
                                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert status == 200, body
