"""Schemathesis against /api/v1/openapi.json: generated requests for every
shopper and merchant operation, a bounded number of examples each. No 5xx,
every response matches its documented schema (errors: the envelope), and
data the schema calls valid is never refused as malformed (the documented
schema is as strict as the validation; issue 16)."""
from __future__ import annotations

import os
import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from storefront.api.spec import LOCALE_PATTERN

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
ADMIN = {"Authorization": "Bearer test-admin-token"}
CHECKS = (not_a_server_error, response_schema_conformance)
#: Refusals that say the request is malformed (as opposed to a missing resource or a business rule).
#: Not among them: invalid_cursor and invalid_signature, values only the API or Stripe issue (opaque to
#: a schema). What OpenAPI 3.0 cannot say either, constraints on the keys of a map (`propertyNames` is
#: 3.1), is told apart below.
MALFORMED = {"validation_error", "invalid_locale", "invalid_characters", "bad_request", "idempotency_key_required"}


def _nul_only_in_keys(value) -> bool:
    """True when every NUL of a request body sits in a map key (undocumentable in OpenAPI 3.0)."""
    if isinstance(value, dict):
        return all(_nul_only_in_keys(v) for v in value.values())
    if isinstance(value, list):
        return all(_nul_only_in_keys(v) for v in value)
    return not (isinstance(value, str) and "\x00" in value)


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _field_errors_on_keys(details) -> bool:
    """True when every field error of a validation_error is on a map key (marshmallow's {"key": [...]})."""
    if isinstance(details, dict):
        return bool(details) and all(k == "key" or _field_errors_on_keys(v) for k, v in details.items())
    return False


def refused_valid_data(case, response) -> str | None:
    """Why a positive case (schema-valid) was refused as malformed, None when it was not."""
    if response.status_code not in (400, 422):
        return None
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return f"{response.status_code} without the envelope"
    code = error.get("code")
    if code not in MALFORMED:
        return None
    if code == "invalid_characters" and _nul_only_in_keys(case.body):
        return None
    if code == "invalid_locale" and any(re.fullmatch(LOCALE_PATTERN, k) is None for k in _keys(case.body)):
        return None  # a map keyed by locale (translations) with a key that is none
    if code == "validation_error" and _field_errors_on_keys(error.get("details", {}).get("fields")):
        return None
    return f"{response.status_code} {code}: {str(error.get('details'))[:300]}"


def test_no_server_errors_and_documented_responses(app, db_session, fake_gateway):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            response = case.call(headers=ADMIN)
            case.validate_response(response, checks=CHECKS)
            refused = refused_valid_data(case, response)
            assert refused is None, f"schema-valid data refused: {refused}; query={case.query} body={case.body}"

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert operations >= 40
    assert not failures, "\n\n".join(failures)
