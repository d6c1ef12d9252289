"""The README's "Paying locally" loop, as a newcomer runs it (issue 16):
``python -m storefront.devtools.local_payments`` (what ``make run-local-payments``
runs) on free ports with its own database and state directory, the README's
checkout curl commands over HTTP, ``flask storefront payments pay-local TOKEN``
from a second shell, the order paid through localstripe's webhook, a refund,
and localstripe stopped with the server."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import build_app
from tests.served import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ADMIN = {"Authorization": "Bearer dev-token"}  # the README's
HEIDI = {"email": "heidi@example.ch", "name": "Heidi Meier", "line1": "Bahnhofstrasse 1", "city": "Zürich",
         "postal_code": "8001", "country": "CH"}


def call(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = None if body is None else json.dumps(body)
        sent = {**({"Content-Type": "application/json"} if data else {}), **(headers or {})}
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(port):
    try:
        return call(port, "GET", "/healthz")[0] == 200
    except (OSError, http.client.HTTPException):
        return False


@pytest.fixture
def dev_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'storefront.db'}"
    app = build_app(url)  # what `make demo` leaves: migrated, demo catalog
    from storefront.extensions import db

    with app.app_context():
        db.engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "STOREFRONT_", "STRIPE_"))}
    env.update(DATABASE_URL=url, PORT=str(port), LOCALSTRIPE_PORT="0", LOCALSTRIPE_DIR=str(tmp_path / "instance"),
               STOREFRONT_ADMIN_TOKEN="dev-token", WEB_CONCURRENCY="1", LOG_LEVEL="WARNING")
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "storefront.devtools.local_payments"], cwd=ROOT, env=env,
                                stdout=log, stderr=log)
    try:
        def up():
            if proc.poll() is not None:
                raise AssertionError(f"exited {proc.returncode}:\n{log_path.read_text()}")
            return healthy(port)

        wait_for(up, 30, "the server")
        base = re.search(r"export STRIPE_API_BASE=(\S+) STRIPE_SECRET_KEY=(\S+)", log_path.read_text())
        assert base, log_path.read_text()
        yield port, proc, {**env, "STRIPE_API_BASE": base[1], "STRIPE_SECRET_KEY": base[2]}, tmp_path, log_path
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def test_make_run_local_payments_takes_an_order_to_paid_and_refunded(dev_server):
    port, proc, shell, tmp_path, log_path = dev_server
    assert shell["STRIPE_API_BASE"].startswith("http://127.0.0.1:")
    # the README's checkout section
    status, cart = call(port, "POST", "/api/v1/carts?market=DE")
    assert status == 201, cart
    token = cart["token"]
    status, body = call(port, "POST", f"/api/v1/carts/{token}/items", {"sku": "BOK-PRIDE-PB", "quantity": 2})
    assert status == 200, body
    status, body = call(port, "PUT", f"/api/v1/carts/{token}/address", HEIDI)
    assert status == 200, body
    methods = call(port, "GET", f"/api/v1/carts/{token}/shipping-methods")[1]["items"]
    status, body = call(port, "PUT", f"/api/v1/carts/{token}/shipping-method", {"id": methods[0]["id"]})
    assert status == 200, body
    status, placed = call(port, "POST", f"/api/v1/carts/{token}/checkout",
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, placed
    order = placed["order"]
    assert placed["payment"]["payment_intent_id"].startswith("pi_")
    assert call(port, "GET", f"/api/v1/orders/{order['token']}")[1]["status"] == "pending_payment"
    # the second shell: pay with the CLI; localstripe sends payment_intent.succeeded to the webhook
    paid = subprocess.run([str(BIN / "flask"), "storefront", "payments", "pay-local", order["token"]], cwd=ROOT,
                          env=shell, capture_output=True, text=True, timeout=30)
    assert paid.returncode == 0, paid.stdout + paid.stderr + log_path.read_text()
    assert paid.stdout.splitlines()[-1] == f"order {order['token']}: paid", paid.stdout
    body = call(port, "GET", f"/api/v1/orders/{order['token']}")[1]
    assert body["status"] == "paid" and body["totals"]["paid"] == body["totals"]["total"], body
    # paying twice is refused
    again = subprocess.run([str(BIN / "flask"), "storefront", "payments", "pay-local", order["token"]], cwd=ROOT,
                           env=shell, capture_output=True, text=True, timeout=30)
    assert again.returncode == 1 and "is paid, not pending_payment" in again.stderr, again.stderr
    # a refund through the merchant API, on localstripe
    status, body = call(port, "POST", f"/api/v1/admin/orders/{order['id']}/refunds", {}, headers=ADMIN)
    assert status == 201, body
    assert call(port, "GET", f"/api/v1/orders/{order['token']}")[1]["status"] == "refunded"
    # localstripe kept its state in the given directory, not /tmp/localstripe.pickle
    assert (tmp_path / "instance" / "localstripe.pickle").stat().st_size > 0
    # stopping the server stops localstripe
    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 0, log_path.read_text()
    api = shell["STRIPE_API_BASE"].removeprefix("http://127.0.0.1:")
    with pytest.raises(OSError):
        call(int(api), "GET", "/js.stripe.com/v3/")


def readme_block(after: str) -> list[str]:
    """The lines of the first ```sh block after the text ``after`` in README.md."""
    text = (ROOT / "README.md").read_text()
    start = text.index("```sh\n", text.index(after)) + len("```sh\n")
    return text[start:text.index("```", start)].splitlines()


