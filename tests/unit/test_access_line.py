"""The access line written straight to our JSON handler (storefront.api.observability.access_line,
issue 14) is the line ``logging`` would write for the same record; anything else in the way
(a filter, another handler, another formatter) gets the ordinary path."""
from __future__ import annotations

import io
import json
import logging

import pytest

from storefront.api.observability import JsonFormatter, access_line


@pytest.fixture
def loggers():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler._storefront = True  # as configure_logging marks it
    parent = logging.getLogger("access_line_test")
    parent.addHandler(handler)
    parent.propagate = False
    child = logging.getLogger("access_line_test.access")
    child.setLevel(logging.INFO)
    yield child, handler, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    parent.removeHandler(handler)
    child.filters.clear()
    for h in list(child.handlers):
        child.removeHandler(h)


def written(logger, lines) -> dict:
    access_line(logger, "/api/v1/products", 1.26, "req-0123456789")
    line = lines()[-1]
    assert line.pop("ts").endswith("+00:00")
    return line


def test_the_direct_line_is_the_line_logging_writes(loggers):
    logger, _, lines = loggers
    direct = written(logger, lines)
    logger.addFilter(lambda record: True)  # (now through Logger.handle, LogRecord and the formatter)
    ordinary = written(logger, lines)
    assert direct == ordinary == {
        "level": "INFO", "logger": "access_line_test.access", "message": "GET /api/v1/products 200",
        "request_id": "req-0123456789", "method": "GET", "path": "/api/v1/products", "status": 200,
        "duration_ms": 1.3}
    assert list(direct) == list(ordinary)  # the same order of keys


def test_another_handler_or_formatter_gets_the_record(loggers):
    logger, handler, lines = loggers
    seen: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            seen.append(record)

    logger.addHandler(Collect())
    written(logger, lines)
    assert len(seen) == 1 and seen[0].request_id == "req-0123456789" and seen[0].duration_ms == 1.3
    handler.setFormatter(logging.Formatter("%(message)s %(threadName)s"))
    logger.handlers.clear()
    access_line(logger, "/api/v1/products", 1.26, "req-0123456789")
    assert handler.stream.getvalue().splitlines()[-1] == "GET /api/v1/products 200 MainThread"
