"""Merchant category endpoints (role "catalog"): the category tree and its
translations. Slugs are unique per locale; a category in use is not deleted."""
from __future__ import annotations

import unicodedata
from typing import Any

from flask import current_app
from flask.views import MethodView
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.admin.schemas.categories import (
    AdminCategoryCreateSchema,
    AdminCategoryListSchema,
    AdminCategorySchema,
    AdminCategoryTranslationSchema,
    AdminCategoryUpdateSchema,
)
from storefront.catalog.errors import (
    CategoryCycle,
    CategoryKeyTaken,
    CategoryNotEmpty,
    CategoryNotFound,
    InvalidSlug,
    SlugTaken,
    SourceTranslationRequired,
    TranslationNotFound,
    UnknownCategory,
)
from storefront.catalog.models import Category, CategoryTranslation, Product
from storefront.extensions import db
from storefront.i18n.fallback import parse_locale

blp = MerchantBlueprint("admin_categories", __name__, role="catalog", description="Categories: the tree and its translations.")


# --- JSON ----------------------------------------------------------------------------------


def _translation_json(t: CategoryTranslation) -> dict[str, str]:
    return {"name": t.name, "slug": t.slug}


def category_json(c: Category, product_count: int) -> dict[str, Any]:
    return {"id": c.id, "key": c.key, "parent_id": c.parent_id, "position": c.position,
            "translations": {t.locale: _translation_json(t) for t in sorted(c.translations, key=lambda t: t.locale)},
            "product_count": product_count}


def _product_counts(session: Session, ids: list[int] | None = None) -> dict[int, int]:
    stmt = select(Product.category_id, func.count(Product.id)).group_by(Product.category_id)
    if ids is not None:
        stmt = stmt.where(Product.category_id.in_(ids))
    return dict(session.execute(stmt).all())


def _one_json(session: Session, category: Category) -> dict[str, Any]:
    return category_json(category, _product_counts(session, [category.id]).get(category.id, 0))


# --- checks ------------------------------------------------------------------------------------


def _category(session: Session, category_id: int) -> Category:
    category = session.scalar(select(Category).where(Category.id == category_id)
                              .options(selectinload(Category.translations)))
    if category is None:
        raise CategoryNotFound(category=category_id)
    return category


def valid_slug(raw: str) -> str:
    """Lower-case words of letters, marks and digits in any script, joined by
    single hyphens (``garden-tools``, ``バッグ-リュック``); NFC, so one spelling
    of a word is one slug."""
    slug = unicodedata.normalize("NFC", raw.strip())
    words = slug.split("-")
    if slug != slug.lower() or not all(
        word and all(unicodedata.category(ch)[0] in "LMN" for ch in word) for word in words
    ):
        raise InvalidSlug(slug=raw)
    return slug


def checked_translations(session: Session, raw: dict[str, dict], category_id: int | None) -> dict[str, dict]:
    """Canonical locales and slugs, each slug free in its locale (but for this category)."""
    result = {parse_locale(tag): {"name": t["name"].strip(), "slug": valid_slug(t["slug"])} for tag, t in raw.items()}
    for locale, t in result.items():
        stmt = select(CategoryTranslation.category_id).where(CategoryTranslation.locale == locale,
                                                              CategoryTranslation.slug == t["slug"])
        if category_id is not None:
            stmt = stmt.where(CategoryTranslation.category_id != category_id)
        if session.scalar(stmt.limit(1)) is not None:
            raise SlugTaken(slug=t["slug"], locale=locale)
    return result


def _check_key(session: Session, key: str, category_id: int | None) -> None:
    stmt = select(Category.id).where(Category.key == key)
    if category_id is not None:
        stmt = stmt.where(Category.id != category_id)
    if session.scalar(stmt) is not None:
        raise CategoryKeyTaken(key=key)


def _check_parent(session: Session, parent_id: int | None, category_id: int | None) -> None:
    """The parent exists and is not the category or one of its descendants."""
    if parent_id is None:
        return
    parents = dict(session.execute(select(Category.id, Category.parent_id)).all())
    if parent_id not in parents:
        raise UnknownCategory(category=parent_id)
    seen, node = set(), parent_id
    while node is not None and node not in seen:
        if node == category_id:
            raise CategoryCycle()
        seen.add(node)
        node = parents.get(node)


def _last_position(session: Session, parent_id: int | None) -> int:
    siblings = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    return (session.scalar(select(func.max(Category.position)).where(siblings)) or 0) + 1


def _set_translations(category: Category, translations: dict[str, dict]) -> None:
    have = {t.locale: t for t in category.translations}
    for locale, t in translations.items():
        row = have.get(locale)
        if row is None:
            category.translations.append(CategoryTranslation(locale=locale, name=t["name"], slug=t["slug"]))
        else:
            row.name, row.slug = t["name"], t["slug"]


