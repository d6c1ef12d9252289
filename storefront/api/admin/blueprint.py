"""The blueprint of a merchant resource: authentication, role and OpenAPI
security declared once.

``MerchantBlueprint("admin_tax", __name__, role="pricing")`` makes every
endpoint of the resource require a bearer token holding ``role`` (or
``admin``); an endpoint that needs another role says so with
``@blp.requires("admin")``. Both checks run before flask-smorest parses any
argument, so a caller without the role gets 401/403, never the endpoint's
validation errors, and every operation documents the bearer requirement."""
from __future__ import annotations

from typing import Callable

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from storefront.admin.tokens import ROLES
from storefront.api.admin.auth import authenticate, authorize

SECURITY = [{"bearerAuth": []}]


class MerchantBlueprint(Blueprint):
    def __init__(self, name: str, import_name: str, *, role: str, **kwargs) -> None:
        _check_role(role)
        super().__init__(name, import_name, **kwargs)
        self.role = role
        self._roles: dict[tuple[str, str], str] = {}  # (endpoint, HTTP method) -> role
        self.before_request(self._authorize)

    @staticmethod
    def requires(role: str) -> Callable:
        """Another role than the resource's for one view (function or MethodView method)."""
        _check_role(role)

        def decorator(view: Callable) -> Callable:
            view._required_role = role  # type: ignore[attr-defined]
            return view

        return decorator

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        for method, doc in self._docs[endpoint].items():
            if method == "parameters":
                continue
            doc.setdefault("manual_doc", {}).setdefault("security", SECURITY)
            view = getattr(obj, method, None) if isinstance(obj, type) and issubclass(obj, MethodView) else obj
            self._roles[(endpoint, method.upper())] = getattr(view, "_required_role", self.role)

    def _authorize(self) -> None:
        authenticate()
        endpoint = (request.endpoint or "").rpartition(".")[2]
        method = "GET" if request.method == "HEAD" else request.method
        authorize(self._roles.get((endpoint, method), self.role))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
