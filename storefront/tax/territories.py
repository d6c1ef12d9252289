"""Special territories: parts of a country outside the EU VAT area, found by postal code.

Pure. Council Directive 2006/112/EC (the VAT Directive), Art. 5-7, as amended
by Council Directive (EU) 2019/475 (Campione d'Italia and the Italian waters
of Lake Lugano, from 2020-01-01): these territories of member states are
excluded from the territory of the Community for VAT (Art. 6), so supplies of
goods to them from the EU are exports (exempt, Art. 146) and their own import
taxes apply instead, collected on entry. Whether they are inside the EU
customs territory is Art. 4 of the Union Customs Code (Regulation (EU)
952/2013, as amended by Regulation (EU) 2019/474).
https://eur-lex.europa.eu/eli/dir/2006/112/2024-01-01 (consolidated text),
https://eur-lex.europa.eu/eli/reg/2013/952/2022-12-12 (UCC Art. 4).

Each territory says:

- ``customs``: ``EU`` (inside the Union customs territory: no duty on goods
  from the EU), ``outside`` (its own customs rules: duties and import taxes
  on delivery), or another union's code (``CH`` for Büsingen);
- ``tax_jurisdiction``: the rate data (``storefront/tax/data/rates.json``) of
  its own import tax where the project knows it (IGIC in the Canaries), or
  the jurisdiction whose VAT applies instead (Swiss VAT in Büsingen);
  ``None``: no import tax in the data (the cart says import taxes may be due
  on delivery).

Decisions:

- Büsingen am Hochrhein (DE 78266) is in the Swiss customs territory under
  the Treaty between the Federal Republic of Germany and the Swiss
  Confederation of 23 November 1964 (SR 0.631.112.136) and Swiss VAT applies
  there (Bundesgesetz über die Mehrwertsteuer, MWSTG, SR 641.20, Art. 3
  lit. a: "Inland" includes the territory of Büsingen): taxed as CH.
- Campione d'Italia (IT 22061, and the older 22060 when the city is
  Campione): since 2020-01-01 inside the EU customs territory (Reg. (EU)
  2019/474) and outside the VAT area (Art. 6(1)(f)); Italy levies its local
  consumption tax there (imposta locale sul consumo di Campione d'Italia,
  Legge 27 dicembre 2019 n. 160, art. 1 commi 559-568), which the data does
  not have: no VAT charged, import taxes noted.
- Livigno (IT 23041): outside the EU customs and VAT territories (UCC Art. 4;
  Art. 6(2)(e)); no import VAT is levied: nothing charged.
- Mount Athos (GR 63086): inside customs, outside VAT (Art. 6(1)(a)).
- Heligoland (DE 27498): outside customs and VAT (Art. 6(2)(a)).
- Ceuta (ES 51xxx) and Melilla (ES 52xxx): outside customs and VAT
  (Art. 6(2)(c), (d)); their IPSI (Impuesto sobre la Producción, los
  Servicios y la Importación, Ley 8/1991) rates are set by each city and are
  not in the data.
- The French outermost regions Guadeloupe 971, Martinique 972, Guyane 973,
  La Réunion 974, Mayotte 976 (Art. 6(1)(c); TFEU Art. 349) are inside the
  customs territory; French VAT at the DOM rates (Code général des impôts
  art. 294-296: 8.5 % in GP, MQ, RE; not applicable in GF and YT) and octroi
  de mer apply on import and are not in the data; Saint-Martin (97150) is an
  outermost region too. Saint-Pierre-et-Miquelon 975 and Saint-Barthélemy
  (97133) are overseas countries and territories outside both (TFEU
  Art. 355(2), Annex II).
- Åland (FI 22xxx): inside customs, outside VAT (Art. 6(1)(d)).
- Canary Islands (ES 35xxx, 38xxx): inside customs, outside VAT
  (Art. 6(1)(b)); IGIC is levied on imports at the general rate of 7 %
  (``ES-CN`` in the rate data, with its source).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Territory:
    code: str  # ISO 3166-1/-2 where one exists (IC and EA are ISO reserved codes)
    name: str
    country: str  # the member state it belongs to
    prefixes: tuple[str, ...]  # postal code prefixes (the canonical postal code)
    customs: str  # EU | outside | CH
    tax_jurisdiction: str | None = None
    city: str | None = None  # a shared postal code: the territory only with this city


TERRITORIES: tuple[Territory, ...] = (
    Territory("IC", "Canary Islands", "ES", ("35", "38"), "EU", "ES-CN"),
    Territory("EA-CE", "Ceuta", "ES", ("51",), "outside"),
    Territory("EA-ML", "Melilla", "ES", ("52",), "outside"),
    # Saint-Barthélemy (97133, an overseas country and territory since 2012) and
    # Saint-Martin (97150, an outermost region) share Guadeloupe's 971 block
    Territory("BL", "Saint Barthélemy", "FR", ("97133",), "outside"),
    Territory("MF", "Saint Martin", "FR", ("97150",), "EU"),
    Territory("GP", "Guadeloupe", "FR", ("971",), "EU"),
    Territory("MQ", "Martinique", "FR", ("972",), "EU"),
    Territory("GF", "French Guiana", "FR", ("973",), "EU"),
    Territory("RE", "Réunion", "FR", ("974",), "EU"),
    Territory("PM", "Saint Pierre and Miquelon", "FR", ("975",), "outside"),
    Territory("YT", "Mayotte", "FR", ("976",), "EU"),
    Territory("DE-BUS", "Büsingen am Hochrhein", "DE", ("78266",), "CH", "CH"),
    Territory("DE-HGL", "Heligoland", "DE", ("27498",), "outside"),
    Territory("IT-LIV", "Livigno", "IT", ("23041",), "outside"),
    Territory("IT-CMP", "Campione d'Italia", "IT", ("22061",), "EU"),
    Territory("IT-CMP", "Campione d'Italia", "IT", ("22060",), "EU", city="campione"),
    Territory("GR-69", "Mount Athos", "GR", ("63086",), "EU"),
    Territory("AX", "Åland", "FI", ("22",), "EU"),
)


def special_territory(country: str, postal_code: str | None, city: str | None = None) -> Territory | None:
    """The territory outside the EU VAT area a delivery address is in, if any."""
    code = (postal_code or "").replace(" ", "").upper()
    if not code:
        return None
    country = country.upper()
    if country == "FI" and code.startswith("AX-"):  # Åland's own notation: AX-22100
        code = code[3:]
    for territory in TERRITORIES:
        if territory.country != country or not code.startswith(territory.prefixes):
            continue
        if territory.city and territory.city not in (city or "").casefold():
            continue
        return territory
    return None


def is_northern_ireland(country: str, postal_code: str | None) -> bool:
    """A UK address in Northern Ireland: the BT postcode area (Royal Mail)."""
    code = (postal_code or "").replace(" ", "").upper()
    return country.upper() in ("GB", "XI") and code.startswith("BT") and len(code) > 2 and code[2].isdigit()
