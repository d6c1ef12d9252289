"""Merchant authentication: ``Authorization: Bearer <token>``.

Until API tokens with roles exist, the bootstrap token
``STOREFRONT_ADMIN_TOKEN`` is the only one and holds every role. Each
endpoint declares the role it needs with ``@requires(role)``."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import wraps
from typing import Callable

from flask import current_app, g, request

from storefront.admin.errors import Forbidden, Unauthorized

ROLES = frozenset({"admin", "catalog", "pricing", "orders"})


@dataclass(frozen=True)
class Principal:
    name: str
    roles: frozenset[str]


def authenticate() -> None:
    """``before_request`` of merchant blueprints: 401 unless a valid token is sent."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    expected = current_app.config.get("STOREFRONT_ADMIN_TOKEN") or ""
    if scheme.lower() != "bearer" or not token or not expected:
        raise Unauthorized()
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Unauthorized()
    g.principal = Principal(name="bootstrap", roles=ROLES)


def requires(role: str) -> Callable:
    """Declare the role an endpoint needs (403 without it)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal: Principal | None = g.get("principal")
            if principal is None:
                raise Unauthorized()
            if role not in principal.roles:
                raise Forbidden(role=role)
            return view(*args, **kwargs)

        wrapper._required_role = role  # type: ignore[attr-defined]
        return wrapper

    return decorator
