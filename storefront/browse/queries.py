"""SQL for the shopper catalog. Translations are resolved along the locale's
fallback chain inside the query (one LEFT JOIN per chain step, COALESCE
picks the first present), never by looping over rows in Python."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from functools import lru_cache

from sqlalchemy import (
    literal,
    literal_column,
    ColumnElement, Select, String, and_, bindparam, case, cast, exists, func, null, or_, select, union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import LargeBinary

from storefront.catalog.models import (
    Category,
    CategoryTranslation,
    ListingFragment,
    Option,
    OptionTranslation,
    OptionValue,
    OptionValueTranslation,
    Product,
    ProductListingText,
    ProductMarket,
    ProductOption,
    ProductTranslation,
    Variant,
    VariantOptionValue,
)
from storefront.cache import CacheVersion
from storefront.listing_book import BOOK
from storefront.catalog.queries import coalesce_translation
from storefront.inventory.models import Stock, WarehouseMarket
from storefront.pricing.models import ProductMinPrice, ResolvedPrice, SalePrice
from storefront.pricing.queries import active_sales_subquery

SORTS = ("name", "price", "-price", "newest")


class utf8_bytes(FunctionElement):
    """A text column read as its UTF-8 bytes: a page the book holds whole is
    joined as bytes, never decoded and encoded again (~60 µs of 50 KB a page)."""
    type = LargeBinary()
    inherit_cache = True


@compiles(utf8_bytes)
def _utf8_bytes_sqlite(element, compiler, **kw):  # SQLite stores TEXT as UTF-8: the same bytes
    return f"CAST({compiler.process(element.clauses, **kw)} AS BLOB)"


@compiles(utf8_bytes, "postgresql")
def _utf8_bytes_postgresql(element, compiler, **kw):
    return f"convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')"


def sellable(market) -> ColumnElement:
    """The product has a variant with a price in ``market``."""
    return exists(
        select(1).select_from(Variant)
        .join(ResolvedPrice, and_(ResolvedPrice.variant_id == Variant.id, ResolvedPrice.market_code == market))
        .where(Variant.product_id == Product.id)
    )


def product_sales_subquery(market, now):
    """Per product with a sale in force on one of its priced variants in
    ``market``: the lowest sale price."""
    return (
        select(Variant.product_id.label("product_id"), func.min(SalePrice.amount).label("sale_min"))
        .join(SalePrice, SalePrice.variant_id == Variant.id)
        .join(ResolvedPrice, and_(ResolvedPrice.variant_id == Variant.id, ResolvedPrice.market_code == market))
        .where(SalePrice.market_code == market, SalePrice.starts_at <= now,
               or_(SalePrice.ends_at.is_(None), SalePrice.ends_at > now))
        .group_by(Variant.product_id)
        .subquery("product_sales")
    )


def min_price_subquery(market: str, now: datetime):
    """Per product sold in ``market``: the lowest price a shopper pays now —
    its lowest regular price (the ``product_min_price`` read model) unless a
    sale in force on one of its priced variants is lower."""
    sales = product_sales_subquery(market, now)
    floor = ProductMinPrice
    lowest = case((and_(sales.c.sale_min.is_not(None), sales.c.sale_min < floor.amount), sales.c.sale_min),
                  else_=floor.amount)
    return (
        select(floor.product_id.label("product_id"), lowest.label("min_price"))
        .outerjoin(sales, sales.c.product_id == floor.product_id)
        .where(floor.market_code == market)
        .subquery("prices")
    )


def product_page_statement(
    *,
    market: str,
    now: datetime,
    chain: Sequence[str],
    product_ids: Sequence[int] | None = None,
    category_ids: Sequence[int] | None = None,
    search_pattern: str | None = None,
    sku: str | None = None,
    sort: str = "name",
    after: tuple[Any, int] | None = None,
    limit: int | None = None,
    listing_chain: Any = None,
    book_locale: Any = None,
    book_chain: Any = None,
    book_only: bool = False,
) -> Select:
    """Products sold in ``market`` (with a price there), translated, ordered by
    ``sort`` and positioned after the keyset ``after`` = (sort value, id).

    With ``listing_chain`` (the key of an indexed chain, see
    storefront.catalog.listing) the text comes from the listing read model:
    one indexed row per product instead of an outer join per chain step."""
    by_price = sort in ("price", "-price")
    stmt = (
        select(Product.id, Product.category_id, Product.tax_category, Product.tax_code, Product.created_at)
        .join(ProductMarket, and_(ProductMarket.product_id == Product.id, ProductMarket.market_code == market))
        .where(Product.status == "active")
    )
    paged_by_price = by_price and limit is not None  # see _by_price_page
    if by_price and not paged_by_price:
        prices = min_price_subquery(market, now)
        stmt = stmt.join(prices, prices.c.product_id == Product.id).add_columns(prices.c.min_price)
    elif by_price:
        pass  # the price is joined per branch (_by_price_page)
    else:
        # Otherwise only "has a price here" matters: a semi-join, no aggregate
        # over the whole catalog.
        stmt = stmt.where(sellable(market)).add_columns(null().label("min_price"))
    product_id: ColumnElement = Product.id
    if listing_chain is not None:
        text = ProductListingText
        stmt = stmt.join(text, and_(text.product_id == Product.id, text.chain == listing_chain))
        # Ordered and keyed by the read model's own columns: its index is (chain, sort_key, product_id).
        product_id, sort_key, search_text = text.product_id, text.sort_key, text.search_text
        stmt = stmt.add_columns(text.name.label("name"), text.slug.label("slug"),
                                text.description.label("description"), sort_key.label("sort_key"))
    else:
        stmt, tr = coalesce_translation(
            stmt, ProductTranslation, "product_id", Product.id, chain,
            ("name", "slug", "description", "sort_key", "search_text"),
        )
        sort_key = func.coalesce(tr["sort_key"], Product.key)
        search_text = tr["search_text"]
        stmt = stmt.add_columns(
            func.coalesce(tr["name"], Product.key).label("name"), func.coalesce(tr["slug"], Product.key).label("slug"),
            func.coalesce(tr["description"], "").label("description"), sort_key.label("sort_key"),
        )
    if product_ids is not None:
        stmt = stmt.where(Product.id.in_(product_ids))
    if category_ids is not None:
        stmt = stmt.where(Product.category_id.in_(category_ids))
    if search_pattern is not None:
        matches = [search_text.like(search_pattern, escape="\\")]
        if sku is not None:
            matches.append(Product.id.in_(select(Variant.product_id).where(Variant.sku == sku)))
        stmt = stmt.where(or_(*matches))

    if sort != "name":
        product_id = Product.id  # the tie-breaker of the product table's own indexes
    if paged_by_price:
        stmt, key, product_id, descending = _by_price_page(stmt, market, now, sort == "-price", after, limit)
        return _with_book(stmt, key, product_id, descending, market, now, book_locale, book_chain,
                          _CURSOR_COLUMN[sort] if book_only else None)
    key, descending = {
        "name": (sort_key, False),
        "price": (prices.c.min_price if by_price else None, False),
        "-price": (prices.c.min_price if by_price else None, True),
        "newest": (Product.created_at, True),
    }[sort]
    if after is not None:
        value, last_id = after
        if descending:
            stmt = stmt.where(or_(key < value, and_(key == value, product_id < last_id)))
        else:
            stmt = stmt.where(or_(key > value, and_(key == value, product_id > last_id)))
    order = (key.desc(), product_id.desc()) if descending else (key.asc(), product_id.asc())
    stmt = stmt.order_by(*order)
    if limit is not None:
        stmt = stmt.limit(page_limit(limit))
    return _with_book(stmt, key, product_id, descending, market, now, book_locale, book_chain,
                          _CURSOR_COLUMN[sort] if book_only else None)


def page_limit(limit: int) -> ColumnElement:
    """A page's LIMIT written into the statement, not bound: each shape is built
    per page size anyway (``_page_shape``), and PostgreSQL's generic plan of a
    prepared statement (psycopg prepares a statement run five times on a
    connection) then knows it walks a few rows. With ``LIMIT $1`` it assumes a
    tenth of the table: on 100,000 variants the listing took 24 ms instead of
    2.2 ms, by price 50 ms instead of 2.8 ms (issue 14)."""
    return literal_column(str(int(limit)))


def _by_price_page(base: Select, market, now, descending: bool, after, limit: int):
    """A page by price without computing every product's price: a product
    without a sale in force costs its regular lowest price (``product_min_price``),
    so the page is the first ``limit`` of (those, walked along the read model's
    (market, amount, product) index) and (the few with a sale, priced with it).
    Any product of the true page is in one of the two: one without a sale has
    only products at a lower regular price, hence lower price, before it."""
    floor = ProductMinPrice
    sales = product_sales_subquery(market, now)
    priced = base.join(floor, and_(floor.product_id == Product.id, floor.market_code == market))

    def branch(stmt: Select, price) -> Select:
        stmt = stmt.add_columns(price.label("min_price"))
        if after is not None:
            value, last_id = after
            if descending:
                stmt = stmt.where(or_(price < value, and_(price == value, Product.id < last_id)))
            else:
                stmt = stmt.where(or_(price > value, and_(price == value, Product.id > last_id)))
        order = (price.desc(), Product.id.desc()) if descending else (price.asc(), Product.id.asc())
        return select(stmt.order_by(*order).limit(page_limit(limit)).subquery())

    effective = case((sales.c.sale_min < floor.amount, sales.c.sale_min), else_=floor.amount)
    regular = branch(priced.where(Product.id.not_in(select(sales.c.product_id))), floor.amount)
    reduced = branch(priced.join(sales, sales.c.product_id == Product.id), effective)
    both = union_all(regular, reduced).subquery("by_price")
    key, product_id = both.c.min_price, both.c.id
    order = (key.desc(), product_id.desc()) if descending else (key.asc(), product_id.asc())
    return select(*both.c).order_by(*order).limit(page_limit(limit)), key, product_id, descending


# The column a page's cursor is made of, by sort (storefront.browse.services._cursor_value).
_CURSOR_COLUMN = {"name": "sort_key", "price": "min_price", "-price": "min_price", "newest": "created_at"}


def _with_book(stmt: Select, key, product_id, descending: bool, market, now, book_locale, book_chain,
               only: str | None = None) -> Select:
    """With ``only`` (a page the book must hold whole), the rows carry the fragments
    (as UTF-8 bytes), the id and the cursor's column ``only``: nothing a product built here would need."""
    if book_locale is None:
        return stmt
    # The listing book (storefront.browse.book): the page is chosen first, then
    # its products' fragments (when current) and free stock are joined to the
    # page's rows only, never to every product a sort has to look at.
    stmt = stmt.add_columns(key.label("page_key"), product_id.label("page_id"))
    page = stmt.subquery("page")
    f = ListingFragment
    outer = (
        select(*[c for c in page.c if c.key not in ("page_key", "page_id") and (only is None or c.key in ("id", only))],
               (f.body if only is None else utf8_bytes(f.body)).label("fragment_body"),
               f.variant_ids.label("fragment_variants"),
               _available_variants(market, page.c.id).label("fragment_available"))
        .select_from(page)
        .outerjoin(f, and_(
            f.market_code == market, f.locale == book_locale, f.product_id == page.c.id, f.chain == book_chain,
            f.generation == generation_subquery(), or_(f.valid_until.is_(None), f.valid_until > now),
        ))
    )
    by = (page.c.page_key.desc(), page.c.page_id.desc()) if descending else (page.c.page_key.asc(), page.c.page_id.asc())
    return outer.order_by(*by)


