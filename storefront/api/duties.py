"""What carts and the merchant's tax preview say about duties, line by line
(``storefront.checkout.duties.Assessment``)."""
from __future__ import annotations

from marshmallow import Schema, fields
from moneyed import Money

from storefront.api.fields import MoneySchema


class DutyLineSchema(Schema):
    sku = fields.String(required=True)
    hs_code = fields.String(allow_none=True, required=True)
    origin = fields.String(allow_none=True, required=True, metadata={"description": "Country of origin of the goods."})
    rate = fields.String(allow_none=True, required=True, metadata={
        "description": "Percent, a specific duty (\"CHF 26/100 kg\"), \"0\" under a preference; null: not estimated."})
    amount = fields.Nested(MoneySchema, required=True)
    preference = fields.String(allow_none=True, required=True, metadata={
        "description": "The trade agreement under which the goods enter duty-free (e.g. eu_uk_tca)."})


class DutyDetailsSchema(Schema):
    lines = fields.List(fields.Nested(DutyLineSchema), required=True)
    preferences = fields.List(fields.String(), required=True, metadata={
        "description": "Agreements applied (preferential origin): the invoice carries the statement on origin."})
    import_taxes_relieved = fields.Boolean(required=True, metadata={
        "description": "No import taxes are levied (a low-value relief, e.g. Canada's courier remission)."})
    missing_tariff_codes = fields.List(fields.String(), required=True, metadata={
        "description": "SKUs without a tariff code: checkout refuses them (tariff_code_missing)."})


def duty_details(assessment, currency: str) -> dict:
    """Per line: tariff code, country of origin, rate and duty (and the
    agreement granting a preference); the agreements applied; the lines
    whose tariff code is missing."""
    return {
        "lines": [{"sku": d.key, "hs_code": d.hs_code, "origin": d.origin, "rate": d.rate,
                   "amount": Money(d.amount, currency), "preference": d.agreement} for d in assessment.lines],
        "preferences": list(assessment.preferences),
        "import_taxes_relieved": assessment.vat_relieved,
        "missing_tariff_codes": list(assessment.missing_tariff_codes),
    }
