"""Serving and loading for the HTTP benchmarks (bench/listing.py,
bench/large_catalog.py).

``serve`` starts gunicorn exactly as `make run` and the Dockerfile do
(``--config config/gunicorn.conf.py``: preloaded app, the project's sync
worker, no recycling, caches warmed before the fork); only the environment
differs (PORT, DATABASE_URL, CATALOG_CACHE_SECONDS, ...). ``load`` drives it
with wrk (C, event loop: the client costs the server little CPU) on
``CONNECTIONS`` keep-alive connections. Without wrk it says how to install it
and falls back to a threaded Python client, which eats a large share of a
small machine's CPU: figures from it understate the server and say so.
"""
from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
WRK = shutil.which("wrk")
INSTALL_WRK = "apt-get update && apt-get install -y wrk (as root; macOS: brew install wrk)"


def client_name() -> str:
    if WRK:
        return f"wrk ({WRK}), {CONNECTIONS} connections, 2 threads"
    return (f"Python threads ({CONNECTIONS} connections) -- wrk is not installed, so the client competes with the "
            f"server for CPU and the figures understate it; install wrk: {INSTALL_WRK}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, port: int, env: dict, log_path: Path | None = None) -> subprocess.Popen:
    """``gunicorn --config config/gunicorn.conf.py APP`` on ``port``, once it answers."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    out = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen([str(gunicorn), "--config", "config/gunicorn.conf.py", app], cwd=ROOT,
                            env=dict(env, PORT=str(port)), stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{app} exited with {proc.returncode}" + (f"; see {log_path}" if log_path else ""))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def load(port: int, path: str, headers: dict, seconds: float) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, errors) over ``seconds``."""
    if WRK:
        return _wrk(port, path, headers, seconds)
    return _threads(port, path, headers, seconds)


def _wrk(port: int, path: str, headers: dict, seconds: float) -> tuple[float, float, float, int]:
    command = [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in match.groups())
    return rps, p50, p99, errors


def _threads(port: int, path: str, headers: dict, seconds: float) -> tuple[float, float, float, int]:
    """16 threads, each on its own keep-alive connection."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    if not latencies:
        return 0.0, 0.0, 0.0, errors[0]
    return (len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000,
            latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, errors[0])
