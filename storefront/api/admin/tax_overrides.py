"""Merchant tax overrides: a merchant's own rate of one tax for one category
in a jurisdiction, valid on [valid_from, valid_to). An override beats the
rate data for the same tax and category (``services.components``) and
survives reloads of the data (role "pricing")."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask.views import MethodView
from sqlalchemy import or_, select

from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.extensions import db
from storefront.api.admin.schemas.tax_overrides import (
    TaxOverrideArgsSchema,
    TaxOverrideCreateSchema,
    TaxOverrideListSchema,
    TaxOverrideSchema,
)
from storefront.tax.errors import (
    InvalidOverridePeriod,
    InvalidTaxRate,
    JurisdictionNotFound,
    OverrideNotFound,
    OverrideOverlaps,
)
from storefront.tax.models import TaxJurisdiction, TaxRate
from storefront.tax.services import TAX

blp = MerchantBlueprint("admin_tax_overrides", __name__, role="pricing", description="Merchant overrides of tax rates.")
OVERRIDE = "override"
SOURCE = "merchant override"
RATE_DECIMALS = Decimal("1e-8")  # the scale of the ``Rate`` column


def parse_rate(raw: object) -> Decimal:
    try:
        rate = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidTaxRate(rate=raw) from None
    if not rate.is_finite() or not 0 <= rate <= 100 or rate != rate.quantize(RATE_DECIMALS):
        raise InvalidTaxRate(rate=raw)
    return rate


def _state(row: TaxRate) -> dict[str, Any]:
    return {"jurisdiction": row.jurisdiction, "tax": row.tax, "category": row.category, "rate": row.rate,
            "valid_from": row.valid_from, "valid_to": row.valid_to}


@blp.route("/tax/overrides")
class TaxOverrides(MethodView):
    @blp.arguments(TaxOverrideArgsSchema, location="query")
    @blp.response(200, TaxOverrideListSchema)
    def get(self, args):
        """The merchant's overrides, past, current and future."""
        stmt = select(TaxRate).where(TaxRate.origin == OVERRIDE)
        if args.get("jurisdiction"):
            stmt = stmt.where(TaxRate.jurisdiction == args["jurisdiction"].upper())
        rows = db.session.scalars(stmt.order_by(TaxRate.jurisdiction, TaxRate.tax, TaxRate.category,
                                                TaxRate.valid_from)).all()
        return {"items": rows}

    @blp.arguments(TaxOverrideCreateSchema)
    @blp.response(201, TaxOverrideSchema)
    def post(self, data):
        """Override the rate of one tax for one category in a jurisdiction over a period."""
        code = data["jurisdiction"].strip().upper()
        # Locked: overrides of one jurisdiction are created one at a time (no overlap slips in).
        jurisdiction = db.session.scalar(select(TaxJurisdiction).where(TaxJurisdiction.code == code).with_for_update())
        if jurisdiction is None:
            raise JurisdictionNotFound(country=data["jurisdiction"])
        rate = parse_rate(data["rate"])
        valid_from, valid_to = data["valid_from"], data["valid_to"]
        if valid_to is not None and valid_to <= valid_from:
            raise InvalidOverridePeriod()
        stmt = select(TaxRate).where(
            TaxRate.origin == OVERRIDE, TaxRate.jurisdiction == code, TaxRate.tax == data["tax"],
            TaxRate.category == data["category"], or_(TaxRate.valid_to.is_(None), TaxRate.valid_to > valid_from),
        )
        if valid_to is not None:
            stmt = stmt.where(TaxRate.valid_from < valid_to)
        clash = db.session.scalars(stmt.order_by(TaxRate.valid_from).limit(1)).first()
        if clash is not None:
            raise OverrideOverlaps(id=clash.id, tax=clash.tax, category=clash.category, jurisdiction=code,
                                   details={"id": clash.id, "valid_from": clash.valid_from.isoformat(),
                                            "valid_to": clash.valid_to.isoformat() if clash.valid_to else None})
        row = TaxRate(jurisdiction=code, tax=data["tax"], category=data["category"], rate=rate,
                      valid_from=valid_from, valid_to=valid_to, source=SOURCE, origin=OVERRIDE)
        db.session.add(row)
        db.session.flush()
        audit.record(db.session, "create", "tax_override", row.id, None, _state(row))
        TAX.invalidate(db.session)
        db.session.commit()
        return row


@blp.route("/tax/overrides/<int:override_id>")
class TaxOverrideOne(MethodView):
    @blp.response(204)
    def delete(self, override_id: int):
        """Delete an override: the rate data applies again."""
        row = db.session.get(TaxRate, override_id)
        if row is None or row.origin != OVERRIDE:
            raise OverrideNotFound(id=override_id)
        before = _state(row)
        db.session.delete(row)
        audit.record(db.session, "delete", "tax_override", override_id, before, None)
        TAX.invalidate(db.session)
        db.session.commit()
