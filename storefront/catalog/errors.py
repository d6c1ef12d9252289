from storefront.errors import N_, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"
    message = N_("No product “%(slug)s” is sold in this market.")


class CategoryNotFound(NotFound):
    code = "category_not_found"
    message = N_("There is no category “%(category)s”.")


class VariantNotFound(NotFound):
    code = "variant_not_found"
    message = N_("There is no variant with SKU “%(sku)s”.")
