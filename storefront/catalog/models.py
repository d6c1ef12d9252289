"""Catalog: categories, products, options, variants and their translations.

Content translations are rows keyed by (owner, locale), resolved along a
fallback chain in SQL (storefront.browse.queries)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, CountryCode, LocaleTag, MoneyAmount, UTCDateTime, utcnow


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    translations: Mapped[list[CategoryTranslation]] = relationship(cascade="all, delete-orphan")


class CategoryTranslation(Base):
    __tablename__ = "category_translation"

    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(LocaleTag, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    # Against the source language's: an older translation is outdated (storefront.catalog.translations).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("locale", "slug"),)


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The merchant's stable handle (imports, exports, URLs of merchant tools).
    key: Mapped[str] = mapped_column(String(100), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    tax_category: Mapped[str] = mapped_column(String(32), default="standard")
    # A product tax code (Stripe's, e.g. txcd_30011000, or a project sub-code:
    # storefront/tax/data/taxability.json); None: taxed by tax_category alone.
    tax_code: Mapped[str | None] = mapped_column(String(32))
    hs_code: Mapped[str | None] = mapped_column(String(10))
    origin_country: Mapped[str | None] = mapped_column(CountryCode)
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    translations: Mapped[list[ProductTranslation]] = relationship(cascade="all, delete-orphan")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )
    options: Mapped[list[ProductOption]] = relationship(cascade="all, delete-orphan", order_by="ProductOption.position")

    __table_args__ = (Index("ix_product_status_created", "status", "created_at", "id"),)


class ProductTranslation(Base):
    __tablename__ = "product_translation"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(LocaleTag, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    # Derived on write (storefront.i18n.text): case- and accent-folded text
    # for search and a sort key for name ordering, identical on every backend.
    search_text: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("locale", "slug"), Index("ix_product_translation_slug", "slug"))


class ProductMarket(Base):
    """The product is sold in the market (absent row: withdrawn from it)."""

    __tablename__ = "product_market"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_product_market_market", "market_code", "product_id"),)


class Option(Base):
    __tablename__ = "option"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    translations: Mapped[list[OptionTranslation]] = relationship(cascade="all, delete-orphan")


class OptionTranslation(Base):
    __tablename__ = "option_translation"

    option_key: Mapped[str] = mapped_column(ForeignKey("option.key", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(LocaleTag, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class OptionValue(Base):
    __tablename__ = "option_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    option_key: Mapped[str] = mapped_column(ForeignKey("option.key", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    translations: Mapped[list[OptionValueTranslation]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("option_key", "key"),)


class OptionValueTranslation(Base):
    __tablename__ = "option_value_translation"

    option_value_id: Mapped[int] = mapped_column(ForeignKey("option_value.id", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(LocaleTag, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class ProductOption(Base):
    """The options a product varies by, in display order."""

    __tablename__ = "product_option"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    option_key: Mapped[str] = mapped_column(ForeignKey("option.key"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Variant(Base):
    __tablename__ = "variant"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The merchant's base price in the base currency (config BASE_CURRENCY);
    # markets without an explicit price derive theirs from it (pricing issue).
    base_price: Mapped[Decimal | None] = mapped_column(MoneyAmount)

    product: Mapped[Product] = relationship(back_populates="variants")
    option_values: Mapped[list[VariantOptionValue]] = relationship(cascade="all, delete-orphan")


class VariantOptionValue(Base):
    __tablename__ = "variant_option_value"

    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"), primary_key=True)
    option_value_id: Mapped[int] = mapped_column(ForeignKey("option_value.id"), primary_key=True)


class ProductListingText(Base):
    """Read model: a product's text as one locale's fallback chain resolves it.

    ``chain`` is the chain joined by spaces ("fr-CA fr en"). Listings join one
    row instead of coalescing an outer join per chain step, so ordering a large
    catalog by name walks ``ix_product_listing_text_sort`` and stops at a page.
    Written only by storefront.catalog.listing, for the chains in
    ``listing_chain``; everything it holds can be rebuilt from the translations."""

    __tablename__ = "product_listing_text"

    chain: Mapped[str] = mapped_column(String(120), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    sort_key: Mapped[str] = mapped_column(String(255))
    search_text: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_product_listing_text_sort", "chain", "sort_key", "product_id"),)


class ListingChain(Base):
    """A chain ``product_listing_text`` is complete for (every product has its row)."""

    __tablename__ = "listing_chain"

    chain: Mapped[str] = mapped_column(String(120), primary_key=True)


class ListingFragment(Base):
    """Read model: a product as one market and locale show it in a listing,
    already encoded (storefront.browse.book): the shelf prices with sale,
    compare-at and Omnibus prior price, tax, formatted for ``locale``, the
    texts of ``chain``. Only availability is live: each variant's
    ``"available"`` is stored ``true`` and set ``false`` per request where the
    variant has no free stock (``variant_ids`` in the fragment's order).

    Valid while ``generation`` is the book's current one (a change to what
    every fragment depends on, such as a tax rate, starts a new one) and
    until ``valid_until`` (the next start or end of a sale of its variants,
    or the next tax rate change). A missing or stale fragment makes the
    listing build that product the long way: slower, never wrong."""

    __tablename__ = "listing_fragment"

    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(35), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    chain: Mapped[str] = mapped_column(String(120))
    generation: Mapped[str] = mapped_column(String(32))
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    variant_ids: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
