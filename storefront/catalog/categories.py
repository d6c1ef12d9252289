"""Merchant category management: the tree and its translations.

Slugs are unique per locale; a category keeps its translation in the catalog's
source language (passed in as ``source_locale``); a category in use is not
deleted. Services take the session first and never commit; each validates
fully before it writes, so a 4xx leaves nothing half-written."""
from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storefront import listing_book as book
from storefront.catalog.cache import CATALOG
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
from storefront.catalog import queries
from storefront.i18n.fallback import parse_locale


def category(session: Session, category_id: int) -> Category:
    found = session.scalar(select(Category).where(Category.id == category_id)
                           .options(selectinload(Category.translations)))
    if found is None:
        raise CategoryNotFound(category=category_id)
    return found


def all_categories(session: Session) -> list[Category]:
    """Every category with all its translations, in tree order (position, id)."""
    return list(session.scalars(select(Category).options(selectinload(Category.translations))
                                .order_by(Category.position, Category.id)))


def product_counts(session: Session, ids: list[int] | None = None) -> dict[int, int]:
    """Category id -> products in it (any status)."""
    stmt = select(Product.category_id, func.count(Product.id)).group_by(Product.category_id)
    if ids is not None:
        stmt = stmt.where(Product.category_id.in_(ids))
    return dict(session.execute(stmt).all())


# --- checks ------------------------------------------------------------------------------------


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


def derived_slug(session: Session, locale: str, name: str, category_id: int | None) -> str:
    """A slug for ``name`` free in ``locale`` (but for this category): ``slugify``
    with -2, -3 ... on a collision."""
    return queries.derived_slug(session, CategoryTranslation, "category_id", locale, name, category_id)


def _slug(session: Session, locale: str, t: dict, category_id: int | None) -> str:
    """The slug given; without one the translation's current slug (its URLs
    stay stable), else one derived from the name."""
    if t.get("slug"):
        return valid_slug(t["slug"])
    if category_id is not None:
        current = session.scalar(select(CategoryTranslation.slug).where(
            CategoryTranslation.category_id == category_id, CategoryTranslation.locale == locale))
        if current:
            return current
    return derived_slug(session, locale, t["name"], category_id)


def checked_translations(session: Session, raw: dict[str, dict], category_id: int | None) -> dict[str, dict]:
    """Canonical locales and slugs, each slug free in its locale (but for this category)."""
    tags = {tag: parse_locale(tag) for tag in raw}
    result = {tags[tag]: {"name": t["name"].strip(), "slug": _slug(session, tags[tag], t, category_id)}
              for tag, t in raw.items()}
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


def _set_translations(row: Category, translations: dict[str, dict]) -> None:
    have = {t.locale: t for t in row.translations}
    for locale, t in translations.items():
        existing = have.get(locale)
        if existing is None:
            row.translations.append(CategoryTranslation(locale=locale, name=t["name"], slug=t["slug"]))
        else:
            existing.name, existing.slug = t["name"], t["slug"]


# --- changes ------------------------------------------------------------------------------------


def create_category(session: Session, data: dict[str, Any], *, source_locale: str) -> Category:
    """A new category (``key``, ``parent_id``, ``position``: None for last,
    ``translations``), with a translation in ``source_locale``."""
    _check_key(session, data["key"], None)
    _check_parent(session, data["parent_id"], None)
    translations = checked_translations(session, data["translations"], None)
    if source_locale not in translations:
        raise SourceTranslationRequired(locale=source_locale)
    position = data["position"]
    if position is None:
        position = _last_position(session, data["parent_id"])
    row = Category(key=data["key"], parent_id=data["parent_id"], position=position, translations=[])
    _set_translations(row, translations)
    session.add(row)
    session.flush()
    CATALOG.invalidate(session)
    book.touch(session, ())  # no product is in it yet: no listed product shows it
    return row


def _touch_products_in(session: Session, row: Category) -> None:
    """A listed product shows its own category's id, slug and name (not its
    parents, key or position): those products' fragments are rebuilt, the rest
    of the book stays current (a whole-book rebuild made every category edit
    take ~0.4 s on the demo, and on a catalog past LISTING_BOOK_INLINE_LIMIT left
    every listing the long way until the scheduled refresh)."""
    book.touch(session, session.scalars(select(Product.id).where(Product.category_id == row.id)))


def update_category(session: Session, row: Category, data: dict[str, Any]) -> None:
    """Change the fields given: the key, the parent (None: top level), the
    position, some translations (the others stay)."""
    if "key" in data:
        _check_key(session, data["key"], row.id)
    if "parent_id" in data:
        _check_parent(session, data["parent_id"], row.id)
    translations = checked_translations(session, data.get("translations", {}), row.id)
    for field in ("key", "parent_id", "position"):
        if field in data:
            setattr(row, field, data[field])
    _set_translations(row, translations)
    session.flush()
    CATALOG.invalidate(session)
    _touch_products_in(session, row)


def delete_category(session: Session, row: Category) -> None:
    """Delete an empty category (no products, no subcategories) with its translations."""
    products = product_counts(session, [row.id]).get(row.id, 0)
    children = session.scalar(select(func.count()).select_from(Category)
                              .where(Category.parent_id == row.id)) or 0
    if products or children:
        raise CategoryNotEmpty(products=products, subcategories=children,
                               details={"products": products, "subcategories": children})
    session.delete(row)
    session.flush()
    CATALOG.invalidate(session)
    book.touch(session, ())  # empty: no listed product showed it


def put_translation(session: Session, row: Category, locale: str, data: dict[str, str]) -> str:
    """Set the name and slug in one locale; returns the canonical locale."""
    tag = parse_locale(locale)
    _set_translations(row, checked_translations(session, {tag: data}, row.id))
    session.flush()
    CATALOG.invalidate(session)
    _touch_products_in(session, row)
    return tag


def delete_translation(session: Session, row: Category, locale: str, *, source_locale: str) -> str:
    """Remove a translation (not the one in ``source_locale``); returns the canonical locale."""
    tag = parse_locale(locale)
    if tag == source_locale:
        raise SourceTranslationRequired(locale=tag)
    translation = next((t for t in row.translations if t.locale == tag), None)
    if translation is None:
        raise TranslationNotFound(locale=tag)
    row.translations.remove(translation)
    session.flush()
    CATALOG.invalidate(session)
    _touch_products_in(session, row)
    return tag
