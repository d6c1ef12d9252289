"""Start a private localstripe, and pay a PaymentIntent on it (stdlib only).

localstripe 1.15 pickles its whole state to the hard-coded
``/tmp/localstripe.pickle`` on every write (``Store.dump_to_disk``) and binds
``[::]:<port>`` (default 8420). Two instances on one machine would share (and
clobber) that file and fight over the port, so the child process here:

- replaces ``Store.try_load_from_disk`` / ``Store.dump_to_disk`` with versions
  that use ``<state_dir>/localstripe.pickle`` (a fresh temp directory unless a
  directory is given, e.g. ``instance/`` for ``make run-local-payments``);
- binds ``127.0.0.1:<port>`` itself (port 0: the kernel picks a free one, with
  no window between "find a free port" and "bind it") and reports the port
  through a file in the state directory;
- exits when its stdin closes, i.e. when the parent dies without calling
  ``stop()``, so no orphan keeps running.

localstripe itself is imported only by that child (it is a test extra), so this
module loads nothing beyond the standard library.

Usage::

    ls = start_localstripe()                      # or start_localstripe(8420, Path("instance"))
    ls.register_webhook("http://127.0.0.1:5000/api/v1/payments/stripe/webhook", "whsec_test")
    pay_payment_intent(ls.base_url, API_KEY, "pi_...")   # attach a test card and confirm
    ls.stop()
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

__all__ = ["LocalStripe", "LocalStripeStartError", "LocalStripeError", "start_localstripe", "pay_payment_intent",
           "is_local_api_base", "API_KEY", "TEST_CARD"]

API_KEY = "sk_test_12345"  # localstripe accepts any "Bearer sk_..." longer than 5 chars
TEST_CARD = "pm_card_visa"  # a Stripe test PaymentMethod localstripe knows: always succeeds

_CHILD = r"""
import logging, os, pickle, socket, sys, threading
from pathlib import Path

state_dir = Path(sys.argv[1])
pickle_path = state_dir / "localstripe.pickle"
port_path = state_dir / sys.argv[3]

from localstripe import resources


def try_load_from_disk(self):
    try:
        with open(pickle_path, "rb") as f:
            old = pickle.load(f)
    except FileNotFoundError:
        return
    self.clear()
    self.update(old)


def dump_to_disk(self):
    tmp = pickle_path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, pickle_path)


resources.Store.try_load_from_disk = try_load_from_disk
resources.Store.dump_to_disk = dump_to_disk
resources.store.try_load_from_disk()  # what `localstripe` without --from-scratch does, from our file

from aiohttp import web
from localstripe import server


def exit_when_parent_goes_away():
    # os.read, not sys.stdin: a thread blocked inside the buffered reader
    # aborts interpreter shutdown ("could not acquire lock ... <stdin>").
    try:
        while os.read(0, 4096):
            pass
    finally:
        os._exit(0)


threading.Thread(target=exit_when_parent_goes_away, daemon=True).start()

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", int(sys.argv[2])))
port = sock.getsockname()[1]
tmp = port_path.with_suffix(".tmp")
tmp.write_text(str(port))
os.replace(tmp, port_path)

