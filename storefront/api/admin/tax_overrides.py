"""Merchant tax overrides: a merchant's own rate of one tax for one category
in a jurisdiction, valid on [valid_from, valid_to). An override beats the
rate data for the same tax and category (``services.components``) and
survives reloads of the data (role "pricing")."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.admin.schemas.tax_overrides import (
    TaxOverrideArgsSchema,
    TaxOverrideCreateSchema,
    TaxOverrideListSchema,
    TaxOverrideSchema,
)
from storefront.extensions import db
from storefront.tax import services as tax
from storefront.tax.models import TaxRate

blp = MerchantBlueprint("admin_tax_overrides", __name__, role="pricing", description="Merchant overrides of tax rates.")
def _state(row: TaxRate) -> dict[str, Any]:
    return {"jurisdiction": row.jurisdiction, "tax": row.tax, "category": row.category, "rate": row.rate,
            "valid_from": row.valid_from, "valid_to": row.valid_to}


@blp.route("/tax/overrides")
class TaxOverrides(MethodView):
    @blp.arguments(TaxOverrideArgsSchema, location="query")
    @blp.response(200, TaxOverrideListSchema)
    def get(self, args):
        """The merchant's overrides, past, current and future."""
        return {"items": tax.overrides(db.session, args.get("jurisdiction"))}

    @blp.arguments(TaxOverrideCreateSchema)
    @blp.response(201, TaxOverrideSchema)
    def post(self, data):
        """Override the rate of one tax for one category in a jurisdiction over a period."""
        row = tax.create_override(db.session, data)
        audit.record(db.session, "create", "tax_override", row.id, None, _state(row))
        db.session.commit()
        return row


@blp.route("/tax/overrides/<int:override_id>")
class TaxOverrideOne(MethodView):
    @blp.response(204)
    def delete(self, override_id: int):
        """Delete an override: the rate data applies again."""
        before = _state(tax.delete_override(db.session, override_id))
        audit.record(db.session, "delete", "tax_override", override_id, before, None)
        db.session.commit()