def generation_subquery():
    """The listing book's current generation, as the page statement compares it."""
    return select(CacheVersion.version).where(CacheVersion.name == BOOK.name).scalar_subquery()


def _available_variants(market, product_id) -> ColumnElement:
    """The product's variants with free stock in the warehouses serving ``market``,
    as "id,id,...": availability, the one thing the listing book leaves live.
    A variant is available when some serving warehouse holds more than it has
    reserved: the same as a positive sum, since ``ck_stock_reserved_within_quantity``
    keeps every warehouse's free stock at 0 or more, and the search stops at the
    first such warehouse (a fifth of the demo listing's statement, the sum took)."""
    free = (
        select(literal(1))
        .select_from(Stock)
        .join(WarehouseMarket, and_(WarehouseMarket.warehouse_code == Stock.warehouse_code,
                                    WarehouseMarket.market_code == market))
        .where(Stock.variant_id == Variant.id, Stock.quantity > Stock.reserved)
        .correlate(Variant)
        .exists()
    )
    return (
        select(func.aggregate_strings(cast(Variant.id, String), ","))
        .where(Variant.product_id == product_id, free)
        .scalar_subquery()
    )


def variants_statement(market: str, product_ids: Sequence[int], now: datetime) -> Select:
    """Variants of the products with their regular price in ``market``, the
    lowest sale price in force, and the free stock of the warehouses serving it."""
    # Correlated: summed only for the page's variants, not the whole stock table.
    free = (
        select(func.coalesce(func.sum(Stock.quantity - Stock.reserved), 0))
        .join(WarehouseMarket, WarehouseMarket.warehouse_code == Stock.warehouse_code)
        .where(WarehouseMarket.market_code == market, Stock.variant_id == Variant.id)
        .correlate(Variant)
        .scalar_subquery()
    )
    sales = active_sales_subquery(market, now)
    return (
        select(
            Variant.id, Variant.product_id, Variant.sku, ResolvedPrice.amount, ResolvedPrice.currency,
            sales.c.sale_amount, free.label("free"),
        )
        .join(ResolvedPrice, and_(ResolvedPrice.variant_id == Variant.id, ResolvedPrice.market_code == market))
        .outerjoin(sales, sales.c.variant_id == Variant.id)
        .where(Variant.product_id.in_(product_ids))
        .order_by(Variant.product_id, Variant.position, Variant.id)
    )


