"""SQL of the catalog's own data. Translations are resolved along the
locale's fallback chain inside the query (one LEFT JOIN per chain step,
COALESCE picks the first present), never by looping over rows in Python."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased

from storefront.catalog.models import Category, CategoryTranslation
from storefront.catalog.slugs import slugify, unique_slug


def coalesce_translation(
    stmt: Select, model: Any, owner_fk: str, owner: ColumnElement, chain: Sequence[str], fields: Sequence[str]
) -> tuple[Select, dict[str, ColumnElement]]:
    """Outer-join ``model`` once per locale of ``chain`` and return, per field,
    ``COALESCE(t0.field, t1.field, ...)``: the first translation present."""
    aliases = [aliased(model) for _ in chain]
    for alias, tag in zip(aliases, chain):
        stmt = stmt.outerjoin(alias, and_(getattr(alias, owner_fk) == owner, alias.locale == tag))
    # One locale: the column itself (SQLite refuses COALESCE of one argument).
    columns = {name: func.coalesce(*[getattr(a, name) for a in aliases]) if len(aliases) > 1
               else getattr(aliases[0], name) for name in fields}
    return stmt, columns


def categories_statement(chain: Sequence[str]) -> Select:
    stmt = select(Category.id, Category.key, Category.parent_id, Category.position)
    stmt, tr = coalesce_translation(stmt, CategoryTranslation, "category_id", Category.id, chain, ("name", "slug"))
    return stmt.add_columns(
        func.coalesce(tr["name"], Category.key).label("name"),
        func.coalesce(tr["slug"], Category.key).label("slug"),
    ).order_by(Category.position, Category.id)


@lru_cache(maxsize=256)
def _categories_shape(chain: tuple[str, ...]) -> Select:
    return categories_statement(chain)


def prepared_categories(chain: Sequence[str]) -> Select:
    return _categories_shape(tuple(chain))


def derived_slug(session, translation: Any, owner: str, locale: str, name: str, owner_id: int | None) -> str:
    """A slug for ``name`` free in ``locale`` among ``translation`` rows (a product's or a category's),
    except those of ``owner_id`` (the ``owner`` column): ``slugify`` with -2, -3 ... on a collision."""
    base = slugify(name)
    stmt = select(translation.slug).where(
        translation.locale == locale, (translation.slug == base) | translation.slug.like(f"{base}-%"))
    if owner_id is not None:
        stmt = stmt.where(getattr(translation, owner) != owner_id)
    return unique_slug(base, set(session.scalars(stmt)))
