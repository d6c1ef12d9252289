"""``make run-local-payments``: the shop as ``make run`` serves it, paying on localstripe.

1. starts localstripe on 127.0.0.1:``LOCALSTRIPE_PORT`` (default 8420) with its
   state file and log in ``LOCALSTRIPE_DIR`` (default ``instance/``), so a
   restart keeps the PaymentIntents and no other localstripe on the machine
   shares them;
2. registers the webhook ``http://127.0.0.1:$PORT/api/v1/payments/stripe/webhook``
   with a fresh signing secret (localstripe forgets webhooks on restart);
3. serves the fake Stripe Tax (``storefront.devtools.fake_stripe_tax``: localstripe
   has no ``/v1/tax/calculations``) on 127.0.0.1:``STRIPE_TAX_PORT`` (default 0:
   a free port), in a thread of this process;
4. runs ``gunicorn --config config/gunicorn.conf.py 'storefront:create_app()'``
   with ``STRIPE_API_BASE``, ``STRIPE_SECRET_KEY`` and ``STRIPE_WEBHOOK_SECRET``
   set, and ``TAX_PROVIDER=stripe`` with ``STRIPE_TAX_API_BASE`` the fake's URL
   (US carts get state and local sales tax through the provider; an explicit
   ``TAX_PROVIDER=builtin`` in the environment keeps the built-in tables), and
   stops both when gunicorn exits (Ctrl-C, SIGTERM).

Run it as ``python -m storefront.devtools.local_payments`` from the project root.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from storefront.devtools.fake_stripe_tax import FakeStripeTax
from storefront.devtools.localstripe import API_KEY, LocalStripeStartError, start_localstripe

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_NAME = "storefront"  # registering again under the same name replaces it


def main() -> int:
    port = int(os.environ.get("PORT", "5000"))
    ls_port = int(os.environ.get("LOCALSTRIPE_PORT", "8420"))
    tax_port = int(os.environ.get("STRIPE_TAX_PORT") or "0")
    state_dir = Path(os.environ.get("LOCALSTRIPE_DIR") or ROOT / "instance")
    try:
        ls = start_localstripe(ls_port, state_dir)
    except LocalStripeStartError as exc:
        first = str(exc).splitlines()[0]
        print(f"run-local-payments: {first} (is LOCALSTRIPE_PORT={ls_port} taken? see "
              f"{state_dir / 'localstripe.log'})", file=sys.stderr)
        return 1
    try:
        tax = FakeStripeTax(tax_port).start()
    except OSError as exc:
        ls.stop()
        print(f"run-local-payments: fake Stripe Tax on port {tax_port}: {exc} (is STRIPE_TAX_PORT={tax_port} taken?)",
              file=sys.stderr)
        return 1
    try:
        secret = "whsec_local_" + secrets.token_hex(16)
        ls.register_webhook(f"http://127.0.0.1:{port}/api/v1/payments/stripe/webhook", secret, name=WEBHOOK_NAME)
        env = {**os.environ, "PORT": str(port), "STRIPE_API_BASE": ls.base_url, "STRIPE_SECRET_KEY": API_KEY,
               "STRIPE_WEBHOOK_SECRET": secret, "STRIPE_TAX_API_BASE": tax.url,
               "TAX_PROVIDER": os.environ.get("TAX_PROVIDER") or "stripe"}
        print(f"localstripe on {ls.base_url} (state {ls.state_path}, log {ls.log_path})\n"
              f"fake Stripe Tax on {tax.url} (TAX_PROVIDER={env['TAX_PROVIDER']})\n"
              f"pay an order from another shell:\n"
              f"  export STRIPE_API_BASE={ls.base_url} STRIPE_SECRET_KEY={API_KEY}\n"
              f"  .venv/bin/flask storefront payments pay-local ORDER_TOKEN", file=sys.stderr, flush=True)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen([str(gunicorn), "--config", "config/gunicorn.conf.py", "storefront:create_app()"],
                                  cwd=ROOT, env=env)

        def forward(signum: int, _frame: FrameType | None) -> None:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM if signum == signal.SIGINT else signum)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        code = server.wait()
        return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code
    finally:
        tax.stop()
        ls.stop()


if __name__ == "__main__":
    sys.exit(main())
