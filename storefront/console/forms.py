"""Form input through the merchant API's marshmallow schemas, and errors for the form.

``errors`` everywhere is ``{field: [message, ...]}`` in the merchant's language,
with ``"_form"`` for what belongs to no one field; templates show them with
console/macros.html (``field``, ``errors_for``, ``form_errors``)."""
from __future__ import annotations

from typing import Any, Mapping

from marshmallow import Schema, ValidationError

from storefront.api.messages import translate_messages
from storefront.console.errors import message_of
from storefront.errors import StorefrontError

Errors = dict[str, list[str]]


def _as_list(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _as_list(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _as_list(v)]
    return [str(value)]


def schema_errors(exc: ValidationError) -> Errors:
    messages = translate_messages(exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages})
    errors: Errors = {}
    for field, value in messages.items():
        errors.setdefault("_form" if field == "_schema" else field, []).extend(_as_list(value))
    return errors


def load(schema: Schema | type[Schema], data: Mapping[str, Any], **kwargs) -> tuple[Any, Errors]:
    """``(loaded, {})`` or ``(None, errors)``: the API's schema deciding what is valid."""
    instance = schema() if isinstance(schema, type) else schema
    try:
        return instance.load(data, **kwargs), {}
    except ValidationError as exc:
        return None, schema_errors(exc)


def domain_errors(exc: StorefrontError, field: str | None = None) -> Errors:
    """A service's refusal, translated as the API translates it; under ``field`` or the whole form.
    Errors that name their fields (details["fields"]) keep them."""
    errors: Errors = {}
    fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
    if isinstance(fields, dict) and fields:
        for name, value in translate_messages(fields).items():
            errors.setdefault(name, []).extend(_as_list(value))
    errors.setdefault(field or "_form", []).append(message_of(exc))
    return errors


def blank_to_none(form: Mapping[str, str], *names: str) -> dict[str, Any]:
    """The form's fields with empty inputs left out (an HTML form sends "" for an empty field)."""
    wanted = names or tuple(form.keys())
    return {name: form[name].strip() for name in wanted if name in form and form[name].strip() != ""}
