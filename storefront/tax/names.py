"""What a tax is called where the shopper reads it (issue 16).

Pure. The rate data names each tax by its usual English abbreviation ("VAT",
"GST", "QST" ...): that stays the identifier (the ``tax`` field of a tax line,
merchant output, order history). Shoppers read the name the tax authority of
their language uses, looked up by locale, then by its language; a tax or a
language not listed keeps its identifier.

Sources (the authorities' own names and abbreviations):
- DE: Umsatzsteuergesetz, "Mehrwertsteuer (MwSt.)" on invoices and receipts;
  CH: ESTV, "Mehrwertsteuer (MWST)" / "taxe sur la valeur ajoutée (TVA)" /
  "imposta sul valore aggiunto (IVA)", https://www.estv.admin.ch/estv/de/home/mehrwertsteuer.html
- FR: Code général des impôts art. 256, TVA; IT: DPR 633/1972, IVA; ES: Ley
  37/1992, IVA; NL: Wet op de omzetbelasting 1968, btw (Belastingdienst).
- JP: 消費税法 (Consumption Tax Act), 国税庁 https://www.nta.go.jp/taxes/shiraberu/taxanswer/shohi/shohi.htm
- CA: CRA RC4022 and Revenu Québec: TPS/TVH (GST/HST), TVQ (QST); TVP
  (provincial sales tax, BC/SK), TVD (Manitoba retail sales tax, "taxe de
  vente au détail").
- KW/GCC: ضريبة القيمة المضافة (value added tax), GCC Unified VAT Agreement.
"""
from __future__ import annotations

# tax identifier -> locale or language -> name
NAMES: dict[str, dict[str, str]] = {
    "VAT": {"de": "MwSt.", "de-CH": "MWST", "de-LI": "MWST", "fr": "TVA", "it": "IVA", "es": "IVA", "nl": "btw",
            "ja": "付加価値税", "ar": "ضريبة القيمة المضافة"},
    "JCT": {"ja": "消費税"},
    "GST": {"fr": "TPS", "ja": "物品サービス税"},
    "HST": {"fr": "TVH"},
    "QST": {"fr": "TVQ"},
    "PST": {"fr": "TVP"},
    "RST": {"fr": "TVD"},
    "Sales tax": {"es": "Impuesto sobre las ventas", "fr": "Taxe de vente", "de": "Verkaufssteuer",
                  "ja": "売上税"},
    # Local (county, city, district) sales tax from a tax provider (storefront.tax.providers)
    "Local sales tax": {"es": "Impuesto local sobre las ventas", "fr": "Taxe de vente locale",
                        "de": "Lokale Verkaufssteuer", "ja": "地方売上税"},
}


def display_name(tax: str, locale: str) -> str:
    """The shopper-facing name of ``tax`` in ``locale`` ("de-CH", "fr-CA" ...)."""
    names = NAMES.get(tax)
    if not names:
        return tax
    return names.get(locale) or names.get(locale.split("-")[0].lower()) or tax
