"""Schemathesis against /api/v1/openapi.json: generated requests for every
shopper and merchant operation, a bounded number of examples each. No 5xx,
and every response matches its documented schema (errors: the envelope)."""
from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
ADMIN = {"Authorization": "Bearer test-admin-token"}
CHECKS = (not_a_server_error, response_schema_conformance)


def test_no_server_errors_and_documented_responses(app, db_session, fake_gateway):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            response = case.call(headers=ADMIN)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert operations >= 40
    assert not failures, "\n\n".join(failures)
