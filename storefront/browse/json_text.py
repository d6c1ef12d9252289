"""Catalog JSON, built directly (the hot path of every storefront page; the
listing book encodes its fragments with it, so both are one encoding).

The shapes are exactly the documented schemas (storefront/catalog/schemas.py,
checked by the schemathesis conformance test); building plain dicts here
avoids marshmallow's per-field machinery on thousands of fields a page, and
each product's hreflang alternates (hundreds with many markets) arrive
already encoded, so a page encodes them once per merchant change, not once
per request."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from moneyed import Money

from storefront.catalog.services import CategoryRef
from storefront.money import format_amount, quantize
from storefront.pricing.display import ShelfPrice

if TYPE_CHECKING:  # (browse.services encodes with this module)
    from storefront.browse.services import ProductView, VariantView


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
        "created_at": p.created_at.isoformat(),
    }


def dumps(value: Any) -> str:
    """Compact UTF-8 JSON, as the app's JSON provider writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def product_text(p: ProductView, locale: str, **extra: Any) -> str:
    """The product as JSON text, with its pre-encoded ``alternates`` spliced in
    (and ``extra`` fields such as ``context``)."""
    fields = [dumps(product_json(p, locale))[:-1]]
    if p.alternates_json is not None:  # lists carry them only with ?include=alternates (API.md)
        fields += [',"alternates":', p.alternates_json]
    for name, value in extra.items():
        fields += [',"', name, '":', dumps(value)]
    fields.append("}")
    return "".join(fields)


def product_list_text(texts, next_cursor: str | None, context: dict):
    """A list page from its items' JSON texts (storefront.browse.services.ProductPage.texts);
    UTF-8 bytes when the items are (a page read as bytes from the listing book)."""
    if texts and isinstance(texts[0], bytes):
        return b"".join([b'{"items":[', b",".join(texts), b'],"next_cursor":', dumps(next_cursor).encode(),
                         b',"context":', dumps(context).encode(), b"}"])
    return "".join(['{"items":[', ",".join(texts), '],"next_cursor":', dumps(next_cursor), ',"context":',
                    dumps(context), "}"])
