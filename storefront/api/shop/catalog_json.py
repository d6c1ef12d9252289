"""Catalog JSON for the shop endpoints: storefront.browse.json_text, where the
listing book encodes its fragments with the same functions."""
from storefront.browse.json_text import (  # noqa: F401
    category_json, dumps, money_json, price_json, product_json, product_list_text, product_text, variant_json,
)
