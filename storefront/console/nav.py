"""The console's navigation: each page module registers its entry (a lazily
translated label, the endpoint, the role it needs, its place), so pages are
added in modules of their own. Shown only to principals holding the role;
the view checks it again (session.requires)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from storefront.admin.tokens import ROLES


@dataclass(frozen=True)
class Entry:
    endpoint: str  # "console.markets"
    label: Any  # a lazy string (flask_babel.lazy_gettext): translated when shown
    role: str  # "catalog", "pricing", "orders" or "admin" (admin sees everything)
    order: int  # smaller first: markets 10, products 20, prices 30, fx 40, sales 50, translations 60,
    #             import 70, orders 80, audit 90


_ENTRIES: dict[str, Entry] = {}


def register(endpoint: str, label: Any, role: str, order: int) -> Entry:
    """Add (or replace, on re-import) the entry for ``endpoint``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    entry = Entry(endpoint, label, role, order)
    _ENTRIES[endpoint] = entry
    return entry


def entries() -> list[Entry]:
    return sorted(_ENTRIES.values(), key=lambda e: (e.order, e.endpoint))


def visible(has_role: Callable[[str], bool]) -> list[Entry]:
    return [entry for entry in entries() if has_role(entry.role)]