def variant_options_statement(product_ids: Sequence[int]) -> Select:
    """(product id, variant id, option position, option key, value id, value
    key) of the products' variants; names come from ``option_names_statements``."""
    return (
        select(Variant.product_id, VariantOptionValue.variant_id, ProductOption.position, OptionValue.option_key,
               OptionValue.id.label("value_id"), OptionValue.key)
        .join(OptionValue, OptionValue.id == VariantOptionValue.option_value_id)
        .join(Variant, Variant.id == VariantOptionValue.variant_id)
        .join(
            ProductOption,
            and_(ProductOption.product_id == Variant.product_id, ProductOption.option_key == OptionValue.option_key),
        )
        .where(Variant.product_id.in_(product_ids))
        .order_by(VariantOptionValue.variant_id, ProductOption.position)
    )


def option_names_statements(chain: Sequence[str]) -> tuple[Select, Select]:
    """Every option's and option value's name along ``chain`` (small reference
    tables: read whole, cached per process)."""
    options, tr = coalesce_translation(select(Option.key), OptionTranslation, "option_key", Option.key, chain, ("name",))
    options = options.add_columns(func.coalesce(tr["name"], Option.key).label("name"))
    values, tr = coalesce_translation(
        select(OptionValue.id), OptionValueTranslation, "option_value_id", OptionValue.id, chain, ("name",)
    )
    values = values.add_columns(func.coalesce(tr["name"], OptionValue.key).label("name"))
    return options, values