def _source_locale() -> str:
    return current_app.config["DEFAULT_LOCALE"]


# --- endpoints ------------------------------------------------------------------------------------


@blp.route("/categories")
class Categories(MethodView):
    @blp.response(200, AdminCategoryListSchema)
    def get(self):
        """Every category with all its translations, in tree order (position, id)."""
        rows = db.session.scalars(select(Category).options(selectinload(Category.translations))
                                  .order_by(Category.position, Category.id))
        counts = _product_counts(db.session)
        return {"items": [category_json(c, counts.get(c.id, 0)) for c in rows]}

    @blp.arguments(AdminCategoryCreateSchema)
    @blp.response(201, AdminCategorySchema)
    def post(self, data):
        """Create a category; it needs a translation in the source language (en)."""
        _check_key(db.session, data["key"], None)
        _check_parent(db.session, data["parent_id"], None)
        translations = checked_translations(db.session, data["translations"], None)
        if _source_locale() not in translations:
            raise SourceTranslationRequired(locale=_source_locale())
        position = data["position"]
        if position is None:
            position = _last_position(db.session, data["parent_id"])
        category = Category(key=data["key"], parent_id=data["parent_id"], position=position, translations=[])
        _set_translations(category, translations)
        db.session.add(category)
        db.session.flush()
        body = category_json(category, 0)
        audit.record(db.session, "create", "category", category.id, None, body)
        db.session.commit()
        return body


@blp.route("/categories/<int:category_id>")
class CategoryOne(MethodView):
    @blp.response(200, AdminCategorySchema)
    def get(self, category_id: int):
        """One category with all its translations."""
        return _one_json(db.session, _category(db.session, category_id))

    @blp.arguments(AdminCategoryUpdateSchema)
    @blp.response(200, AdminCategorySchema)
    def patch(self, data, category_id: int):
        """Change the key, the parent (null: top level), the position or some translations."""
        category = _category(db.session, category_id)
        if "key" in data:
            _check_key(db.session, data["key"], category.id)
        if "parent_id" in data:
            _check_parent(db.session, data["parent_id"], category.id)
        translations = checked_translations(db.session, data.get("translations", {}), category.id)
        before = _one_json(db.session, category)
        for field in ("key", "parent_id", "position"):
            if field in data:
                setattr(category, field, data[field])
        _set_translations(category, translations)
        db.session.flush()
        after = _one_json(db.session, category)
        if after != before:
            audit.record(db.session, "update", "category", category.id, before, after)
        db.session.commit()
        return after

    @blp.response(204)
    def delete(self, category_id: int):
        """Delete an empty category (no products, no subcategories) with its translations."""
        category = _category(db.session, category_id)
        products = _product_counts(db.session, [category.id]).get(category.id, 0)
        children = db.session.scalar(select(func.count()).select_from(Category)
                                     .where(Category.parent_id == category.id)) or 0
        if products or children:
            raise CategoryNotEmpty(products=products, subcategories=children,
                                   details={"products": products, "subcategories": children})
        before = category_json(category, 0)
        db.session.delete(category)
        audit.record(db.session, "delete", "category", category_id, before, None)
        db.session.commit()


@blp.route("/categories/<int:category_id>/translations/<string:locale>")
class CategoryTranslationOne(MethodView):
    @blp.arguments(AdminCategoryTranslationSchema)
    @blp.response(200, AdminCategorySchema)
    def put(self, data, category_id: int, locale: str):
        """Set the name and slug of the category in one locale."""
        category = _category(db.session, category_id)
        tag = parse_locale(locale)
        translations = checked_translations(db.session, {tag: data}, category.id)
        row = next((t for t in category.translations if t.locale == tag), None)
        before = _translation_json(row) if row is not None else None
        _set_translations(category, translations)
        db.session.flush()
        if before != translations[tag]:
            audit.record(db.session, "update" if before else "create", "category_translation",
                         f"{category.id}/{tag}", before, translations[tag])
        body = _one_json(db.session, category)
        db.session.commit()
        return body

    @blp.response(200, AdminCategorySchema)
    def delete(self, category_id: int, locale: str):
        """Remove a translation; the one in the source language (en) stays."""
        category = _category(db.session, category_id)
        tag = parse_locale(locale)
        if tag == _source_locale():
            raise SourceTranslationRequired(locale=tag)
        row = next((t for t in category.translations if t.locale == tag), None)
        if row is None:
            raise TranslationNotFound(locale=tag)
        before = _translation_json(row)
        category.translations.remove(row)
        db.session.flush()
        audit.record(db.session, "delete", "category_translation", f"{category.id}/{tag}", before, None)
        body = _one_json(db.session, category)
        db.session.commit()
        return body
