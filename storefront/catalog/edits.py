"""The merchant's translation edits, as the merchant API and the console make
them: the change and its audit entry in one function, so both front ends
write the same trail. Services take the session first and never commit."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.admin import audit
from storefront.catalog import categories
from storefront.catalog import services as catalog
from storefront.catalog.models import Category, Product, ProductTranslation


def put_product_translation(session: Session, p: Product, locale: str, data: dict[str, Any],
                            now: datetime) -> ProductTranslation:
    """Create or replace a product's translation (no slug: kept, or derived from the name), audited."""
    before = catalog.snapshot(session, p)["translations"]
    row = catalog.put_translation(session, p, locale, data, now)
    after = catalog.snapshot(session, p)
    audit.record(session, "update" if row.locale in before else "create", "translation",
                 f"{p.id}/{row.locale}", before.get(row.locale), after["translations"][row.locale])
    return row


def put_category_translation(session: Session, category: Category, locale: str, data: dict[str, Any]) -> str:
    """Set a category's name and slug in one locale (no slug: kept, or derived), audited; the canonical locale."""
    before = {t.locale: {"name": t.name, "slug": t.slug} for t in category.translations}
    tag = categories.put_translation(session, category, locale, data)
    after = {t.locale: {"name": t.name, "slug": t.slug} for t in category.translations}[tag]
    if before.get(tag) != after:
        audit.record(session, "update" if tag in before else "create", "category_translation",
                     f"{category.id}/{tag}", before.get(tag), after)
    return tag


def product_choices(session: Session, q: str | None, source_locale: str, limit: int = 50) -> list[tuple]:
    """(id, key, name in the source language) of products matching ``q``, newest first."""
    ids = catalog.search_statement(q=q).order_by(Product.id.desc()).limit(limit).subquery()
    rows = session.execute(
        select(Product.id, Product.key, ProductTranslation.name)
        .join(ids, ids.c.id == Product.id)
        .outerjoin(ProductTranslation, (ProductTranslation.product_id == Product.id)
                   & (ProductTranslation.locale == source_locale))
        .order_by(Product.id.desc())).all()
    return [(r.id, r.key, r.name or r.key) for r in rows]