def category_counts_statement(market: str, now: datetime) -> Select:
    return (
        select(Product.category_id, func.count(Product.id))
        .join(ProductMarket, and_(ProductMarket.product_id == Product.id, ProductMarket.market_code == market))
        .where(Product.status == "active", sellable(market))
        .group_by(Product.category_id)
    )


def slug_owners_statement(slug: str) -> Select:
    return select(ProductTranslation.product_id, ProductTranslation.locale).where(ProductTranslation.slug == slug)


def category_by_slug_statement(value: str) -> Select:
    return select(CategoryTranslation.category_id).where(CategoryTranslation.slug == value).union(
        select(Category.id).where(Category.key == value)
    )


def alternates_statements(product_ids: Sequence[int]) -> tuple[Select, Select]:
    slugs = select(ProductTranslation.product_id, ProductTranslation.locale, ProductTranslation.slug).where(
        ProductTranslation.product_id.in_(product_ids)
    )
    markets = select(ProductMarket.product_id, ProductMarket.market_code).where(
        ProductMarket.product_id.in_(product_ids)
    )
    return slugs, markets


# --- prepared statements -------------------------------------------------------------
# Building these statements (aliases, COALESCE chains) costs more Python time
# than running them. The structure depends only on the locale chain, the sort
# and which filters are present; the values are bound parameters. So each
# shape is built once per process and executed with its parameters.


