"""Catalog JSON, built directly (the hot path of every storefront page).

The shapes are exactly the documented schemas (storefront/catalog/schemas.py,
checked by the schemathesis conformance test); building plain dicts here
avoids marshmallow's per-field machinery on thousands of fields a page."""
from __future__ import annotations

from typing import Any

from moneyed import Money

from storefront.catalog.services import CategoryRef, ProductView, VariantView
from storefront.money import format_amount, quantize
from storefront.pricing.display import ShelfPrice


def money_json(value: Money | None, locale: str) -> dict[str, str] | None:
    if value is None:
        return None
    code = value.currency.code
    amount = quantize(value.amount, code)
    return {"amount": str(amount), "currency": code, "formatted": format_amount(amount, code, locale)}


def price_json(p: ShelfPrice, locale: str) -> dict[str, Any]:
    return {
        "net": money_json(p.net, locale), "gross": money_json(p.gross, locale), "tax": money_json(p.tax, locale),
        "tax_rate": f"{p.tax_rate:.2f}", "tax_included": p.tax_included,
        "compare_at": money_json(p.compare_at, locale), "prior_price": money_json(p.prior_price, locale),
    }


def variant_json(v: VariantView, locale: str) -> dict[str, Any]:
    return {
        "sku": v.sku, "name": v.name, "available": v.available,
        "options": [{"option": o.option, "name": o.name, "value": o.value, "value_name": o.value_name}
                    for o in v.options],
        "price": price_json(v.price, locale),
    }


def category_json(c: CategoryRef | None) -> dict[str, Any] | None:
    return None if c is None else {"id": c.id, "slug": c.slug, "name": c.name}


def product_json(p: ProductView, locale: str) -> dict[str, Any]:
    return {
        "id": p.id, "slug": p.slug, "name": p.name, "description": p.description,
        "category": category_json(p.category), "price": price_json(p.price, locale),
        "variants": [variant_json(v, locale) for v in p.variants],
        "alternates": p.alternates,
        "created_at": p.created_at.isoformat(),
    }
