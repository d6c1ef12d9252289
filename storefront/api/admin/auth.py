"""Merchant authentication: ``Authorization: Bearer <token>``.

Tokens are API tokens created by the CLI or an admin (stored hashed, with
roles), or the bootstrap token ``STOREFRONT_ADMIN_TOKEN`` holding every role.
A merchant resource declares the role it needs once, on its
``MerchantBlueprint`` (storefront/api/admin/blueprint.py): 401 without a valid
token, 403 without the role (both before any argument is parsed), 429 after
repeated failures from one client address."""
from __future__ import annotations

import hmac
import math
import time
from dataclasses import dataclass

from flask import current_app, g, request

from storefront import clock
from storefront.admin.errors import Forbidden, TooManyFailures, Unauthorized
from storefront.admin.ratelimit import FailureWindow, RedisFailureWindow
from storefront.admin.tokens import ROLES as ROLE_NAMES
from storefront.admin.tokens import find_active
from storefront.cache import redis_client
from storefront.extensions import db

ROLES = frozenset(ROLE_NAMES)


@dataclass(frozen=True)
class Principal:
    name: str
    roles: frozenset[str]
    token_id: int | None = None


def _limiter():
    """Per process, or shared by every server through Redis when REDIS_URL is set."""
    limiter = current_app.extensions.get("auth_failures")
    if limiter is None:
        limit, window = current_app.config["AUTH_FAILURE_LIMIT"], current_app.config["AUTH_FAILURE_WINDOW_SECONDS"]
        client = redis_client()
        limiter = RedisFailureWindow(client, limit, window) if client is not None else FailureWindow(limit, window)
        current_app.extensions["auth_failures"] = limiter
    return limiter


def authenticate() -> None:
    """The request's bearer token, or 401 (429 after repeated failures)."""
    key = request.remote_addr or "-"
    limiter, now = _limiter(), time.time()  # wall clock: comparable across servers
    wait = limiter.blocked_for(key, now)
    if wait:
        raise TooManyFailures(seconds=math.ceil(wait))
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    principal = _principal(token) if scheme.lower() == "bearer" and token else None
    if principal is None:
        limiter.fail(key, now)
        raise Unauthorized()
    g.principal = principal


def _principal(token: str) -> Principal | None:
    bootstrap = current_app.config.get("STOREFRONT_ADMIN_TOKEN") or ""
    if bootstrap and hmac.compare_digest(token.encode(), bootstrap.encode()):
        return Principal(name="bootstrap", roles=ROLES)
    row = find_active(db.session, token)
    if row is None:
        return None
    row.last_used_at = clock.now()
    db.session.flush()
    return Principal(name=f"token:{row.id}:{row.name}", roles=frozenset(row.roles), token_id=row.id)


def authorize(role: str) -> None:
    """The authenticated principal holds ``role`` (``admin`` holds every role), or 403."""
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise Unauthorized()
    if role not in principal.roles and "admin" not in principal.roles:
        raise Forbidden(role=role)