@lru_cache(maxsize=512)
def _page_shape(chain: tuple[str, ...], sort: str, ids: bool, categories: bool, search: bool, sku: bool,
                after: bool, limit: int | None, indexed: bool, book: bool = False, book_only: bool = False) -> Select:
    return product_page_statement(
        book_locale=bindparam("book_locale") if book else None, book_chain=bindparam("book_chain") if book else None,
        book_only=book_only,
        listing_chain=bindparam("listing_chain") if indexed else None,
        market=bindparam("market"), now=bindparam("now"), chain=chain,
        product_ids=bindparam("product_ids", expanding=True) if ids else None,
        category_ids=bindparam("category_ids", expanding=True) if categories else None,
        search_pattern=bindparam("pattern") if search else None,
        sku=bindparam("sku") if sku else None, sort=sort,
        after=(bindparam("after_value"), bindparam("after_id")) if after else None, limit=limit,
    )


def prepared_page(*, market: str, now, chain: Sequence[str], product_ids=None, category_ids=None,
                  search_pattern=None, sku=None, sort: str = "name", after=None,
                  limit: int | None = None, listing_chain: str | None = None,
                  book_locale: str | None = None, book_only: bool = False) -> tuple[Select, dict[str, Any]]:
    has_search = search_pattern is not None
    stmt = _page_shape(tuple(chain), sort, product_ids is not None, category_ids is not None, has_search,
                       has_search and bool(sku), after is not None, limit, listing_chain is not None,
                       book_locale is not None, book_only and book_locale is not None)
    params: dict[str, Any] = {"market": market, "now": now}
    if book_locale is not None:
        params["book_locale"], params["book_chain"] = book_locale, " ".join(chain)
    if listing_chain is not None:
        params["listing_chain"] = listing_chain
    if product_ids is not None:
        params["product_ids"] = list(product_ids)
    if category_ids is not None:
        params["category_ids"] = list(category_ids)
    if has_search:
        params["pattern"] = search_pattern
        if sku:
            params["sku"] = sku
    if after is not None:
        params["after_value"], params["after_id"] = after
    return stmt, params


@lru_cache(maxsize=64)
def _variants_shape() -> Select:
    return variants_statement(bindparam("market"), bindparam("product_ids", expanding=True), bindparam("now"))


@lru_cache(maxsize=8)
def _options_shape() -> Select:
    return variant_options_statement(bindparam("product_ids", expanding=True))


@lru_cache(maxsize=8)
def _alternates_shape() -> tuple[Select, Select]:
    return alternates_statements(bindparam("product_ids", expanding=True))


def prepared_variants(market: str, product_ids: Sequence[int], now) -> tuple[Select, dict[str, Any]]:
    return _variants_shape(), {"market": market, "product_ids": list(product_ids), "now": now}


def prepared_options(product_ids: Sequence[int]) -> tuple[Select, dict[str, Any]]:
    return _options_shape(), {"product_ids": list(product_ids)}


def prepared_alternates(product_ids: Sequence[int]) -> tuple[Select, Select, dict[str, Any]]:
    slugs, markets = _alternates_shape()
    return slugs, markets, {"product_ids": list(product_ids)}