logger = logging.getLogger("aiohttp.access")
logger.setLevel(logging.DEBUG)
logger.addHandler(logging.StreamHandler())
web.run_app(server.app, sock=sock, access_log=logger, print=None)
"""


class LocalStripeStartError(RuntimeError):
    """localstripe did not come up; the message carries its log."""


class LocalStripeError(RuntimeError):
    """localstripe refused a request; the message carries its answer."""


@dataclass
class LocalStripe:
    base_url: str
    port: int
    process: subprocess.Popen
    state_dir: Path
    _log: IO[bytes] = field(repr=False)
    owns_state_dir: bool = True  # a temp directory, removed by stop()

    @property
    def log_path(self) -> Path:
        return self.state_dir / "localstripe.log"

    @property
    def state_path(self) -> Path:
        return self.state_dir / "localstripe.pickle"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _request(self, method: str, path: str, data: dict[str, str] | None = None, timeout: float = 5.0) -> int:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base_url + path, data=body, method=method)
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return resp.status

    def register_webhook(
        self, url: str, secret: str, name: str | None = None, events: list[str] | None = None
    ) -> str:
        """``POST /_config/webhooks/<name>``; returns the name. Not cleared by ``flush()``,
        not kept in the state file (register again after a restart)."""
        name = name or f"wh_{uuid.uuid4().hex[:12]}"
        data: list[tuple[str, str]] = [("url", url), ("secret", secret)]
        data += [("events[]", e) for e in events or []]
        body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(f"{self.base_url}/_config/webhooks/{name}", data=body, method="POST")
        with urllib.request.urlopen(req, timeout=5.0) as resp:
            resp.read()
        return name

    def flush(self) -> None:
        """``DELETE /_config/data``: forget every object (webhooks stay registered)."""
        self._request("DELETE", "/_config/data")

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate, wait, and remove the temp directory (idempotent; a given
        state directory is kept, with its state file and log)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        if not self._log.closed:
            self._log.close()
        if self.owns_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)


def _answers(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/js.stripe.com/v3/", timeout=1.0) as resp:
            resp.read()
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_localstripe(port: int = 0, state_dir: Path | None = None, timeout: float = 15.0) -> LocalStripe:
    """Start localstripe on 127.0.0.1:``port`` (0: a free one) with its state in
    ``state_dir`` (None: a fresh temp directory, state starts empty and is removed
    on stop); wait until it answers.

    Raises LocalStripeStartError (with the server log) if it exits (e.g. the port is
    taken) or does not answer within ``timeout`` seconds."""
    owns = state_dir is None
    if state_dir is None:
        state_dir = Path(tempfile.mkdtemp(prefix="localstripe-"))
    else:
        state_dir = Path(state_dir).resolve()
        state_dir.mkdir(parents=True, exist_ok=True)
    port_file = state_dir / f"localstripe-{uuid.uuid4().hex[:8]}.port"
    log = open(state_dir / "localstripe.log", "wb")
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(state_dir), str(port), port_file.name],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=state_dir,
        )
    except OSError as exc:
        log.close()
        if owns:
            shutil.rmtree(state_dir, ignore_errors=True)
        raise LocalStripeStartError(f"cannot run {sys.executable}: {exc}") from exc

    instance: LocalStripe | None = None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if instance is None and port_file.exists():
                bound = int(port_file.read_text())
                instance = LocalStripe(f"http://127.0.0.1:{bound}", bound, process, state_dir, log, owns)
            if instance is not None and _answers(instance.base_url):
                return instance
            time.sleep(0.05)
    finally:
        port_file.unlink(missing_ok=True)

    placeholder = instance or LocalStripe("", 0, process, state_dir, log, owns)
    text = placeholder.log_text()
    code = process.poll()
    placeholder.stop()
    reason = f"exited with code {code}" if code is not None else f"did not answer within {timeout:g} s"
    raise LocalStripeStartError(f"localstripe on port {port} {reason}; log:\n{text[-4000:]}")


def is_local_api_base(api_base: str | None) -> bool:
    """True for a Stripe-compatible server that is not Stripe (localstripe)."""
    host = urllib.parse.urlsplit(api_base or "").hostname or ""
    return bool(host) and host != "stripe.com" and not host.endswith(".stripe.com")


def _post(api_base: str, api_key: str, path: str, data: dict[str, str], timeout: float) -> dict:
    req = urllib.request.Request(
        api_base.rstrip("/") + path, data=urllib.parse.urlencode(data).encode(), method="POST",
        headers={"Authorization": f"Bearer {api_key}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise LocalStripeError(f"POST {path}: {exc.code} {exc.read().decode(errors='replace')[:500]}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise LocalStripeError(f"POST {path}: {api_base} does not answer ({exc})") from None


def pay_payment_intent(api_base: str, api_key: str, intent_id: str, payment_method: str = TEST_CARD,
                       timeout: float = 10.0) -> dict:
    """Pay a PaymentIntent as Stripe.js would: attach ``payment_method`` and confirm.

    localstripe refuses ``confirm`` with a ``payment_method`` argument, so it is set
    by an update first (``POST /v1/payment_intents/{id}``). On success localstripe
    sends ``payment_intent.succeeded`` to the registered webhooks. Returns the
    confirmed intent (JSON). Refuses Stripe's own hosts."""
    if not is_local_api_base(api_base):
        raise LocalStripeError(f"{api_base or 'Stripe'} is not a local Stripe server: refusing to pay")
    path = f"/v1/payment_intents/{urllib.parse.quote(intent_id, safe='')}"
    _post(api_base, api_key, path, {"payment_method": payment_method}, timeout)
    return _post(api_base, api_key, path + "/confirm", {}, timeout)
