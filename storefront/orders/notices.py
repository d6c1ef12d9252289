"""What a cart and its order tell the shopper: each notice code with its
message (translated where it is shown). Checkout raises them; orders keep
the codes and repeat them in the order and its confirmation."""
from __future__ import annotations

from storefront.errors import N_

NOTICES = {
    "market_changed": N_("Your cart moved to the %(to)s market for delivery to this address; prices are now in %(currency)s."),
    "items_removed": N_("Some items are not sold in this market and were removed: %(skus)s."),
    "reverse_charge": N_("Reverse charge: the buyer accounts for the VAT. No VAT is charged."),
    "duties_due_on_delivery": N_("Import duties and taxes may be due on delivery."),
    "outside_eu_vat_area": N_("This address is outside the EU VAT area: the goods are exported without EU VAT; local import taxes apply."),
    "tax_at_address": N_("Taxes are calculated once the delivery address is known."),
    "free_shipping": N_("Free shipping."),
    "tax_estimate": N_("Sales tax is an estimate at the state rate: local taxes of the county or city may apply."),
    # Duties (storefront.checkout.duties): preferential origin, one notice per agreement (orders keep codes)
    "preferential_origin_eu_uk_tca": N_("Preferential origin under the EU-UK Trade and Cooperation Agreement: no import duty; the invoice carries the statement on origin."),
    "preferential_origin_eu_jp_epa": N_("Preferential origin under the EU-Japan Economic Partnership Agreement: no import duty; the invoice carries the statement on origin."),
    "preferential_origin_uk_jp_cepa": N_("Preferential origin under the UK-Japan Comprehensive Economic Partnership Agreement: no import duty; the invoice carries the statement on origin."),
    "preferential_origin_ch_eu_fta": N_("Preferential origin under the Switzerland-EU Free Trade Agreement: no import duty; the invoice carries the statement on origin."),
    "preferential_origin_ch_uk_ta": N_("Preferential origin under the Switzerland-UK Trade Agreement: no import duty; the invoice carries the statement on origin."),
    "preferential_origin_ch_jp_fepa": N_("Preferential origin under the Japan-Switzerland Free Trade and Economic Partnership Agreement: no import duty; the invoice carries the statement on origin."),
    "preferential_origin_cusma": N_("Preferential origin under the Canada-United States-Mexico Agreement (CUSMA): no import duty; the invoice carries the certification of origin."),
    "preferential_origin_eu_ca_ceta": N_("Preferential origin under the EU-Canada Comprehensive Economic and Trade Agreement (CETA): no import duty; the invoice carries the statement on origin."),
    "excise_at_import": N_("Alcoholic beverages are excise goods: they are declared at import outside the low-value scheme, where import VAT and excise duty are assessed."),
    "duty_by_weight_not_estimated": N_("Some items are dutiable by weight; their import duty is assessed at the border and is not included in this estimate."),
    "tariff_code_missing": N_("Some items cannot be shipped to this address yet: their customs tariff code is missing. Please contact us."),
}

# The legal wording a notice must carry under the order's tax rule (an invoice
# mention required by law), where it is more specific than the code's message:
# - EU B2B goods: an exempt intra-Community supply, Art. 138 of Directive
#   2006/112/EC; the invoice says so (Art. 226(11): "Exempt intra-Community
#   supply" or equivalent) with both VAT numbers (Art. 226(3), (4)). Art. 196
#   (the reverse charge on services) does not apply to goods.
# - UK B2B goods of at most GBP 135 from overseas: HMRC, "VAT and overseas goods
#   sold directly to customers in the UK": "reverse charge: customer to account
#   for VAT to HMRC".
RULE_NOTICES = {
    ("reverse_charge", "eu_reverse_charge"): N_(
        "VAT-exempt intra-Community supply of goods (Art. 138 of Directive 2006/112/EC); the buyer accounts "
        "for the VAT. Seller’s VAT number: %(seller)s. Buyer’s VAT number: %(buyer)s."),
    ("reverse_charge", "uk_reverse_charge"): N_(
        "Reverse charge: customer to account for VAT to HMRC. No VAT is charged."),
}


def notice_message(code: str, rule: str | None = None, *, seller_vat_id: str | None = None,
                   buyer_vat_id: str | None = None) -> tuple[str, dict[str, str]]:
    """(message id, parameters) of a notice as its order shows it under ``rule``."""
    specific = RULE_NOTICES.get((code, rule or ""))
    if specific is not None:
        params = {"seller": seller_vat_id or "–", "buyer": buyer_vat_id or "–"} if "%(" in specific else {}
        return specific, params
    return NOTICES.get(code, code), {}
