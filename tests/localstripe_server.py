"""Start a private localstripe for tests (a helper module, not a test).

localstripe 1.15 pickles its whole state to the hard-coded
``/tmp/localstripe.pickle`` on every write (``Store.dump_to_disk``) and binds
``[::]:<port>`` (default 8420). Two test runs on one machine would share (and
clobber) that file and fight over the port, so the child process here:

- replaces ``Store.try_load_from_disk`` / ``Store.dump_to_disk`` with versions
  that use a pickle in a fresh temp directory (state starts empty);
- binds ``127.0.0.1:0`` itself, so the kernel picks a free port with no window
  between "find a free port" and "bind it", and reports the port through a
  file in that temp directory;
- exits when its stdin closes, i.e. when the test process dies without
  calling ``stop()``, so no orphan keeps running.

Usage::

    ls = start_localstripe()
    client = stripe.StripeClient("sk_test_12345", base_addresses={"api": ls.base_url})
    ls.register_webhook("http://127.0.0.1:9999/hook", "whsec_test")
    ls.flush()
    ls.stop()
"""
from __future__ import annotations

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

__all__ = ["LocalStripe", "LocalStripeStartError", "start_localstripe", "API_KEY"]

API_KEY = "sk_test_12345"  # localstripe accepts any "Bearer sk_..." longer than 5 chars

_CHILD = r"""
import logging, os, pickle, socket, sys, threading
from pathlib import Path

state_dir = Path(sys.argv[1])
pickle_path = state_dir / "localstripe.pickle"

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
    with open(pickle_path, "wb") as f:
        pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)


resources.Store.try_load_from_disk = try_load_from_disk
resources.Store.dump_to_disk = dump_to_disk

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
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]
tmp = state_dir / "port.tmp"
tmp.write_text(str(port))
os.replace(tmp, state_dir / "port")

logger = logging.getLogger("aiohttp.access")
logger.setLevel(logging.DEBUG)
logger.addHandler(logging.StreamHandler())
web.run_app(server.app, sock=sock, access_log=logger)
"""


class LocalStripeStartError(RuntimeError):
    """localstripe did not come up; the message carries its log."""


@dataclass
class LocalStripe:
    base_url: str
    port: int
    process: subprocess.Popen
    state_dir: Path
    _log: IO[bytes] = field(repr=False)

    @property
    def log_path(self) -> Path:
        return self.state_dir / "localstripe.log"

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
        """``POST /_config/webhooks/<name>``; returns the name. Not cleared by ``flush()``."""
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
        """Terminate, wait, and remove the temp directory (idempotent)."""
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
        shutil.rmtree(self.state_dir, ignore_errors=True)


def _answers(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/js.stripe.com/v3/", timeout=1.0) as resp:
            resp.read()
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_localstripe(timeout: float = 15.0) -> LocalStripe:
    """Start localstripe on a free 127.0.0.1 port with private state; wait until it answers.

    Raises LocalStripeStartError (with the server log) if it exits or does not
    answer within ``timeout`` seconds."""
    state_dir = Path(tempfile.mkdtemp(prefix="localstripe-"))
    log = open(state_dir / "localstripe.log", "wb")
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(state_dir)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=state_dir,
        )
    except OSError as exc:
        log.close()
        shutil.rmtree(state_dir, ignore_errors=True)
        raise LocalStripeStartError(f"cannot run {sys.executable}: {exc}") from exc

    instance: LocalStripe | None = None
    deadline = time.monotonic() + timeout
    port_file = state_dir / "port"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if instance is None and port_file.exists():
            port = int(port_file.read_text())
            instance = LocalStripe(f"http://127.0.0.1:{port}", port, process, state_dir, log)
        if instance is not None and _answers(instance.base_url):
            return instance
        time.sleep(0.05)

    placeholder = instance or LocalStripe("", 0, process, state_dir, log)
    text = placeholder.log_text()
    code = process.poll()
    placeholder.stop()
    reason = f"exited with code {code}" if code is not None else f"did not answer within {timeout:g} s"
    raise LocalStripeStartError(f"localstripe {reason}; log:\n{text[-4000:]}")
