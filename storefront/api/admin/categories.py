"""Merchant category endpoints (role "catalog"): the category tree and its
translations. The rules are the catalog's (storefront.catalog.categories)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from sqlalchemy.orm import Session

from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.admin.schemas.categories import (
    AdminCategoryCreateSchema,
    AdminCategoryListSchema,
    AdminCategorySchema,
    AdminCategoryTranslationSchema,
    AdminCategoryUpdateSchema,
)
from storefront.catalog import categories, edits
from storefront.catalog.models import Category, CategoryTranslation
from storefront.extensions import db

blp = MerchantBlueprint("admin_categories", __name__, role="catalog", description="Categories: the tree and its translations.")


# --- JSON ----------------------------------------------------------------------------------


def _translation_json(t: CategoryTranslation) -> dict[str, str]:
    return {"name": t.name, "slug": t.slug}


def category_json(c: Category, product_count: int) -> dict[str, Any]:
    return {"id": c.id, "key": c.key, "parent_id": c.parent_id, "position": c.position,
            "translations": {t.locale: _translation_json(t) for t in sorted(c.translations, key=lambda t: t.locale)},
            "product_count": product_count}


def _one_json(session: Session, category: Category) -> dict[str, Any]:
    return category_json(category, categories.product_counts(session, [category.id]).get(category.id, 0))


def _translations_json(category: Category) -> dict[str, dict[str, str]]:
    return {t.locale: _translation_json(t) for t in category.translations}


def _source_locale() -> str:
    """The catalog's source language: every category keeps a translation in it."""
    return current_app.config["DEFAULT_LOCALE"]


# --- endpoints ------------------------------------------------------------------------------------


@blp.route("/categories")
class Categories(MethodView):
    @blp.response(200, AdminCategoryListSchema)
    def get(self):
        """Every category with all its translations, in tree order (position, id)."""
        rows = categories.all_categories(db.session)
        counts = categories.product_counts(db.session)
        return {"items": [category_json(c, counts.get(c.id, 0)) for c in rows]}

    @blp.arguments(AdminCategoryCreateSchema)
    @blp.response(201, AdminCategorySchema)
    def post(self, data):
        """Create a category; it needs a translation in the source language (DEFAULT_LOCALE)."""
        category = categories.create_category(db.session, data, source_locale=_source_locale())
        body = category_json(category, 0)
        audit.record(db.session, "create", "category", category.id, None, body)
        db.session.commit()
        return body


@blp.route("/categories/<int:category_id>")
class CategoryOne(MethodView):
    @blp.response(200, AdminCategorySchema)
    def get(self, category_id: int):
        """One category with all its translations."""
        return _one_json(db.session, categories.category(db.session, category_id))

    @blp.arguments(AdminCategoryUpdateSchema)
    @blp.response(200, AdminCategorySchema)
    def patch(self, data, category_id: int):
        """Change the key, the parent (null: top level), the position or some translations."""
        category = categories.category(db.session, category_id)
        before = _one_json(db.session, category)
        categories.update_category(db.session, category, data)
        after = _one_json(db.session, category)
        if after != before:
            audit.record(db.session, "update", "category", category.id, before, after)
        db.session.commit()
        return after

    @blp.response(204)
    def delete(self, category_id: int):
        """Delete an empty category (no products, no subcategories) with its translations."""
        category = categories.category(db.session, category_id)
        before = category_json(category, 0)
        categories.delete_category(db.session, category)
        audit.record(db.session, "delete", "category", category_id, before, None)
        db.session.commit()


@blp.route("/categories/<int:category_id>/translations/<locale:locale>")
class CategoryTranslationOne(MethodView):
    @blp.arguments(AdminCategoryTranslationSchema)
    @blp.response(200, AdminCategorySchema)
    def put(self, data, category_id: int, locale: str):
        """Set the name and slug of the category in one locale."""
        category = categories.category(db.session, category_id)
        edits.put_category_translation(db.session, category, locale, data)
        body = _one_json(db.session, category)
        db.session.commit()
        return body

    @blp.response(200, AdminCategorySchema)
    def delete(self, category_id: int, locale: str):
        """Remove a translation; the one in the source language (DEFAULT_LOCALE) stays."""
        category = categories.category(db.session, category_id)
        before = _translations_json(category)
        tag = categories.delete_translation(db.session, category, locale, source_locale=_source_locale())
        audit.record(db.session, "delete", "category_translation", f"{category.id}/{tag}", before[tag], None)
        body = _one_json(db.session, category)
        db.session.commit()
        return body
