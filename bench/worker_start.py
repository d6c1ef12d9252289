"""A new worker's first answers, served as `make run` serves it (gunicorn with
config/gunicorn.conf.py, preloaded app), with the caches warmed in the master
before the fork (WARM_CACHES=true, the default) beside the same server without
warming, on SQLite and PostgreSQL (issue 14: "worker start to first fast
answer under 100 ms after fork").

    .venv/bin/python bench/worker_start.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.served import served_shop  # noqa: E402

PATH = "/api/v1/products?market=DE&locale=de-DE"
CATEGORY = "/api/v1/products?market=JP&category=books&sort=price"


def first_answers(backend: str, warm: bool) -> list[float]:
    with served_shop(backend, env={"WARM_CACHES": "true" if warm else "false"}, workers=2) as shop:
        times = []
        for path in (PATH, PATH, CATEGORY, CATEGORY):
            started = time.perf_counter()
            status, _ = shop.request("GET", path)
            assert status == 200, (path, status)
            times.append((time.perf_counter() - started) * 1000)
        return times


def main() -> None:
    print(f"{'backend':<11} {'warm':<6} first four answers (ms; two workers, so each gets two)")
    for backend in ("sqlite", "postgresql"):
        for warm in (False, True):
            times = first_answers(backend, warm)
            print(f"{backend:<11} {str(warm):<6} " + "  ".join(f"{t:6.1f}" for t in times))


if __name__ == "__main__":
    main()
