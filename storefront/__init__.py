"""storefront: one product catalog, many markets.

The application factory is ``storefront.app.create_app``; ``storefront:create_app``
(the entry point gunicorn, ``flask --app`` and the Dockerfile use) resolves to it
on first use, so importing a pure module of the package never loads Flask."""
from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        # The one deliberate lazy import: the package's entry point, kept out of
        # ``import storefront.money`` and every other pure module.
        from storefront.app import create_app

        return create_app
    raise AttributeError(f"module 'storefront' has no attribute {name!r}")
