"""Errors of the catalog: products, variants, categories and their translations."""
from storefront.errors import N_, Conflict, NotFound, StorefrontError


class ProductNotFound(NotFound):
    """``product`` is the id (merchant API) or the slug (shop)."""

    code = "product_not_found"
    message = N_("There is no product “%(product)s”.")


class CategoryNotFound(NotFound):
    code = "category_not_found"
    message = N_("There is no category “%(category)s”.")


class VariantNotFound(NotFound):
    code = "variant_not_found"
    message = N_("There is no variant with SKU “%(sku)s”.")


class TranslationNotFound(NotFound):
    """A product or category has no translation in that locale."""

    code = "translation_not_found"
    message = N_("There is no translation in %(locale)s.")


class ProductKeyTaken(Conflict):
    code = "product_key_taken"
    message = N_("Another product already uses the key “%(key)s”.")


class CategoryKeyTaken(Conflict):
    code = "category_key_taken"
    message = N_("Another category already uses the key “%(key)s”.")


class SkuTaken(Conflict):
    code = "sku_taken"
    message = N_("Another variant already uses the SKU “%(sku)s”.")


class SlugTaken(Conflict):
    code = "slug_taken"
    message = N_("The slug “%(slug)s” is already used in %(locale)s.")


class InvalidSlug(StorefrontError):
    # Category slugs follow exactly this rule; product slugs a looser one that
    # every slug of this form satisfies.
    code = "invalid_slug"
    http_status = 422
    message = N_("“%(slug)s” is not a valid slug: lower-case words joined by single hyphens.")


class SourceTranslationRequired(StorefrontError):
    """A product or category must keep its translation in the source language
    (missing on create: 422; deleting a product's: 409, as it always was)."""

    code = "source_translation_required"
    http_status = 422
    message = N_("A translation in %(locale)s, the catalog's source language, is required.")


class UnknownCategory(StorefrontError):
    """A category named in a request body (a product's, a parent) that does not exist."""

    code = "unknown_category"
    http_status = 422
    message = N_("There is no category “%(category)s”.")


class CategoryCycle(StorefrontError):
    code = "category_cycle"
    http_status = 422
    message = N_("A category cannot be placed under itself or one of its subcategories.")


class CategoryNotEmpty(Conflict):
    code = "category_not_empty"
    message = N_("%(products)s products and %(subcategories)s subcategories are in this category; move them first.")


class UnknownOptionValue(StorefrontError):
    code = "unknown_option_value"
    http_status = 422
    message = N_("“%(value)s” is not a value of the option “%(option)s”.")


class VariantOptionsMismatch(StorefrontError):
    code = "variant_options_mismatch"
    http_status = 422
    message = N_("Each variant must give exactly one value for every option of the product (%(options)s).")


class DuplicateVariantOptions(Conflict):
    code = "duplicate_variant_options"
    message = N_("Two variants of this product have the same options.")


class InvalidTaxCategory(StorefrontError):
    code = "invalid_tax_category"
    http_status = 422
    message = N_("“%(category)s” is not a tax category.")


class VariantInOrders(Conflict):
    code = "variant_in_orders"
    message = N_("“%(sku)s” has been ordered and cannot be deleted; archive the product instead.")


class LastVariant(Conflict):
    code = "last_variant"
    message = N_("A product keeps at least one variant.")
