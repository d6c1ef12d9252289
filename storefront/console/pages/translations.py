"""Translations (role "catalog", as the merchant API's translation endpoints):
every product and category in every market locale, missing / outdated /
done (storefront.catalog.translations, the rule of /admin/translations/status),
and a side-by-side editor with the source text; a blank slug is kept or
derived from the name. Writes go through storefront.catalog.edits, as the API's."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from storefront import clock
from storefront.api.admin.schemas.categories import AdminCategoryTranslationSchema
from storefront.api.admin.schemas.products import TranslationInputSchema
from storefront.catalog import categories, edits
from storefront.catalog import translations as status
from storefront.catalog import services as catalog
from storefront.console import forms, nav
from storefront.console.blueprint import bp
from storefront.console.session import requires
from storefront.errors import StorefrontError
from storefront.extensions import db
from storefront.i18n.fallback import canonical_tag

nav.register("console.translations", _l("Translations"), role="catalog", order=60)


def _source() -> str:
    return current_app.config["DEFAULT_LOCALE"]


@bp.route("/translations")
@requires("catalog")
def translations():
    kind = request.args.get("kind") if request.args.get("kind") in ("product", "category") else None
    state = request.args.get("state") if request.args.get("state") in status.STATES else None
    items = status.overview(db.session, _source(), kind=kind)
    locales = list(items[0].states) if items else []
    if state:
        items = [i for i in items if any(s == state for s, _ in i.states.values())]
    totals = {s: sum(i.count(s) for i in items) for s in status.STATES}
    return render_template("console/translations/index.html", items=items, locales=locales, kind=kind or "",
                           state=state or "", totals=totals)


def _item(kind: str, item_id: int):
    """(name, slug, description) per locale of the product or category."""
    if kind == "product":
        p = catalog.product(db.session, item_id)
        return p, p.key, {t.locale: (t.name, t.slug, t.description, t.updated_at) for t in p.translations}
    c = categories.category(db.session, item_id)
    return c, c.key, {t.locale: (t.name, t.slug, None, t.updated_at) for t in c.translations}


@bp.route("/translations/<any(product, category):kind>/<int:item_id>/<string:locale>", methods=["GET", "POST"])
@requires("catalog")
def translations_edit(kind: str, item_id: int, locale: str):
    tag = canonical_tag(locale) or locale
    row, key, texts = _item(kind, item_id)
    errors: forms.Errors = {}
    values = None
    if request.method == "POST":
        values = request.form
        schema = TranslationInputSchema if kind == "product" else AdminCategoryTranslationSchema
        wanted = ("name", "slug", "description") if kind == "product" else ("name", "slug")
        data, errors = forms.load(schema, forms.blank_to_none(request.form, *wanted))
        if not errors:
            try:
                if kind == "product":
                    edits.put_product_translation(db.session, row, tag, data, clock.now())
                else:
                    edits.put_category_translation(db.session, row, tag, data)
                db.session.commit()
            except StorefrontError as exc:
                db.session.rollback()
                errors = forms.domain_errors(exc, {"invalid_slug": "slug", "slug_taken": "slug"}.get(exc.code))
            else:
                flash(gettext("Translation %(locale)s of %(key)s saved.", locale=tag, key=key))
                return redirect(url_for("console.translations_edit", kind=kind, item_id=item_id, locale=tag))
    own = {loc: t[3] for loc, t in texts.items()}
    state = status.state(own, tag, _source())
    return render_template("console/translations/edit.html", kind=kind, item_id=item_id, key=key, locale=tag,
                           source_locale=_source(), source=texts.get(_source()), current=texts.get(tag),
                           state=state, values=values, errors=errors), 422 if errors else 200
