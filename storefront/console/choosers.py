"""The product chooser the price matrix and the sales pages open with: a search and a list of products."""
from __future__ import annotations

from flask import current_app, render_template, request

from storefront.catalog import edits as catalog_edits
from storefront.extensions import db


def product_chooser(title: str, hint: str, search_endpoint: str, product_endpoint: str,
                    extra: tuple[str, str] | None = None) -> str:
    """The page: ``?q=`` searched, each product linking to ``product_endpoint``; ``extra`` is a
    (endpoint, label) link beside the search."""
    q = request.args.get("q", "").strip() or None
    choices = catalog_edits.product_choices(db.session, q, current_app.config["DEFAULT_LOCALE"])
    return render_template("console/product_choice.html", choices=choices, q=q or "", title=title, hint=hint,
                           search_endpoint=search_endpoint, product_endpoint=product_endpoint, extra=extra)
