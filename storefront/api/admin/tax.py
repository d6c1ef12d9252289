"""Merchant tax endpoints: rates in force, and a tax preview of an order."""
from __future__ import annotations

from decimal import Decimal

from flask import current_app
from flask.views import MethodView
from flask_babel import gettext
from moneyed import Money

from storefront import clock
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.duties import duty_details
from storefront.db import reading_only
from storefront.extensions import db
from storefront.markets.services import market_by_code
from storefront.money import parse_amount
from storefront.checkout.quote import quote
from storefront.tax import services
from storefront.orders.notices import notice_message
from storefront.tax.rules import Destination
from storefront.tax.wiring import tax_provider
from storefront.api.admin.schemas.tax import PreviewResultSchema, PreviewSchema, RateListSchema, RatesQueryArgsSchema

blp = MerchantBlueprint("admin_tax", __name__, role="pricing", description="Tax rates and tax previews.")


@blp.route("/tax/rates")
class TaxRates(MethodView):
    @blp.arguments(RatesQueryArgsSchema, location="query")
    @blp.response(200, RateListSchema)
    def get(self, args):
        """The rates in force per jurisdiction on a date (default today), optionally for one country."""
        on = args.get("date") or clock.now().date()
        return {"date": on, "items": services.rates_in_force(db.session, on, args.get("country"))}


def _line_json(line, currency: str, determination, quantity: int | None = None) -> dict:
    return {
        "key": line.key, "quantity": quantity,
        "net": Money(line.net, currency), "tax": Money(line.tax, currency), "gross": Money(line.gross, currency),
        "taxes": [
            {"name": t.name, "rate": t.rate, "jurisdiction": t.jurisdiction, "amount": Money(t.amount, currency)}
            for t in line.taxes
        ],
        "jurisdiction": determination.jurisdiction, "rule": determination.rule,
    }


def _notice(code: str, rule: str, seller: str | None, buyer: str | None) -> dict:
    message, params = notice_message(code, rule, seller_vat_id=seller, buyer_vat_id=buyer)
    return {"code": code, "message": gettext(message, **params) if params else gettext(message)}


@blp.route("/tax/preview")
class TaxPreview(MethodView):
    @blp.arguments(PreviewSchema)
    @blp.response(200, PreviewResultSchema)
    def post(self, data):
        """Tax an order of current prices for a destination, as checkout will."""
        now = clock.now()
        market = data["market"]
        currency = market_by_code(db.session, market).currency
        shipping = parse_amount(data["shipping"], currency) if data.get("shipping") is not None else Decimal(0)
        address = data["address"]
        db.session.commit()  # a preview writes nothing: the provider is asked with no write lock held
        with reading_only():
            q = self._quote(data, market, shipping, address, now)
        r, d, duties = q.taxed.result, q.taxed.determination, q.duties
        quantities = {line.sku: line.quantity for line in q.lines}
        codes = {line.sku: line.tax_code for line in q.lines}
        notices = list(dict.fromkeys(d.notices + duties.notices + (("tax_estimate",) if q.tax_estimate else ())))
        return {
            "market": q.market, "currency": q.currency, "jurisdiction": d.jurisdiction, "rule": d.rule,
            "origin_country": q.origin_country, "seller_vat_id": q.taxed.seller_vat_id, "buyer_vat_id": d.buyer_vat_id,
            "tax_provider": q.tax_provider, "tax_calculation_id": q.tax_calculation_id,
            "lines": [{**_line_json(line, q.currency, d, quantities.get(line.key)), "tax_code": codes.get(line.key)}
                      for line in r.lines],
            "shipping": [_line_json(line, q.currency, d) for line in r.shipping],
            "tax_lines": [{"name": t.name, "rate": f"{t.rate.normalize():f}", "amount": Money(t.amount, q.currency)}
                          for t in r.tax_lines],
            "notices": [_notice(code, d.rule, q.taxed.seller_vat_id, d.buyer_vat_id) for code in notices],
            "totals": {"net": Money(r.net_total, q.currency), "tax": Money(r.tax_total, q.currency),
                       "gross": Money(r.gross_total, q.currency)},
            "duties": {"crosses_border": duties.crosses_border, "rule": duties.rule, "incoterm": duties.incoterm,
                       "estimated": Money(duties.duties, q.currency), "charged": Money(duties.charged, q.currency),
                       "vat_at_border": duties.vat_at_border, **duty_details(duties, q.currency)},
        }

    @staticmethod
    def _quote(data, market, shipping, address, now):
        return quote(
            db.session, market_code=market, items=[(i["sku"], i["quantity"]) for i in data["items"]],
            shipping=shipping, destination=Destination(address["country"].upper(), address.get("region"),
                                                   address.get("postal_code"), address.get("city")),
            vat_id=data.get("vat_id"), seller_vat_id=current_app.config.get("SELLER_VAT_ID"),
            now=now, on=data.get("date"), base_currency=current_app.config["BASE_CURRENCY"],
            tax_provider=tax_provider(),
        )