def test_the_readme_paying_locally_runs_as_written(dev_server):
    port, _proc, shell, _tmp, log_path = dev_server
    cart = readme_block("## Carts and checkout")
    cart = cart[:next(i for i, line in enumerate(cart) if line.startswith("K=")) + 1]
    pay = readme_block("In a second shell")
    api = shell["STRIPE_API_BASE"]
    script = "\n".join(["set -e", *cart, *pay]).replace("localhost:5000", f"localhost:{port}") \
        .replace("http://127.0.0.1:8420", api).replace(".venv/bin/flask", str(BIN / "flask"))
    env = {k: v for k, v in shell.items() if k not in ("STRIPE_API_BASE", "STRIPE_SECRET_KEY")}  # the script exports
    result = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr + log_path.read_text()[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "partially_refunded" and "paid" in lines and lines[-4].endswith(": paid"), result.stdout


def test_the_readme_seattle_cart_gets_local_tax_through_the_provider(dev_server):
    """``make run-local-payments`` serves the fake Stripe Tax and points the shop
    at it: the README's Seattle cart, run as written, shows WA's state rate and
    Seattle's local rate as two lines (10.35 %), no estimate notice (issue 13)."""
    port, _proc, shell, _tmp, log_path = dev_server
    started = re.search(r"fake Stripe Tax on (http://127\.0\.0\.1:\d+) \(TAX_PROVIDER=stripe\)", log_path.read_text())
    assert started, log_path.read_text()
    assert started[1] != shell["STRIPE_API_BASE"]  # its own server, not localstripe
    block = readme_block("A Seattle cart")
    expected = [line.removeprefix("# ") for line in block if line.startswith("# ")]
    script = "\n".join(["set -e", *[line for line in block if not line.startswith("#")]]) \
        .replace("localhost:5000", f"localhost:{port}")
    result = subprocess.run(["bash", "-c", script], cwd=ROOT, env=shell, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr + log_path.read_text()[-3000:]
    assert result.stdout.strip().splitlines() == expected, result.stdout
    assert expected[:2] == ["Local sales tax 3.85 3.97", "Sales tax 6.5 6.69"]  # 102.99 x 3.85 % and x 6.5 %


def test_pay_local_refuses_stripe_itself(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "STOREFRONT_", "STRIPE_"))}
    for base in ("", "https://api.stripe.com"):
        result = subprocess.run([str(BIN / "flask"), "storefront", "payments", "pay-local", "x" * 43], cwd=ROOT,
                                env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                                     "STRIPE_API_BASE": base, "STRIPE_SECRET_KEY": "sk_live_x"},
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 1 and "is not a local Stripe server" in result.stderr, result.stderr


def test_a_taken_localstripe_port_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {**os.environ, "LOCALSTRIPE_PORT": str(taken.getsockname()[1]), "LOCALSTRIPE_DIR": str(tmp_path),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
        result = subprocess.run([sys.executable, "-m", "storefront.devtools.local_payments"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("run-local-payments: localstripe on port"), result.stderr
